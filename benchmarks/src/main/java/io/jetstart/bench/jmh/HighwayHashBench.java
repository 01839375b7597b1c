package io.jetstart.bench.jmh;

import io.jetstart.core.hash.HashKeys;
import io.jetstart.core.hash.HighwayHash64;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.hash.RecordHashes;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * HighwayHash-64 of one input in the shape a rebuild computes it once per record (16 bytes of
 * sequence and timestamp, then subject and payload): record-sized inputs (30 bytes is an empty
 * message's hashed part plus a short subject; 100–200 bytes typical messages) and a whole 8 MiB
 * block (the bulk rate), by the scalar {@link HighwayHash64} and by the vector implementation
 * {@link RecordHashes} picks (the fork runs with {@code jdk.incubator.vector}), side by side.
 * ns per hash; bytes/s = size / time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class HighwayHashBench {
    @Param({"30", "64", "100", "136", "200", "8388608"})
    public int size;

    @Param({"scalar", "vector"})
    public String impl;

    private byte[] input;
    private RecordHash hash;

    @Setup
    public void setUp() {
        input = new byte[size];
        new SplittableRandom(42).nextBytes(input);
        byte[] key = HashKeys.forBlock("BENCH", 1);
        if (impl.equals("vector")) {
            if (!RecordHashes.vectorized()) {
                throw new IllegalStateException("no vector record hash in this JVM: " + RecordHashes.implementation());
            }
            hash = RecordHashes.forKey(key);
        } else {
            hash = new HighwayHash64(key);
        }
    }

    @Benchmark
    public long hash() {
        return hash.hashRecord(input, 0, 16, 0, 16, size - 16);
    }
}
