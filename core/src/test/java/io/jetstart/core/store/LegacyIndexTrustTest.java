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

        assertThat(s.problems()).extracting(Problem::file).containsExactly(idx, idx);
        assertThat(s.problems().get(0).message()).contains("does not match its block");
        // 2.9.10 takes the .idx (its checksum is the block's) and serves neither: 97 is an erased
        // record, 98 a listed delete (RemovedByLegacyIndex).
        assertThat(s.state().deleted().toArray()).contains(97, 98);
        assertThat(s.state().messages()).isEqualTo(989);
    }

    /**
     * A huge record length in a block whose .idx 2.9.10 takes: its first read rebuilds the block
     * keeping the .idx's first sequence, so the whole records below it stay removed. Measured on
     * 2.9.10 (docs/format-notes.md): MAX1 (.idx 201..1000) with record 513's length made
     * 0x7ffffff0 serves 201..512; INT1 (.idx 302..1000) with record 286's serves nothing
     * (HostileOperatorCommandsTest seed 7, rounds 87 and 100, had dump serve MAX1 1 and INT1 285).
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"MAX1, 513, 312, 201, 200", "INT1, 286, 0, 1001, 285"})
    void aHugeLengthKeepsTheRecordsBelowTheIdxsFirstRemoved(String name, int record, long messages, long first, long removed) throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), name);
        Path blk = stream.resolve("msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        int at = recordStart(b, record - 1);
        java.nio.ByteBuffer.wrap(b, at, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0x7fff_fff0);
        Files.write(blk, b);

        StreamStore s = open(stream, name);

        StreamState st = s.state();
        assertThat(st.messages()).isEqualTo(messages);
        assertThat(st.firstSeq()).isEqualTo(first);
        assertThat(st.lastSeq()).as("the .idx's last stands").isEqualTo(1000);
        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.file()).isEqualTo(stream.resolve("msgs/1.idx"));
            assertThat(p.message()).contains(removed + " record(s) of 1.blk that this .idx removed");
        });
    }

    /**
     * A block cut mid-record no longer ends in its .idx's last checksum: 2.9.10 rebuilds it at its
     * start but keeps the .idx's first sequence and delete map (measured: INT1's 1.blk cut at 60000
     * reports and serves 126, 302..441 less its 14 deletes, at every start).
     */
    @Test
    void aCutBlockWhoseIdxNoLongerMatchesKeepsTheIdxsDeletes() throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "INT1");
        Path blk = stream.resolve("msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        Files.write(blk, java.util.Arrays.copyOf(b, 60_000));

        StreamStore s = open(stream, "INT1");

        StreamState st = s.state();
        assertThat(st.firstSeq()).isEqualTo(302);
        assertThat(st.lastSeq()).isEqualTo(441);
        assertThat(st.numDeleted()).isEqualTo(14);
        assertThat(st.messages()).isEqualTo(126);
    }

    /**
     * INT1's .idx with the last 8 bytes of its delete list overwritten by 0xff (an unterminated
     * varint): Go's reader lists the first 6 of its 14 deletes, and 2.9.10 reports the .idx's 685 at
     * every start but serves 693, its range less those 6 (default seed, round 88, had dump serve 308).
     */
    @Test
    void anIdxWhoseDeleteListIsUnreadablePastItsSixthKeepsTheSixItLists() throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "INT1");
        Path idx = stream.resolve("msgs/1.idx");
        byte[] b = Files.readAllBytes(idx);
        assertThat(b).as("the fixture's delete list spans bytes 38..51").hasSize(52);
        java.util.Arrays.fill(b, 44, 52, (byte) 0xff);
        Files.write(idx, b);

        StreamStore s = open(stream, "INT1");

        StreamState st = s.state();
        assertThat(st.firstSeq()).isEqualTo(302);
        assertThat(st.deleted().toArray()).containsExactly(308, 315, 350, 371, 378, 399);
        assertThat(st.messages()).isEqualTo(693);
        assertThat(st.subjects().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(693);
    }

    @Test
    void anIdxClaimingMoreBytesThanItsMessagesHoldIsRefused() throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "MAX1");
        Path idx = stream.resolve("msgs/1.idx");
        LegacyIndex real = LegacyIndexCodec.decode(Files.readAllBytes(idx));
        Files.write(idx, LegacyIndexCodec.encode(new LegacyIndex(real.version(), real.msgs(), real.bytes() + 1, real.firstSeq(),
                real.firstTs(), real.lastSeq(), real.lastTs(), real.deleted(), real.lastChecksum())));

        StreamStore s = open(stream, "MAX1");

        // The refusal, and the 200 records below the .idx's first that it still removes.
        assertThat(s.problems()).extracting(Problem::file).containsExactly(idx, idx);
        assertThat(s.state().bytes()).isEqualTo(real.bytes());
        assertThat(s.state().firstSeq()).isEqualTo(real.firstSeq());
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
        real.deleted().forEach(seq -> assertThat(st.deleted().toArray()).as("erased record %d", seq).contains(seq));
    }

    private static StreamStore open(Path stream, String name) throws Exception {
        return StreamOpener.open("$G", name, stream, MetaFiles.readStream(stream, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded());
    }

}
