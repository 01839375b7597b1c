package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.Problem;
import io.jetstart.core.write.GeneratorSpec;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 3, proof 2: one store of 50 generated streams, 5 of them damaged in different ways. The 45
 * others come back exactly; each damaged one is reported with its file and offset; a stream that
 * fails never starts its consumers; one bad consumer does not take its sibling down; and not a
 * byte of the store changes. The store is damaged once; every test only reads it.
 */
@Tag("both-paths")
class IsolationTest {
    static final GeneratorSpec SPEC = GeneratorSpec.of(50, 200, 32).withSubjects(4).withConsumers(2);
    static final String BAD_META_SUM = "S3";
    static final String CUT_MID_RECORD = "S11";
    static final String FLIPPED_CHECKSUM = "S22";
    static final String DIRECTORY_AS_BLOCK = "S33";
    static final String BAD_CONSUMER = "S44";
    static final Set<String> DAMAGED = Set.of(BAD_META_SUM, CUT_MID_RECORD, FLIPPED_CHECKSUM, DIRECTORY_AS_BLOCK, BAD_CONSUMER);
    /** Record 120 of S11 is cut 30 bytes in. */
    static final int CUT_RECORD = 120;
    static final int CUT_INTO = 30;
    /** Record 80 of S22 has one checksum byte flipped. */
    static final int FLIPPED_RECORD = 80;

    @TempDir(factory = TestStores.FastTempDir.class)
    static Path store;
    static Map<String, String> digestsBefore;

    @BeforeAll
    static void generateAndDamage() throws Exception {
        TestStores.generate(store, SPEC);

        // Any change to meta.sum: the config can no longer be trusted.
        Files.writeString(dir(BAD_META_SUM).resolve("meta.sum"), "0123456789abcdef");

        // A block cut in the middle of a record, as a crash during an append leaves it; index.db
        // kept, so the fast path sees the last block changed and rebuilds.
        Path cut = block(CUT_MID_RECORD);
        TestStores.truncate(cut, (CUT_RECORD - 1L) * rl(CUT_MID_RECORD) + CUT_INTO);

        // One flipped bit in an interior record's checksum; index.db gone, so the rebuild reads it.
        Path flipped = block(FLIPPED_CHECKSUM);
        long at = (long) FLIPPED_RECORD * rl(FLIPPED_CHECKSUM) - 3;
        try (FileChannel ch = FileChannel.open(flipped, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x01));
            ch.write(b.rewind(), at);
        }
        TestStores.truncate(dir(FLIPPED_CHECKSUM).resolve("msgs").resolve("index.db"), 0);

        // A directory where msgs/1.blk should be, and no index.db: the rebuild must open it.
        Path asDir = block(DIRECTORY_AS_BLOCK);
        Files.delete(asDir);
        Files.createDirectory(asDir);
        Files.delete(dir(DIRECTORY_AS_BLOCK).resolve("msgs").resolve("index.db"));

        // o.dat of C2 cut inside its pending list; C1 untouched.
        Path odat = dir(BAD_CONSUMER).resolve("obs").resolve("C2").resolve("o.dat");
        TestStores.truncate(odat, 12);

        digestsBefore = TestStores.digests(store);
    }

    static Path dir(String stream) {
        return TestStores.streamDir(store, stream);
    }

    static Path block(String stream) {
        return dir(stream).resolve("msgs").resolve("1.blk");
    }

    /** Every record of stream S<i> has the same length: its subjects s<i>.0..3 are equally long (spec 3.2). */
    static int rl(String stream) {
        return 22 + ("s" + stream.substring(1) + ".0").length() + SPEC.payload() + 8;
    }

    record Run(RecoveryReport report, List<RecoveryEvent> events) {
        StreamReport stream(String name) {
            return report.streams().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        }
    }

    static Run recover(RecoveryOptions.Mode mode) throws Exception {
        ConcurrentLinkedQueue<RecoveryEvent> events = new ConcurrentLinkedQueue<>();
        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults().withMode(mode).withListener(events::add));
        assertThat(report.runner()).isEqualTo(TestStores.expectedRunner(mode));
        assertThat(report.streams()).hasSize(SPEC.streams());
        return new Run(report, List.copyOf(events));
    }

    @ParameterizedTest
    @EnumSource(RecoveryOptions.Mode.class)
    void theOther45StreamsRecoverExactlyWithBothConsumers(RecoveryOptions.Mode mode) throws Exception {
        Run run = recover(mode);
        int healthy = 0;
        for (int i = 1; i <= SPEC.streams(); i++) {
            String name = "S" + i;
            if (DAMAGED.contains(name)) {
                continue;
            }
            StreamReport s = run.stream(name);
            assertThat(s.outcome()).as("%s; problems %s", name, s.problems()).isEqualTo(Outcome.RECOVERED);
            assertThat(s.problems()).as(name).isEmpty();
            assertThat(TestStores.Expected.of(s)).as(name).isEqualTo(TestStores.Expected.of(SPEC, i));
            assertThat(s.consumers()).as(name).extracting(ConsumerOutcome::name).containsExactly("C1", "C2");
            assertThat(s.consumers()).as(name).allMatch(c -> c instanceof ConsumerOutcome.Restored);
            healthy++;
        }
        assertThat(healthy).isEqualTo(45);
    }

    @ParameterizedTest
    @EnumSource(RecoveryOptions.Mode.class)
    void aBadMetaSumFailsItsStreamNamingTheMetaFile(RecoveryOptions.Mode mode) throws Exception {
        StreamReport s = recover(mode).stream(BAD_META_SUM);

        assertThat(s.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(s.state()).isNull();
        assertThat(s.consumers()).isEmpty();
        Problem p = fatal(s);
        assertThat(p.file().getParent()).isEqualTo(dir(BAD_META_SUM));
        assertThat(p.file().getFileName().toString()).isIn("meta.inf", "meta.sum");
        assertThat(p.message()).contains("checksums do not match");
    }

    @ParameterizedTest
    @EnumSource(RecoveryOptions.Mode.class)
    void aBlockCutMidRecordIsRebuiltUpToTheCutWithTheLossNamed(RecoveryOptions.Mode mode) throws Exception {
        StreamReport s = recover(mode).stream(CUT_MID_RECORD);
        long rl = rl(CUT_MID_RECORD);
        long whole = CUT_RECORD - 1;

        assertThat(s.outcome()).as("problems %s", s.problems()).isEqualTo(Outcome.REBUILT);
        Problem damage = damage(s);
        assertThat(damage.file()).isEqualTo(block(CUT_MID_RECORD));
        assertThat(damage.offset()).isEqualTo(whole * rl);
        assertThat(damage.message()).contains(CUT_INTO + " bytes");
        assertThat(s.state().lost().bytes()).isEqualTo(CUT_INTO);
        assertThat(s.state().messages()).isEqualTo(whole);
        assertThat(s.state().bytes()).isEqualTo(whole * rl);
        assertThat(s.state().firstSeq()).isEqualTo(1);
        // index.db said 200: sequences never go backwards after a lost tail (spec 4.5 step 3).
        assertThat(s.state().lastSeq()).isEqualTo(SPEC.messages());
        assertThat(s.consumers()).allMatch(c -> c instanceof ConsumerOutcome.Restored).hasSize(2);
    }

    @ParameterizedTest
    @EnumSource(RecoveryOptions.Mode.class)
    void aFlippedRecordChecksumIsRebuiltUpToThatRecordWithTheLossNamed(RecoveryOptions.Mode mode) throws Exception {
        StreamReport s = recover(mode).stream(FLIPPED_CHECKSUM);
        long rl = rl(FLIPPED_CHECKSUM);
        long good = FLIPPED_RECORD - 1;

        assertThat(s.outcome()).as("problems %s", s.problems()).isEqualTo(Outcome.REBUILT);
        Problem damage = damage(s);
        assertThat(damage.file()).isEqualTo(block(FLIPPED_CHECKSUM));
        assertThat(damage.offset()).isEqualTo(good * rl);
        assertThat(damage.message()).contains("checksum");
        long lost = (SPEC.messages() - good) * rl;
        assertThat(damage.message()).contains(lost + " bytes");
        assertThat(s.state().lost().bytes()).isEqualTo(lost);
        assertThat(s.state().messages()).isEqualTo(good);
        assertThat(s.state().lastSeq()).isEqualTo(good);
        assertThat(s.consumers()).allMatch(c -> c instanceof ConsumerOutcome.Restored).hasSize(2);
    }

    @ParameterizedTest
    @EnumSource(RecoveryOptions.Mode.class)
    void aDirectoryWhereABlockShouldBeFailsItsStreamNamingTheBlock(RecoveryOptions.Mode mode) throws Exception {
        StreamReport s = recover(mode).stream(DIRECTORY_AS_BLOCK);

        assertThat(s.outcome()).as("problems %s", s.problems()).isEqualTo(Outcome.FAILED);
        assertThat(s.state()).isNull();
        assertThat(fatal(s).file()).isEqualTo(block(DIRECTORY_AS_BLOCK));
    }

    @ParameterizedTest
    @EnumSource(RecoveryOptions.Mode.class)
    void aCorruptConsumerStateFailsThatConsumerOnlyAndTheStreamKeepsTheOther(RecoveryOptions.Mode mode) throws Exception {
        StreamReport s = recover(mode).stream(BAD_CONSUMER);

        assertThat(s.outcome()).isEqualTo(Outcome.RECOVERED);
        assertThat(TestStores.Expected.of(s)).isEqualTo(TestStores.Expected.of(SPEC, 44));
        assertThat(s.consumers()).extracting(ConsumerOutcome::name).containsExactly("C1", "C2");
        assertThat(s.consumers().get(0)).isInstanceOf(ConsumerOutcome.Restored.class);
        assertThat(s.consumers().get(1)).isInstanceOf(ConsumerOutcome.Failed.class);
        Problem cause = ((ConsumerOutcome.Failed) s.consumers().get(1)).cause();
        Path odat = dir(BAD_CONSUMER).resolve("obs").resolve("C2").resolve("o.dat");
        assertThat(cause.file()).isEqualTo(odat);
        assertThat(cause.offset()).isBetween(0L, 12L);
        assertThat(s.state().consumerCount()).isEqualTo(1);
        assertThat(s.hasDamage()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(RecoveryOptions.Mode.class)
    void aFailedStreamNeverStartsItsConsumers(RecoveryOptions.Mode mode) throws Exception {
        Run run = recover(mode);
        List<String> consumerEventsOf = new ArrayList<>();
        for (RecoveryEvent e : run.events()) {
            switch (e) {
                case RecoveryEvent.ConsumersStarting c -> consumerEventsOf.add(c.stream());
                case RecoveryEvent.ConsumerRestored c -> consumerEventsOf.add(c.stream());
                case RecoveryEvent.ConsumerFailed c -> consumerEventsOf.add(c.stream());
                default -> { }
            }
        }
        assertThat(consumerEventsOf).doesNotContain(BAD_META_SUM, DIRECTORY_AS_BLOCK);
        // The listener does see consumer events: each other stream starts, then restores or fails two.
        assertThat(consumerEventsOf).hasSize(48 * 3);
        assertThat(run.events()).filteredOn(e -> e instanceof RecoveryEvent.StreamFinished).hasSize(50);
    }

    @ParameterizedTest
    @EnumSource(RecoveryOptions.Mode.class)
    void noByteOfTheStoreChanges(RecoveryOptions.Mode mode) throws Exception {
        recover(mode);

        assertThat(TestStores.digests(store)).isEqualTo(digestsBefore);
    }

    private static Problem fatal(StreamReport s) {
        List<Problem> fatal = s.problems().stream().filter(p -> p.severity() == Problem.Severity.FATAL).toList();
        assertThat(fatal).as("fatal problems of %s", s.name()).hasSize(1);
        return fatal.get(0);
    }

    private static Problem damage(StreamReport s) {
        List<Problem> damage = s.problems().stream().filter(p -> p.severity() == Problem.Severity.DAMAGE).toList();
        assertThat(damage).as("damage problems of %s", s.name()).hasSize(1);
        return damage.get(0);
    }
}
