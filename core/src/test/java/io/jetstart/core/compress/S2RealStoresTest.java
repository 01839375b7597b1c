package io.jetstart.core.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The blocks real nats-server 2.10.27 and 2.15.1 compressed (testdata/fixtures/*-s2): every one
 * decodes to exactly the size its envelope declares, every record in it verifies, and our encoder
 * writes blocks that decode back to the same plaintext. Also the 2.10 secure-erase damage, shown
 * to be what it is.
 */
class S2RealStoresTest {
    private static final int MAX = 64 << 20;

    private static List<Path> blocks(String fixture) throws Exception {
        try (Stream<Path> files = Files.walk(Fixtures.root().resolve(fixture).resolve("store"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".blk")).sorted().toList();
        }
    }

    private static long index(Path block) {
        return Long.parseLong(block.getFileName().toString().replace(".blk", ""));
    }

    private static String stream(Path block) {
        return block.getParent().getParent().getFileName().toString();
    }

    @Test
    void everyBlockTheServersCompressedDecodesAndEveryRecordInItVerifies() throws Exception {
        for (String fixture : Fixtures.S2) {
            int compressed = 0;
            for (Path blk : blocks(fixture)) {
                if (Fixtures.brokenBy210Erase(blk)) {
                    continue;
                }
                byte[] raw = Files.readAllBytes(blk);
                var c = BlockCompression.inspect(raw, raw.length, MAX);
                if (c.isEmpty()) {
                    continue; // the write block, never sealed
                }
                compressed++;
                byte[] plain = BlockCompression.plaintext(raw, raw.length, MAX);
                assertThat((long) plain.length).as("%s: the server declares the exact size", blk).isEqualTo(c.get().declaredSize());
                assertThat(Arrays.copyOfRange(plain, plain.length - 8, plain.length)).as("%s tail", blk)
                        .isEqualTo(Arrays.copyOfRange(raw, raw.length - 8, raw.length));
                BlockScan scan = new BlockScanner(stream(blk)).scan(index(blk), plain, plain.length);
                assertThat(scan.problem()).as("%s", blk).isNull();
                assertThat(scan.recordsVerified()).as("%s", blk).isPositive();
                assertThat(scan.validLength()).as("%s", blk).isEqualTo(plain.length);
            }
            assertThat(compressed).as("%s: sealed, compressed blocks", fixture).isGreaterThanOrEqualTo(7);
        }
    }

    @Test
    void ourEncoderRoundTripsEveryRealBlock() throws Exception {
        for (String fixture : Fixtures.S2) {
            for (Path blk : blocks(fixture)) {
                if (Fixtures.brokenBy210Erase(blk)) {
                    continue;
                }
                byte[] raw = Files.readAllBytes(blk);
                byte[] plain = BlockCompression.plaintext(raw, raw.length, MAX);
                byte[] ours = BlockCompression.compress(plain, 0, plain.length);
                assertThat(ours.length).as("%s compresses", blk).isLessThan(plain.length);
                assertThat(BlockCompression.plaintext(ours, ours.length, MAX)).as("%s", blk).isEqualTo(plain);
            }
        }
    }

    /**
     * MANY's block 2 lost 9 of every 10 messages: the server compacted it (sync_interval) and
     * compressed the result again; its records are only the survivors (every 10th sequence).
     */
    @Test
    void aBlockTheServerCompactedAfterDeletesIsCompressedAgainAndHoldsOnlyTheSurvivors() throws Exception {
        for (String fixture : Fixtures.S2) {
            Path blk = Fixtures.streamDir(Fixtures.root().resolve(fixture), "MANY").resolve("msgs").resolve("2.blk");
            byte[] raw = Files.readAllBytes(blk);
            assertThat(BlockCompression.inspect(raw, raw.length, MAX)).as("%s compressed", blk).isPresent();
            byte[] plain = BlockCompression.plaintext(raw, raw.length, MAX);
            assertThat(plain.length).as("%s compacted", blk).isLessThan(333 * 96 / 2);
            BlockScan scan = new BlockScanner("MANY").scan(2, plain, plain.length);
            assertThat(scan.problem()).as("%s", blk).isNull();
            assertThat(scan.msgs()).as("%s survivors", blk).isEqualTo(33); // 340, 350, ..., 660
        }
    }

    /**
     * 2.10.27's {@code eraseMsg} writes the erased record (random payload, seq with the erase bit)
     * at its PLAINTEXT offset into the block file with {@code WriteAt}, even when the file holds the
     * compressed block; 2.11+ rewrite the whole block instead. ERASE's records are all 137 bytes
     * (22 + "erase.N" + 100 + 8), block 1 holds 1..233 and block 2 234..466, and seqs 50, 150, 250,
     * 350 and 450 were erased: each erased header sits in the compressed file at its plaintext
     * offset, and the S2 stream no longer decodes.
     */
    @Test
    void the210SecureEraseWritesPlaintextRecordsIntoCompressedBlocks() throws Exception {
        Path msgs = Fixtures.streamDir(Fixtures.root().resolve("nats-2.10.27-s2"), "ERASE").resolve("msgs");
        long[][] erased = {{1, 1, 50, 150}, {2, 234, 250, 350, 450}};
        for (long[] e : erased) {
            Path blk = msgs.resolve(e[0] + ".blk");
            assertThat(Fixtures.brokenBy210Erase(blk)).isTrue();
            byte[] raw = Files.readAllBytes(blk);
            assertThat(new String(raw, 0, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("cmp");
            for (int i = 2; i < e.length; i++) {
                int at = (int) ((e[i] - e[1]) * 137);
                assertThat(le(raw, at, 4)).as("%s rl at %d", blk, at).isEqualTo(137);
                assertThat(le(raw, at + 4, 8)).as("%s seq|ebit at %d", blk, at).isEqualTo(e[i] | Long.MIN_VALUE);
            }
            assertThatThrownBy(() -> BlockCompression.plaintext(raw, raw.length, MAX)).isInstanceOf(FormatException.class);
        }
        // The same stream written by 2.15.1 decodes whole.
        Path ok = Fixtures.streamDir(Fixtures.root().resolve("nats-2.15.1-s2"), "ERASE").resolve("msgs").resolve("1.blk");
        byte[] raw = Files.readAllBytes(ok);
        assertThat(BlockCompression.plaintext(raw, raw.length, MAX)).hasSize(233 * 137);
    }

    private static long le(byte[] b, int at, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) (b[at + i] & 0xff) << (8 * i);
        }
        return v;
    }
}
