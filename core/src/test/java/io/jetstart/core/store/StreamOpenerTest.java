package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.compress.BlockCompression;
import io.jetstart.core.format.Records;
import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.hash.HashKeys;
import io.jetstart.core.hash.HighwayHash64;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.write.StreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Store paths no real fixture exercises: multi-block streams, stale indexes, limits, tombstones. */
@Tag("both-hashes")
class StreamOpenerTest {
    static final long T0 = 1_767_225_600_000_000_000L;
    static final byte[] PAYLOAD = "0123456789".getBytes(StandardCharsets.US_ASCII);

    /** Removed after each test: every run left its streams in the system's temp directory. */
    @TempDir
    Path tmp;

    private static StreamConfig config(String extra) throws Exception {
        return StreamConfig.parse(("{\"Created\":\"2026-01-01T00:00:00Z\",\"name\":\"T\",\"subjects\":[\"t.*\"],\"retention\":\"limits\","
                + "\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,\"max_msgs_per_subject\":-1,\"discard\":\"old\",\"storage\":\"file\","
                + "\"num_replicas\":1,\"compression\":\"none\",\"consumer_limits\":{}" + extra + "}").getBytes(StandardCharsets.UTF_8));
    }

    /** n messages on subjects t.0 / t.1 alternately, in 1 KiB blocks (39 records of 46 bytes... per block). */
    private static Path writeStream(Path dir, int n) throws Exception {
        Path streamDir = dir.resolve("T");
        try (StreamWriter w = new StreamWriter(streamDir, "T", 1024, 3)) {
            for (int i = 0; i < n; i++) {
                w.append(("t." + (i % 2)).getBytes(StandardCharsets.US_ASCII), null, PAYLOAD, T0 + i);
            }
        }
        return streamDir;
    }

    private static StreamStore open(Path streamDir, StreamConfig cfg) throws Exception {
        return StreamOpener.open("$G", "T", streamDir, cfg, StoreContext.singleThreaded());
    }

    private static long blockCount(Path streamDir) throws Exception {
        try (var s = Files.list(streamDir.resolve("msgs"))) {
            return s.filter(p -> p.toString().endsWith(".blk")).count();
        }
    }

    @Test
    void aMultiBlockStreamGivesTheSameStateFromItsIndexAndFromItsBlocks() throws Exception {
        Path dir = writeStream(Files.createTempDirectory(tmp, "t"), 500);
        assertThat(blockCount(dir)).isGreaterThan(10);
        StreamState fast = open(dir, config("")).state();
        assertThat(open(dir, config("")).source()).isEqualTo(Source.INDEX);
        Files.write(dir.resolve("msgs/index.db"), new byte[0]);
        StreamStore rebuilt = open(dir, config(""));
        assertThat(rebuilt.source()).isEqualTo(Source.REBUILT);
        StreamState slow = rebuilt.state();
        assertThat(slow.messages()).isEqualTo(500).isEqualTo(fast.messages());
        assertThat(slow.bytes()).isEqualTo(500L * Records.messageLength(3, 0, 10)).isEqualTo(fast.bytes());
        assertThat(slow.firstSeq()).isEqualTo(1);
        assertThat(slow.lastSeq()).isEqualTo(500);
        assertThat(slow.lastTs()).isEqualTo(T0 + 499);
        assertThat(slow.subjects()).containsEntry("t.0", 250L).containsEntry("t.1", 250L).isEqualTo(fast.subjects());
    }

    @Test
    void maxMsgsIsEnforcedOnTheInMemoryStateOfARebuild() throws Exception {
        Path dir = writeStream(Files.createTempDirectory(tmp, "t"), 500);
        Files.write(dir.resolve("msgs/index.db"), new byte[0]);
        byte[] before = Files.readAllBytes(dir.resolve("msgs/1.blk"));
        StreamState st = open(dir, config(",\"max_msgs\":120")).state();
        assertThat(st.messages()).isEqualTo(120);
        assertThat(st.firstSeq()).isEqualTo(381);
        assertThat(st.firstTs()).isEqualTo(T0 + 380);
        assertThat(st.numDeleted()).isZero();
        assertThat(st.subjects()).containsEntry("t.0", 60L).containsEntry("t.1", 60L);
        assertThat(Files.readAllBytes(dir.resolve("msgs/1.blk"))).as("nothing written").isEqualTo(before);
    }

    @Test
    void maxMsgsPerSubjectKeepsTheNewestOfEachSubject() throws Exception {
        Path dir = writeStream(Files.createTempDirectory(tmp, "t"), 100);
        StreamState st = open(dir, config(",\"max_msgs_per_subject\":3")).state();
        assertThat(st.messages()).isEqualTo(6);
        assertThat(st.firstSeq()).isEqualTo(95);
        assertThat(st.subjects()).containsEntry("t.0", 3L).containsEntry("t.1", 3L);
    }

    @Test
    void aStaleIndexKeepsItsLastSequenceWhenTheTailBlockIsGone() throws Exception {
        Path dir = writeStream(Files.createTempDirectory(tmp, "t"), 500);
        long blocks = blockCount(dir);
        // Lose the last block: index.db still names it, so the fast path fails and the prior last seq carries over.
        Files.delete(dir.resolve("msgs/" + blocks + ".blk"));
        StreamStore s = open(dir, config(""));
        StreamState st = s.state();
        assertThat(s.source()).isEqualTo(Source.REBUILT);
        assertThat(st.lastSeq()).as("sequences never go backwards").isEqualTo(500);
        assertThat(st.messages()).isLessThan(500);
        assertThat(st.lost().msgs()).as("the lost block's messages").isNotEmpty();
        assertThat(st.lost().msgs()[st.lost().msgs().length - 1]).isEqualTo(500);
        assertThat(s.problems()).anyMatch(p -> p.message().contains("could not locate msg block " + blocks));
    }

    @Test
    void aTombstoneInALaterBlockRemovesItsMessageOnRebuild() throws Exception {
        Path dir = writeStream(Files.createTempDirectory(tmp, "t"), 100);
        long blocks = blockCount(dir);
        // Append a tombstone for seq 5 to the last block, as a user delete does, and drop index.db.
        ByteWriter w = new ByteWriter();
        Records.writeTombstone(w, new HighwayHash64(HashKeys.forBlock("T", blocks)), 5, T0 + 4);
        Files.write(dir.resolve("msgs/" + blocks + ".blk"), w.toByteArray(), StandardOpenOption.APPEND);
        Files.write(dir.resolve("msgs/index.db"), new byte[0]);
        StreamState st = open(dir, config("")).state();
        assertThat(st.messages()).isEqualTo(99);
        assertThat(st.deleted().toArray()).containsExactly(5);
        assertThat(st.subjects()).containsEntry("t.0", 49L).containsEntry("t.1", 50L);
    }

    @Test
    void aBlockCutMidRecordIsReportedWithItsOffsetAndTheStreamComesBack() throws Exception {
        Path dir = writeStream(Files.createTempDirectory(tmp, "t"), 100);
        Path blk = dir.resolve("msgs/1.blk");
        long len = Files.size(blk);
        try (var ch = java.nio.channels.FileChannel.open(blk, StandardOpenOption.WRITE)) {
            ch.truncate(len - 5);
        }
        Files.write(dir.resolve("msgs/index.db"), new byte[0]);
        StreamStore s = open(dir, config(""));
        int rl = Records.messageLength(3, 0, 10);
        long lastRecordOffset = (len / rl - 1) * rl;
        assertThat(s.problems()).anyMatch(p -> p.severity() == Problem.Severity.DAMAGE && p.file().equals(blk)
                && p.offset() == lastRecordOffset);
        assertThat(s.state().lost().bytes()).isEqualTo(rl - 5);
        assertThat(Files.size(blk)).as("never truncated").isEqualTo(len - 5);
    }

    /** Compresses every block but the last, as nats-server does when it seals a block of an s2 stream. */
    private static void compressSealedBlocks(Path streamDir) throws Exception {
        List<Path> blocks;
        try (var st = Files.list(streamDir.resolve("msgs"))) {
            blocks = st.filter(p -> p.toString().endsWith(".blk"))
                    .sorted(java.util.Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().replace(".blk", ""))))
                    .toList();
        }
        for (Path blk : blocks.subList(0, blocks.size() - 1)) {
            byte[] plain = Files.readAllBytes(blk);
            Files.write(blk, BlockCompression.compress(plain, 0, plain.length));
        }
    }

    @Test
    void sealedS2BlocksGiveTheSameStateAsPlainOnesFromTheIndexAndFromTheBlocks() throws Exception {
        Path plainDir = writeStream(Files.createTempDirectory(tmp, "t"), 500);
        Path dir = writeStream(Files.createTempDirectory(tmp, "t"), 500);
        compressSealedBlocks(dir);
        assertThat(Files.readAllBytes(dir.resolve("msgs/1.blk"))).startsWith('c', 'm', 'p', 1);
        StreamState plain = open(plainDir, config("")).state();

        StreamStore fast = open(dir, config(""));
        assertThat(fast.source()).as("the raw checksum tail keeps the fast path").isEqualTo(Source.INDEX);
        assertThat(fast.state()).usingRecursiveComparison()
                .withEqualsForType(DeletedSequences::equals, DeletedSequences.class).isEqualTo(plain);

        Files.write(dir.resolve("msgs/index.db"), new byte[0]);
        StreamStore rebuilt = open(dir, config(""));
        assertThat(rebuilt.source()).isEqualTo(Source.REBUILT);
        assertThat(rebuilt.problems()).noneMatch(p -> p.file().toString().endsWith(".blk"));
        assertThat(rebuilt.state()).usingRecursiveComparison()
                .withEqualsForType(DeletedSequences::equals, DeletedSequences.class).isEqualTo(plain);
        assertThat(rebuilt.recordsVerified()).isEqualTo(500);
    }

    @Test
    void aCompressedBlockThatDoesNotDecodeIsDamageAtItsOffsetAndTheRestComesBack() throws Exception {
        Path dir = writeStream(Files.createTempDirectory(tmp, "t"), 100);
        compressSealedBlocks(dir);
        Path blk = dir.resolve("msgs/1.blk");
        int inBlock1 = (int) (1024 / Records.messageLength(3, 0, 10)); // the records that fit in a 1 KiB block
        byte[] b = Files.readAllBytes(blk);
        int chunkAt = BlockCompression.inspect(b, b.length, 1 << 20).orElseThrow().headerLength() + 10; // after the identifier
        b[chunkAt + 4] ^= 0x40; // the data chunk's CRC
        Files.write(blk, b);
        Files.write(dir.resolve("msgs/index.db"), new byte[0]);

        StreamStore s = open(dir, config(""));

        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.DAMAGE);
            assertThat(p.file()).isEqualTo(blk);
            assertThat(p.offset()).isEqualTo(chunkAt);
            assertThat(p.message()).contains("does not decode").contains("checksum mismatch");
        });
        // As nats-server 2.10 reaches it: the block counts as empty, the others are intact.
        assertThat(s.state().lastSeq()).isEqualTo(100);
        assertThat(s.state().firstSeq()).isEqualTo(inBlock1 + 1);
        assertThat(s.state().messages()).isEqualTo(100 - inBlock1);
        assertThat(Files.readAllBytes(blk)).as("never rewritten").isEqualTo(b);
    }

    @Test
    void aBadRecordInsideACompressedBlockIsDamageAtItsOffsetInThePlaintext() throws Exception {
        Path dir = writeStream(Files.createTempDirectory(tmp, "t"), 100);
        Path blk = dir.resolve("msgs/1.blk");
        byte[] plain = Files.readAllBytes(blk);
        int rl = Records.messageLength(3, 0, 10);
        plain[3 * rl + 30] ^= 0x01; // a payload byte of the 4th record: its checksum fails
        Files.write(blk, plain);
        compressSealedBlocks(dir);
        Files.write(dir.resolve("msgs/index.db"), new byte[0]);
        StreamStore s = open(dir, config(""));
        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.DAMAGE);
            assertThat(p.file()).isEqualTo(blk);
            assertThat(p.offset()).isEqualTo(3L * rl);
            assertThat(p.message()).contains("decompressed block");
        });
        assertThat(Files.readAllBytes(blk)).as("never rewritten").startsWith('c', 'm', 'p', 1);
    }
}
