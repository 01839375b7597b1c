package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jetstart bench consume} end to end on a tiny stream without a server (the runtime side
 * fetches and acks every message, or the run fails), and the verdict's arithmetic. No time is
 * asserted.
 */
class ConsumeBenchTest {
    private static ConsumeBench.Result result(List<Long> runtime, List<Long> server) {
        var s = new ConsumeBench.Settings(1_000, 16, 100, runtime.size(), Path.of("/tmp"), Optional.empty(), "test");
        return new ConsumeBench.Result(s, Machine.current(), "runtime", runtime, "server", server, List.of(1.0, 2.0, 3.0), List.of());
    }

    @Test
    void aTinyRuntimeOnlyRunAcksEveryMessageAndGivesNoVerdict(@TempDir Path work) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // A batch that divides the count: a run's last, short fetch would wait out its 5 s expiry
        // for a batch that cannot fill (15 s of this module's 31 s with --batch 64).
        int status = ConsumeBenchMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                "--no-server", "--messages", "3000", "--size", "10", "--batch", "60", "--runs", "2", "--work", work.toString());
        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(1);
        assertThat(table).contains("3,000 messages x 10 B payload", "fetch batch 60", "| 1 | ", "| 2 | ", "**median**",
                "no verdict, the server side did not run");
        assertThat(Files.list(work).toList()).as("the stores are removed").isEmpty();
    }

    @Test
    void theBenchIsReachedThroughBenchMain(@TempDir Path work) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = BenchMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()),
                "consume", "--help");
        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("jetstart bench consume", "--messages", "--batch");
    }

    @Test
    void theVerdictIsTheRatioOfTheMedianRunsAgainstFiveTimes() {
        // Runtime medians 100 ns, server medians 600 ns: 6x.
        ConsumeBench.Result pass = result(List.of(90L, 100L, 300L), List.of(600L, 500L, 900L));
        assertThat(ConsumeTable.ratio(pass)).isEqualTo(6.0);
        assertThat(ConsumeTable.verdict(pass)).endsWith("6.0x: PASS");
        ConsumeBench.Result miss = result(List.of(100L, 100L, 100L), List.of(400L, 450L, 300L));
        assertThat(ConsumeTable.verdict(miss)).endsWith("4.0x: MISS");
        assertThat(ConsumeTable.render(miss)).contains("| 1 | ", "4.0x", "**4.0x**", "| 1.00 |");
    }

    @Test
    void wrongOptionsAreRefusedWithStatus64() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ConsumeBenchMain.run(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8),
                "--batch", "0", "--no-server");
        assertThat(status).isEqualTo(64);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--batch");
    }
}
