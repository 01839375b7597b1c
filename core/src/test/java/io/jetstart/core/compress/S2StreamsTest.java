package io.jetstart.core.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.testing.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@link S2OutputStream} and {@link S2InputStream}: the framed format over streams, for snapshots. */
class S2StreamsTest {
    private static byte[] writeAll(byte[] data, int piece) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (S2OutputStream out = new S2OutputStream(bo)) {
            for (int p = 0; p < data.length; p += piece) {
                out.write(data, p, Math.min(piece, data.length - p));
            }
        }
        return bo.toByteArray();
    }

    private static byte[] readAll(byte[] stream, int piece) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (InputStream in = new S2InputStream(new ByteArrayInputStream(stream))) {
            byte[] buf = new byte[piece];
            int n;
            while ((n = in.read(buf, 0, piece)) >= 0) {
                bo.write(buf, 0, n);
            }
        }
        return bo.toByteArray();
    }

    @Test
    void whatTheOutputStreamWritesIsWhatTheBufferEncoderWritesAndBothReadersAgree() throws Exception {
        Random rnd = new Random(21);
        for (int size : new int[] {0, 1, 1000, (1 << 20) - 1, 1 << 20, (3 << 20) + 17}) {
            byte[] data = S2CodecTest.shaped("records", size, rnd);
            byte[] viaStream = writeAll(data, 7_777);
            assertThat(viaStream).as("size %d", size).isEqualTo(S2Stream.encode(data, 0, data.length));
            assertThat(readAll(viaStream, 4096)).as("size %d", size).isEqualTo(data);
            assertThat(readAll(viaStream, 1)).as("size %d, byte by byte", size).isEqualTo(data);
        }
    }

    @Test
    void theInputStreamReadsTheBodiesOfTheServersCompressedBlocks() throws Exception {
        int read = 0;
        for (String fixture : Fixtures.S2) {
            try (Stream<Path> files = Files.walk(Fixtures.root().resolve(fixture).resolve("store"))) {
                for (Path blk : files.filter(p -> p.toString().endsWith(".blk")).toList()) {
                    byte[] raw = Files.readAllBytes(blk);
                    if (Fixtures.brokenBy210Erase(blk) || BlockCompression.inspect(raw, raw.length, 64 << 20).isEmpty()) {
                        continue;
                    }
                    var c = BlockCompression.inspect(raw, raw.length, 64 << 20).orElseThrow();
                    byte[] body = Arrays.copyOfRange(raw, c.headerLength(), raw.length - 8);
                    byte[] plain = BlockCompression.plaintext(raw, raw.length, 64 << 20);
                    assertThat(readAll(body, 1000)).as("%s", blk).isEqualTo(Arrays.copyOf(plain, plain.length - 8));
                    read++;
                }
            }
        }
        assertThat(read).isGreaterThanOrEqualTo(14);
    }

    @Test
    void aDamagedStreamIsAnIOExceptionWithTheOffsetNeverAnotherException() throws Exception {
        byte[] data = S2CodecTest.shaped("records", 300_000, new Random(8));
        byte[] good = writeAll(data, 65_536);
        byte[] badCrc = good.clone();
        badCrc[10 + 4] ^= 1;
        assertThatThrownBy(() -> readAll(badCrc, 4096)).isInstanceOf(IOException.class)
                .hasMessageContaining("at offset 10").hasMessageContaining("checksum mismatch");
        byte[] cut = Arrays.copyOf(good, good.length - 3);
        assertThatThrownBy(() -> readAll(cut, 4096)).isInstanceOf(IOException.class)
                .hasMessageContaining("at offset 10").hasMessageContaining("the stream ends after");
        long seed = 77;
        Random rnd = new Random(seed);
        for (int round = 0; round < 300; round++) {
            byte[] b = good.clone();
            b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
            try {
                assertThat(readAll(b, 8192)).as("seed %d round %d", seed, round).isEqualTo(data);
            } catch (IOException expected) {
                assertThat(expected.getMessage()).as("seed %d round %d", seed, round).startsWith("S2 stream at offset ");
            }
        }
    }
}
