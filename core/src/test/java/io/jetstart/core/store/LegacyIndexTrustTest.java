package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.LegacyIndex;
import io.jetstart.core.format.LegacyIndexCodec;
import io.jetstart.core.format.SequenceSet;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A 2.9 {@code .idx} is used only when it describes its block: its last checksum matches the
 * block's tail (as nats-server checks), the block holds no bad record, and its message count, byte
 * total, last sequence and deletes agree with the records it keeps (which nats-server never reads).
 */
class LegacyIndexTrustTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"LIM1", "MAX1", "INT1"})
    void everyRealIdxIsTrustedAsWritten(String name) throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), name);
        StreamStore s = open(stream, name);
        assertThat(s.problems()).isEmpty();
        // INT1's 14 interior deletes live only in its .idx: trusted, they stay deleted.
        if (name.equals("INT1")) {
            assertThat(s.state().numDeleted()).isEqualTo(14);
        }
    }

    /**
     * A bad checksum before the tail: nats-server (2.9.10, 2.10.27, 2.15.1) reads the block through
     * its .idx and serves every other message, so the .idx is used, less the bad message, and the
     * damage is reported with nothing for a repair to do (DamagedLegacyBlockOnServerIT).
     */
    @Test
    void aBadChecksumBeforeTheTailIsReadAroundThroughTheIdxAsTheServersDo() throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "LIM1");
        Path blk = stream.resolve("msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        int record = recordStart(b, 500);
        b[record + 40] ^= 0x10; // a payload byte: covered by the record's checksum, not by the .idx
        Files.write(blk, b);

        StreamStore s = open(stream, "LIM1");

        assertThat(s.problems()).singleElement().satisfies(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.DAMAGE);
            assertThat(p.file()).isEqualTo(blk);
            assertThat(p.offset()).isEqualTo(record);
            assertThat(p.serverAction()).isEqualTo(ServerAction.NONE);
        });
        StreamState st = s.state();
        assertThat(st.messages()).as("the .idx's 990 less the bad one").isEqualTo(989);
        assertThat(st.lastSeq()).isEqualTo(1000);
        assertThat(st.lost().msgs()).containsExactly(501);
        assertThat(st.subjects().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(st.messages());
    }

    /** A flipped length before the tail: the servers' first read rebuilds the block, so jetstart rebuilds it. */
    @Test
    void aFlippedLengthBeforeTheTailMakesTheBlockRebuiltAndReportedAsDamage() throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "LIM1");
        Path blk = stream.resolve("msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        int record = recordStart(b, 500);
        b[record] ^= 0x02;
        Files.write(blk, b);

        StreamStore s = open(stream, "LIM1");

        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.DAMAGE);
            assertThat(p.file()).isEqualTo(blk);
            assertThat(p.offset()).isEqualTo(record);
            assertThat(p.serverAction()).isEqualTo(ServerAction.TRUNCATE_BLOCK);
        });
        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(p.file()).isEqualTo(stream.resolve("msgs/1.idx"));
        });
        StreamState st = s.state();
        assertThat(st.messages()).as("only the readable prefix counts").isLessThan(500);
        assertThat(st.subjects().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(st.messages());
    }

    private static int recordStart(byte[] b, int records) {
        int at = 0;
        for (int i = 0; i < records; i++) {
            at += (int) ((b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16);
        }
        return at;
    }

    @Test
    void anIdxDeleteMovedOntoAMessageTheBlockHoldsIsRefused() throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "LIM1");
        Path idx = stream.resolve("msgs/1.idx");
        LegacyIndex real = LegacyIndexCodec.decode(Files.readAllBytes(idx));
        assertThat(real.deleted().contains(97)).isTrue();
        SequenceSet moved = real.deleted().copy();
        moved.remove(97);
        moved.add(98);
        Files.write(idx, LegacyIndexCodec.encode(new LegacyIndex(real.version(), real.msgs(), real.bytes(), real.firstSeq(),
                real.firstTs(), real.lastSeq(), real.lastTs(), moved, real.lastChecksum())));

        StreamStore s = open(stream, "LIM1");

        assertThat(s.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(idx);
            assertThat(p.message()).contains("does not match its block");
        });
        assertThat(s.state().deleted()).as("the block's own erased records").contains(97).doesNotContain(98);
        assertThat(s.state().messages()).isEqualTo(990);
    }

    @Test
    void anIdxClaimingMoreBytesThanItsMessagesHoldIsRefused() throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "MAX1");
        Path idx = stream.resolve("msgs/1.idx");
        LegacyIndex real = LegacyIndexCodec.decode(Files.readAllBytes(idx));
        Files.write(idx, LegacyIndexCodec.encode(new LegacyIndex(real.version(), real.msgs(), real.bytes() + 1, real.firstSeq(),
                real.firstTs(), real.lastSeq(), real.lastTs(), real.deleted(), real.lastChecksum())));

        StreamStore s = open(stream, "MAX1");

        assertThat(s.problems()).extracting(Problem::file).containsExactly(idx);
        assertThat(s.state().bytes()).isEqualTo(real.bytes());
    }

    /**
     * A cut in 1.idx's delete list (2.9 wrote it in place) leaves a header that passes Go's
     * accounting check while the list names fewer deletes than it declares. LIM1's deletes are
     * erased records, so the message and byte totals still agree with the block: only the deletes
     * the cut lost show it (found by HostileStoreRuntimeTest, 2.9.10 LIM1 1.idx truncated).
     */
    @ParameterizedTest
    @ValueSource(ints = {37, 38, 45, 54, 55})
    void anIdxWhoseDeleteListIsCutShortIsRefusedAndTheBlockRebuiltFromItsErasedRecords(int cut) throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "LIM1");
        Path idx = stream.resolve("msgs/1.idx");
        byte[] whole = Files.readAllBytes(idx);
        LegacyIndex real = LegacyIndexCodec.decode(whole);
        assertThat(whole).as("the fixture's delete list spans bytes 37..56").hasSize(56);
        Files.write(idx, java.util.Arrays.copyOf(whole, cut));
        assertThat(LegacyIndexCodec.decode(Files.readAllBytes(idx)).deleted().size())
                .as("Go's reader takes the cut file, with fewer deletes").isLessThan(real.deleted().size());

        StreamStore s = open(stream, "LIM1");

        assertThat(s.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(idx);
            assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(p.message()).contains("does not match its block");
        });
        StreamState st = s.state();
        assertThat(st.messages()).isEqualTo(real.msgs());
        assertThat(st.bytes()).isEqualTo(real.bytes());
        real.deleted().forEach(seq -> assertThat(st.deleted()).as("erased record %d", seq).contains(seq));
    }

    private static StreamStore open(Path stream, String name) throws Exception {
        return StreamOpener.open("$G", name, stream, MetaFiles.readStream(stream, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded());
    }

}
