package io.jetstart.bench.jmh;

import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.IndexDb;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.write.GeneratorSpec;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fast path's decoder on upbench's shape: one stream of 100,000 empty messages over 10,000
 * subjects, so {@code index.db} holds 10,000 subject entries (checksum, varints, subject
 * validation and strings). µs per decode.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IndexDbDecodeBench {
    private byte[] indexDb;

    @Setup(Level.Trial)
    public void setUp() throws IOException, FormatException {
        try (TempStore store = TempStore.generate(GeneratorSpec.of(1, 100_000, 0).withSubjects(10_000))) {
            indexDb = store.read("index.db");
        }
        int subjects = IndexDbCodec.decode("S1", indexDb).subjects().size();
        if (subjects != 10_000) {
            throw new IllegalStateException("index.db holds " + subjects + " subjects, expected 10,000");
        }
    }

    @Benchmark
    public IndexDb decode() throws FormatException {
        return IndexDbCodec.decode("S1", indexDb);
    }
}
