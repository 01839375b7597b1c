package io.jetstart.bench.jmh;

import io.jetstart.core.hash.HashKeys;
import io.jetstart.core.hash.HighwayHash64;
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
 * HighwayHash-64 of one input, as a rebuild computes it once per record: record-sized inputs
 * (30 bytes is an empty message's hashed part plus a short subject; 100–200 bytes typical
 * messages) and a whole 8 MiB block (the bulk rate). ns per hash; bytes/s = size / time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HighwayHashBench {
    @Param({"30", "64", "100", "136", "200", "8388608"})
    public int size;

    private byte[] input;
    private HighwayHash64 hash;

    @Setup
    public void setUp() {
        input = new byte[size];
        new SplittableRandom(42).nextBytes(input);
        hash = new HighwayHash64(HashKeys.forBlock("BENCH", 1));
    }

    @Benchmark
    public long hash() {
        return hash.hash(input, 0, size);
    }
}
