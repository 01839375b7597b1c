package io.jetstart.bench.jmh;

import io.jetstart.core.compress.BlockCompression;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.write.StreamWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * S2 block decoding against the raw read of the same bytes, over one full 8 MiB block of message
 * records, plain and in nats-server's {@code cmp} envelope as our encoder writes it:
 * <ul>
 *   <li>{@code copyPlain}: an array copy of the plaintext (the memory floor);</li>
 *   <li>{@code decode}: {@code inspect} + {@code decode} of the compressed bytes into a reused array;</li>
 *   <li>{@code readPlainFile} / {@code readCompressedFile}: {@code BlockFiles.read} of the plain and
 *   of the compressed file (page cache warm), which is what a rebuild does per block;</li>
 *   <li>{@code encode}: compressing the block, what sealing a block of an s2 stream costs.</li>
 * </ul>
 * The {@code bytes} counter is plaintext bytes, so its rate is comparable across all five.
 * Shapes: {@code json} (JSON bodies over a few subjects, about 3:1) and {@code random} (100 fresh
 * pseudo-random bytes per message: only the record headers compress; mostly literals, the
 * decoder's least favourable case).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class S2DecodeBench {
    @Param({"json", "random"})
    public String shape;

    private Path dir;
    private Path plainFile;
    private Path compressedFile;
    private byte[] plain;
    private byte[] compressed;
    private byte[] out;
    private BlockBuffers buffers;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("jetstart-s2-bench");
        Path streamDir = dir.resolve("S1");
        long ts = 1_767_225_600_000_000_000L;
        long x = 0x2545F4914F6CDD1DL;
        try (StreamWriter w = new StreamWriter(streamDir, "S1", StreamWriter.DEFAULT_BLOCK_SIZE, 3)) {
            // Enough for 1.blk to fill (8 MiB) and a second block to start.
            for (long m = 1; m <= 80_000; m++) {
                byte[] body;
                if (shape.equals("json")) {
                    body = ("{\"order\":" + m + ",\"customer\":\"c-" + (m % 977) + "\",\"items\":[{\"sku\":\"A-" + (m % 31)
                            + "\",\"qty\":" + (m % 7 + 1) + "}],\"status\":\"" + (m % 3 == 0 ? "paid" : "open") + "\"}")
                            .getBytes(StandardCharsets.US_ASCII);
                } else {
                    body = new byte[100];
                    for (int i = 0; i < body.length; i++) {
                        x ^= x << 13;
                        x ^= x >>> 7;
                        x ^= x << 17;
                        body[i] = (byte) x;
                    }
                }
                w.append(("orders." + (m % 8)).getBytes(StandardCharsets.US_ASCII), null, body, ts + m * 1_000);
            }
        }
        plainFile = streamDir.resolve("msgs").resolve("1.blk");
        plain = Files.readAllBytes(plainFile);
        if (plain.length < (7 << 20)) {
            throw new IllegalStateException("1.blk is only " + plain.length + " bytes; expected a full 8 MiB block");
        }
        compressed = BlockCompression.compress(plain, 0, plain.length);
        compressedFile = dir.resolve("compressed.blk");
        Files.write(compressedFile, compressed);
        out = new byte[plain.length];
        buffers = new BlockBuffers(1);
        System.out.printf("%n[s2] %s: plaintext %,d bytes, compressed %,d (%.2f:1)%n", shape, plain.length, compressed.length,
                (double) plain.length / compressed.length);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Per-iteration totals; JMH divides them by time. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counts {
        public long bytes;

        @TearDown(Level.Iteration)
        public void noop() {
            // JMH resets the counters itself; the method keeps the state class well-formed for it.
        }
    }

    @Benchmark
    public byte[] copyPlain(Counts counts) {
        System.arraycopy(plain, 0, out, 0, plain.length);
        counts.bytes += plain.length;
        return out;
    }

    @Benchmark
    public byte[] decode(Counts counts) throws Exception {
        BlockCompression.Compressed c = BlockCompression.inspect(compressed, compressed.length, BlockBuffers.MAX_BLOCK_BYTES)
                .orElseThrow();
        BlockCompression.decode(c, compressed, out);
        counts.bytes += c.plaintextLength();
        return out;
    }

    @Benchmark
    public int readPlainFile(Counts counts) throws Exception {
        return read(plainFile, counts);
    }

    @Benchmark
    public int readCompressedFile(Counts counts) throws Exception {
        return read(compressedFile, counts);
    }

    @Benchmark
    public byte[] encode(Counts counts) {
        counts.bytes += plain.length;
        return BlockCompression.compress(plain, 0, plain.length);
    }

    private int read(Path file, Counts counts) throws Exception {
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        try {
            BlockFiles.BlockRead r = BlockFiles.read(file, buffers, lease, DiskGate.unbounded());
            counts.bytes += r.length();
            return r.length();
        } finally {
            if (lease[0] != null) {
                lease[0].close();
            }
        }
    }
}
