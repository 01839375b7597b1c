package io.jetstart.bench.jmh;

import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.write.GeneratorSpec;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
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
 * The rebuild's inner loop over one full 8 MiB block ({@code 1.blk} of a generated stream,
 * written by the same encoder nats-server's format is tested against): every record's sanity
 * checks, HighwayHash-64 checksum and per-subject count, with the scalar and with the vector
 * checksum ({@code -Djetstart.hash}; the fork runs with {@code jdk.incubator.vector}). Reports
 * scans/s plus records/s and bytes/s (the {@code records} and {@code bytes} counters).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class BlockScannerBench {
    /** Payload bytes per message: 100 is seed8's shape, 0 upbench's. */
    @Param({"100", "0"})
    public int payload;

    @Param({"scalar", "vector"})
    public String hash;

    private byte[] block;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        // Read once per JVM by RecordHashes; each parameter set runs in its own fork.
        System.setProperty("jetstart.hash", hash);
        // Enough messages that 1.blk is full (8 MiB) and a second block is started.
        long messages = (9L << 20) / (30 + 8 + payload);
        try (TempStore store = TempStore.generate(GeneratorSpec.of(1, messages, payload).withSubjects(payload == 0 ? 10_000 : 1))) {
            block = store.read("1.blk");
        }
        if (block.length < (7 << 20)) {
            throw new IllegalStateException("1.blk is only " + block.length + " bytes; expected a full 8 MiB block");
        }
    }

    /** Per-iteration totals; JMH divides them by time. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counts {
        public long records;
        public long bytes;

        @TearDown(Level.Iteration)
        public void noop() {
            // JMH resets the counters itself; the method keeps the state class well-formed for it.
        }
    }

    @Benchmark
    public BlockScan scan(Counts counts) {
        BlockScan scan = new BlockScanner("S1").scan(1, block, block.length);
        counts.records += scan.recordsVerified();
        counts.bytes += block.length;
        return scan;
    }
}
