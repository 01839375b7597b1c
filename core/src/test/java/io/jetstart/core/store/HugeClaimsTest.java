package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.hash.HashKeys;
import io.jetstart.core.hash.HighwayHash64;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lengths and counts read from disk that claim far more than the file holds (a 4 GiB record, 2^40
 * subjects, blocks, deletes or pending acks) are reported, not allocated: this class runs in its own
 * surefire execution with a 32 MiB heap (tag {@code small-heap}), where allocating what any of them
 * claims would end in an {@link OutOfMemoryError} instead of a problem.
 */
@Tag("small-heap")
class HugeClaimsTest {
    static final long TWO_40 = 1L << 40;

    @TempDir
    Path tmp;

    @BeforeEach
    void heapIsSmall() {
        assertThat(Runtime.getRuntime().maxMemory()).as("run in the small-heap surefire execution (-Xmx32m)")
                .isLessThanOrEqualTo(64L << 20);
    }

    @ParameterizedTest(name = "rl = {0}")
    @ValueSource(longs = {0xFFFF_FFFFL, 0x7FFF_FFFFL, 0x8000_0000L | (32 << 20) + 1, (32 << 20) + 1, 0xFFFF_FFF0L})
    void aRecordClaimingGigabytesIsDamageAtItsOffset(long rl) throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        Files.delete(stream.resolve("msgs/index.db"));
        Path blk = stream.resolve("msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        int at = recordStart(b, 600);
        b[at] = (byte) rl;
        b[at + 1] = (byte) (rl >>> 8);
        b[at + 2] = (byte) (rl >>> 16);
        b[at + 3] = (byte) (rl >>> 24);
        Files.write(blk, b);

        StreamStore s = open(stream, "LIM1");

        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.DAMAGE);
            assertThat(p.file()).isEqualTo(blk);
            assertThat(p.offset()).isEqualTo(at);
        });
        assertThat(s.state().lost().bytes()).as("bytes from the bad record to the end").isEqualTo(b.length - at);
        assertThat(s.state().messages()).isLessThan(600);
    }

    @Test
    void anIndexDbDeclaringTwoToTheFortySubjectsIsReportedAndTheStreamRebuilt() throws Exception {
        checkIndexDbRefused(w -> w.uvarint(TWO_40), "subject");
    }

    @Test
    void anIndexDbSubjectOfTwoToTheFortyBytesIsReportedAndTheStreamRebuilt() throws Exception {
        checkIndexDbRefused(w -> w.uvarint(1).uvarint(TWO_40), "subject len");
    }

    @Test
    void anIndexDbDeclaringTwoToTheFortyBlocksIsReportedAndTheStreamRebuilt() throws Exception {
        checkIndexDbRefused(w -> w.uvarint(0).uvarint(TWO_40), "block");
    }

    @Test
    void anIndexDbBlockWithTwoToTheFortyDeletesIsReportedAndTheStreamRebuilt() throws Exception {
        // one block entry: index 1, bytes, first 1, ts deltas 0, last 1000, numDeleted 2^40, then an AVL
        // header claiming as many nodes
        checkIndexDbRefused(w -> w.uvarint(0).uvarint(1).uvarint(1).uvarint(100).uvarint(1).varint(0).uvarint(1000)
                .varint(0).uvarint(TWO_40).u8(22).u8(2).uvarint(1).uvarint(TWO_40).uvarint(TWO_40), "dmap");
    }

    /** Writes a LIM1 index.db with a valid trailer whose body after the summary is {@code tail}. */
    private void checkIndexDbRefused(java.util.function.Consumer<ByteWriter> tail, String mentions) throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        StreamState expected = open(stream, "LIM1").state();
        ByteWriter w = new ByteWriter();
        w.u8(11).u8(1).uvarint(990).uvarint(135_180).uvarint(1).varint(1).uvarint(1000).varint(2);
        tail.accept(w);
        w.bytes(new byte[16]);
        byte[] body = w.toByteArray();
        byte[] file = Arrays.copyOf(body, body.length + 8);
        HighwayHash64.putLE(new HighwayHash64(HashKeys.forStream("LIM1")).hash(body, 0, body.length), file, body.length);
        Path index = stream.resolve("msgs/index.db");
        Files.write(index, file);

        StreamStore s = open(stream, "LIM1");

        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(p.file()).isEqualTo(index);
            assertThat(p.offset()).isBetween(2L, (long) body.length);
            assertThat(p.message()).containsIgnoringCase(mentions);
        });
        assertThat(s.source()).isEqualTo(Source.REBUILT);
        assertThat(s.state().messages()).isEqualTo(expected.messages());
        assertThat(s.state().subjects()).isEqualTo(expected.subjects());
    }

    @Test
    void anODatDeclaringTwoToTheFortyPendingAcksFailsThatConsumerWithTheOffset() throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        byte[] odat = new ByteWriter().u8(22).u8(2).uvarint(200).uvarint(200).uvarint(300).uvarint(300)
                .uvarint(TWO_40).varint(1_700_000_000L).uvarint(1).uvarint(1).varint(0).uvarint(0).toByteArray();
        Path file = stream.resolve("obs/C0/o.dat");
        Files.write(file, odat);
        StreamStore s = open(stream, "LIM1");

        assertThatThrownBy(() -> ConsumerLoader.load(s, "C0")).isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.problem().severity()).isEqualTo(Problem.Severity.FATAL);
            assertThat(e.problem().file()).isEqualTo(file);
            assertThat(e.problem().offset()).as("where numPending starts").isEqualTo(10);
            assertThat(e.problem().message()).contains("numPending");
        });
        assertThat(ConsumerLoader.load(s, "C1").delivered().streamSeq()).as("its sibling restores").isEqualTo(100);
    }

    @Test
    void anODatDeclaringTwoToTheFortyRedeliveriesRestoresWhatItHolds() throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        byte[] odat = new ByteWriter().u8(22).u8(2).uvarint(200).uvarint(200).uvarint(300).uvarint(300)
                .uvarint(0).uvarint(TWO_40).uvarint(5).uvarint(2).toByteArray();
        Files.write(stream.resolve("obs/C0/o.dat"), odat);
        StreamStore s = open(stream, "LIM1");

        RestoredConsumer c = ConsumerLoader.load(s, "C0");

        assertThat(c.ackFloor().streamSeq()).isEqualTo(200);
        assertThat(c.redelivered).containsExactly(java.util.Map.entry(205L, 2L));
    }

    @Test
    void aLegacyIdxDeclaringTwoToTheFortyDeletesIsIgnoredAndTheBlockRebuilt() throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "LIM1");
        Path idx = stream.resolve("msgs/1.idx");
        byte[] blk = Files.readAllBytes(stream.resolve("msgs/1.blk"));
        // msgs == last - first + 1 - dmapLen holds, and the last checksum matches the block: only the
        // claim itself is wrong.
        byte[] bytes = new ByteWriter().u8(22).u8(1).uvarint(990).uvarint(135_180).uvarint(1).varint(1)
                .uvarint(TWO_40 + 990).varint(2).uvarint(TWO_40).bytes(blk, blk.length - 8, 8).uvarint(96).uvarint(193)
                .toByteArray();
        Files.write(idx, bytes);

        StreamStore s = open(stream, "LIM1");

        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(p.file()).isEqualTo(idx);
        });
        assertThat(s.state().lastSeq()).as("the block's own last sequence").isEqualTo(1000);
    }

    private static StreamStore open(Path stream, String name) throws Exception {
        return StreamOpener.open("$G", name, stream, MetaFiles.readStream(stream, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded());
    }

    /** Offset of the {@code n}-th record (0-based), walking rl (spec 3.2). */
    private static int recordStart(byte[] b, int n) {
        int off = 0;
        for (int i = 0; i < n; i++) {
            off += (int) ((b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16 | (b[off + 3] & 0x7fL) << 24);
        }
        return off;
    }
}
