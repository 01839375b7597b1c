package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verified read path on copies of the 2.15.1 fixture, damaged the ways the issue found
 * {@code dump} handing out bad bytes: one flipped payload byte, a truncated block, a broken record
 * length, a flipped sequence. What nats-server 2.15.1 answers on the same copies is checked by
 * {@code DumpMatchesServerIT} in the integration tests.
 */
class MessageReaderTest {
    static final String FIXTURE = "nats-2.15.1-small";

    record Read(List<StoredMessage> messages, List<RecordDamage> damage) {
        List<Long> seqs() {
            return messages.stream().map(StoredMessage::seq).toList();
        }
    }

    /** Opened as a startup does: blocks, then consumers, then the interest sweep they imply. */
    private static StreamStore open(Path fixture, String stream) throws Exception {
        Path dir = Fixtures.streamDir(fixture, stream);
        StreamStore s = StreamOpener.open("$G", stream, dir, MetaFiles.readStream(dir, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded());
        try (var names = Files.list(dir.resolve("obs"))) {
            assertThat(ConsumerSettlement.loadAndSettle(s, names.map(c -> c.getFileName().toString()).sorted().toList()))
                    .isEmpty();
        }
        return s;
    }

    private static Read readAll(StreamStore s) throws Exception {
        List<StoredMessage> msgs = new ArrayList<>();
        List<RecordDamage> damage = new ArrayList<>();
        new MessageReader(s).forEach(s.firstSeq(), new MessageReader.Visitor() {
            @Override
            public boolean message(MessageView m) {
                msgs.add(m.toMessage());
                return true;
            }

            @Override
            public void damaged(RecordDamage d) {
                damage.add(d);
            }
        });
        return new Read(msgs, damage);
    }

    private static Path block(Path fixture, String stream) {
        return Fixtures.streamDir(fixture, stream).resolve("msgs").resolve("1.blk");
    }

    /** Offset of the record of block {@code blk} that holds byte {@code at}. */
    private static int recordHolding(Path blk, int at) throws Exception {
        byte[] b = Files.readAllBytes(blk);
        RecordCursor c = new RecordCursor().wrap(b, b.length);
        while (c.next()) {
            if (c.offset() <= at && at < c.offset() + c.rawLength()) {
                return c.offset();
            }
        }
        throw new AssertionError("no record holds offset " + at);
    }

    private static void flip(Path file, int at) throws Exception {
        byte[] b = Files.readAllBytes(file);
        b[at] ^= (byte) 0xff;
        Files.write(file, b);
    }

    private static void truncate(Path file, long size) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    @Test
    void anUndamagedStreamHandsOutEveryLiveMessageWithItsBytes(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        StreamStore s = open(fx, "LIM1");

        Read r = readAll(s);

        assertThat(r.damage()).isEmpty();
        assertThat(r.messages()).hasSize(990);
        assertThat(r.seqs()).doesNotContain(97L, 194L).startsWith(1L, 2L).endsWith(1000L);
        StoredMessage fifty = r.messages().get(49);
        assertThat(fifty.seq()).isEqualTo(50);
        assertThat(new String(fifty.headers(), StandardCharsets.US_ASCII)).isEqualTo("NATS/1.0\r\nX-Seq:50\r\n\r\n");
        assertThat(new String(fifty.payload(), StandardCharsets.US_ASCII)).startsWith("s1:m50:");
        assertThat(r.messages().stream().mapToLong(m -> 22 + m.subject().length()
                + (m.headers().length > 0 ? 4 + m.headers().length : 0) + m.payload().length + 8).sum())
                .isEqualTo(s.bytes());
    }

    @Test
    void aFlippedPayloadByteWithholdsThatMessageOnlyAndNamesItsFileAndOffset(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        Path blk = block(fx, "INT1");
        int record = recordHolding(blk, 50_000);
        flip(blk, 50_000);
        StreamStore s = open(fx, "INT1");
        assertThat(s.source()).as("index.db still agrees with the last block").isEqualTo(Source.INDEX);

        Read r = readAll(s);

        assertThat(r.seqs()).hasSize(684).doesNotContain(368L).contains(367L, 369L, 1000L);
        assertThat(r.damage()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(RecordDamage.Kind.CHECKSUM);
            assertThat(d.file()).isEqualTo(blk);
            assertThat(d.offset()).isEqualTo(record);
            assertThat(d.seq()).isEqualTo(368);
            assertThat(d.messages()).isEqualTo(1);
            assertThat(d.reason()).contains("invalid checksum");
            assertThat(d.toProblem().severity()).isEqualTo(Problem.Severity.DAMAGE);
        });
        MessageReader reader = new MessageReader(s);
        assertThat(reader.read(368)).isInstanceOfSatisfying(MessageRead.Damaged.class,
                d -> assertThat(d.damage().offset()).isEqualTo(record));
        assertThat(reader.read(369)).isInstanceOfSatisfying(MessageRead.Found.class,
                f -> assertThat(new String(f.message().payload(), StandardCharsets.US_ASCII)).startsWith("s1:m369:"));
        assertThat(reader.read(308)).as("deleted by an interior ack").isEqualTo(new MessageRead.Absent(308));
        assertThat(reader.read(1001)).isEqualTo(new MessageRead.Absent(1001));
    }

    /**
     * nats-server 2.9.10 finds a 2.9 block's record by its slot (record i holds the {@code .idx}'s
     * first + i) and serves every message but the one whose record claims sequence 1524 instead of
     * 500 (measured on 2.9.10 as for the first record, {@code DamagedLegacyBlockOnServerIT}). Walked by
     * claimed sequences, the reader took 1524 as the block's highest and handed out nothing.
     */
    @Test
    void aFlippedSequenceInA29BlockReadThroughItsIdxWithholdsThatSlotAlone(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy("nats-2.9.10-small", tmp);
        Path blk = block(fx, "LIM1");
        io.jetstart.core.testing.StoreFaults.flipSequenceBit(blk, 500, 10);
        StreamStore s = open(fx, "LIM1");

        Read r = readAll(s);

        assertThat(r.seqs()).hasSize(989).doesNotContain(500L).contains(1L, 499L, 501L, 1000L);
        // The state already counts 500 as lost (the opener's problem names it): not live, so no damage here.
        assertThat(r.damage()).isEmpty();
        assertThat(s.problems()).anySatisfy(p -> assertThat(p.message()).contains("1 message(s) the .idx counts cannot be read (from 500)"));
        MessageReader reader = new MessageReader(s);
        assertThat(reader.read(500)).isEqualTo(new MessageRead.Absent(500));
        assertThat(reader.read(501)).isInstanceOfSatisfying(MessageRead.Found.class, f -> assertThat(f.message().seq()).isEqualTo(501));
        assertThat(reader.read(1524)).isEqualTo(new MessageRead.Absent(1524));
    }

    @Test
    void withoutIndexDbTheRebuildEndsTheBlockAtTheFlippedRecordAndTheReaderAddsNothing(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        Path blk = block(fx, "INT1");
        int record = recordHolding(blk, 50_000);
        flip(blk, 50_000);
        Fixtures.dropIndexes(fx);
        StreamStore s = open(fx, "INT1");
        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.DAMAGE);
            assertThat(p.offset()).isEqualTo(record);
        });

        Read r = readAll(s);

        // What 2.15.1 reports after its own rebuild of this copy: 57 messages, last seq 367.
        assertThat(r.damage()).isEmpty();
        assertThat(r.messages()).hasSize(57);
        assertThat(r.seqs()).endsWith(367L);
        assertThat(new MessageReader(s).read(369)).isEqualTo(new MessageRead.Absent(369));
    }

    @Test
    void aTruncatedBlockHandsOutExactlyTheMessagesTheRebuildCountsAndTheOpenerReportsTheDamage(@TempDir Path tmp)
            throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        Path blk = block(fx, "LIM1");
        truncate(blk, 70_000);
        StreamStore s = open(fx, "LIM1");
        assertThat(s.source()).isEqualTo(Source.REBUILT);
        assertThat(s.problems()).anySatisfy(p -> assertThat(p.severity()).isEqualTo(Problem.Severity.DAMAGE));

        Read r = readAll(s);

        assertThat(r.damage()).isEmpty();
        assertThat(r.messages()).hasSize((int) s.messages());
        assertThat(s.messages()).isLessThan(990);
    }

    @Test
    void aBrokenRecordLengthOnTheFastPathEndsTheBlockThereAsTheServersReloadDoes(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        Path blk = block(fx, "LIM1");
        int record = recordHolding(blk, 40_000);
        flip(blk, record + 2); // rl's third byte: a length of megabytes
        StreamStore s = open(fx, "LIM1");
        assertThat(s.source()).isEqualTo(Source.INDEX);

        Read r = readAll(s);

        assertThat(r.damage()).extracting(RecordDamage::kind)
                .containsExactly(RecordDamage.Kind.BLOCK_LAYOUT, RecordDamage.Kind.MISSING);
        assertThat(r.damage().get(0).offset()).isEqualTo(record);
        RecordDamage missing = r.damage().get(1);
        long handedOut = r.messages().size();
        assertThat(handedOut + missing.messages()).isEqualTo(990);
        assertThat(r.seqs().getLast()).isLessThan(missing.seq());
        assertThat(missing.toProblem().severity()).isEqualTo(Problem.Severity.DAMAGE);
    }

    @Test
    void aFlippedSequenceByteWithholdsThatMessageAndNamesTheRecordThatLostIt(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        Path blk = block(fx, "LIM1");
        int record = recordHolding(blk, 30_000);
        flip(blk, record + 4); // the low byte of seq 220: the record now claims 35
        StreamStore s = open(fx, "LIM1");

        Read r = readAll(s);

        // nats-server 2.15.1 on this copy: 404 for 220, every other message served.
        assertThat(r.seqs()).hasSize(989).doesNotContain(220L).contains(219L, 221L, 1000L);
        assertThat(r.damage()).hasSize(2);
        assertThat(r.damage().get(0)).satisfies(d -> {
            assertThat(d.kind()).isEqualTo(RecordDamage.Kind.CHECKSUM);
            assertThat(d.offset()).isEqualTo(record);
            assertThat(d.seq()).isEqualTo(220 ^ 0xff);
            assertThat(d.toProblem().severity()).isEqualTo(Problem.Severity.WARNING);
        });
        assertThat(r.damage().get(1)).satisfies(d -> {
            assertThat(d.kind()).isEqualTo(RecordDamage.Kind.MISSING);
            assertThat(d.seq()).isEqualTo(220);
            assertThat(d.messages()).isEqualTo(1);
            assertThat(d.toProblem().severity()).isEqualTo(Problem.Severity.DAMAGE);
        });
        assertThat(new MessageReader(s).read(220)).isInstanceOfSatisfying(MessageRead.Damaged.class,
                d -> assertThat(d.damage().kind()).isEqualTo(RecordDamage.Kind.MISSING));
    }

    @Test
    void aSequencePastTheBlocksLastEndsTheBlockAtThatRecord(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        Path blk = block(fx, "LIM1");
        int record = recordHolding(blk, 30_000);
        flip(blk, record + 10); // the seventh byte of seq 220: far past the block's last
        StreamStore s = open(fx, "LIM1");

        Read r = readAll(s);

        assertThat(r.damage()).extracting(RecordDamage::kind)
                .containsExactly(RecordDamage.Kind.BLOCK_LAYOUT, RecordDamage.Kind.MISSING);
        assertThat(r.damage().get(0).offset()).isEqualTo(record);
        assertThat(r.seqs()).endsWith(219L);
        assertThat(r.damage().get(1).seq()).isEqualTo(220);
    }

    @Test
    void aHeaderLengthPastItsRecordWithholdsThatMessageThoughItsChecksumHolds(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        Path blk = block(fx, "LIM1");
        int record = recordHolding(blk, 6_700); // seq 50, the first with headers
        flip(blk, record + 22 + 6 + 1); // the second byte of its header length (not hashed)
        StreamStore s = open(fx, "LIM1");

        Read r = readAll(s);

        // nats-server 2.15.1 on this copy: 404 for 50 only.
        assertThat(r.seqs()).hasSize(989).doesNotContain(50L).contains(49L, 51L, 100L);
        assertThat(r.damage()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(RecordDamage.Kind.HEADER_LENGTH);
            assertThat(d.offset()).isEqualTo(record);
            assertThat(d.seq()).isEqualTo(50);
        });
    }

    @Test
    void aBlockThatCannotBeReadWithholdsItsMessagesAndSaysWhy(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        StreamStore s = open(fx, "LIM1");
        Files.delete(block(fx, "LIM1"));

        Read r = readAll(s);

        assertThat(r.messages()).isEmpty();
        assertThat(r.damage()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(RecordDamage.Kind.UNREADABLE);
            assertThat(d.messages()).isEqualTo(990);
            assertThat(d.reason()).contains("NoSuchFileException");
        });
        assertThat(new MessageReader(s).read(5)).isInstanceOf(MessageRead.Damaged.class);
    }

    @Test
    void readingChangesNoByteOfTheStore(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        flip(block(fx, "INT1"), 50_000);
        Map<String, String> before = Fixtures.digests(fx);

        readAll(open(fx, "INT1"));

        assertThat(Fixtures.digests(fx)).isEqualTo(before);
    }

    /** Every (sequence, subject) {@link MessageReader#forEachSubjectIn} visits in the blocks of {@code s}; null when a block was not walked. */
    private static List<String> subjectsWalked(StreamStore s) throws Exception {
        List<String> out = new ArrayList<>();
        MessageReader reader = new MessageReader(s);
        for (StreamView.Block b : s.readView().blocks()) {
            if (!reader.forEachSubjectIn(b, b.firstSeq(), (seq, buf, off, len) ->
                    out.add(seq + " " + new String(buf, off, len, StandardCharsets.UTF_8)))) {
                return null;
            }
        }
        return out;
    }

    @Test
    void theSubjectWalkOfASoundBlockNamesEachMessageRecordWithItsSubjectInOrder(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        StreamStore s = open(fx, "LIM1");

        List<String> walked = subjectsWalked(s);

        // The fixture's removed messages left no message record: the walk is the verified read's list.
        List<String> live = readAll(s).messages().stream().map(m -> m.seq() + " " + m.subject()).toList();
        assertThat(walked).hasSize(990).containsExactlyElementsOf(live);
    }

    @Test
    void aBlockWhoseRecordsDisagreeWithTheStateIsNotWalkedBySubject(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        Path blk = block(fx, "LIM1");
        flip(blk, recordHolding(blk, 40_000) + 2); // a record length of megabytes, as above
        StreamStore s = open(fx, "LIM1");

        assertThat(subjectsWalked(s)).as("left to the verified reader, which reports the damage").isNull();
    }

    @Test
    void aHeaderLengthPastItsRecordStopsTheSubjectWalk(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.copy(FIXTURE, tmp);
        Path blk = block(fx, "LIM1");
        flip(blk, recordHolding(blk, 6_700) + 22 + 6 + 1); // seq 50's header length, as above
        StreamStore s = open(fx, "LIM1");

        assertThat(subjectsWalked(s)).isNull();
    }
}
