package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Guards the package note: from {@code JetStart.open} to the first stream served, no jetstart
 * class bootstraps a call site at run time (a lambda or method reference's {@code $$Lambda}
 * class, a pattern switch's {@code $$TypeSwitch}, a string concatenation's
 * {@code $$StringConcat}). A fresh JVM (the test's own java, the options the bench uses but no
 * AOT cache) opens a small store, {@code SMALL} named first or with the defaults, and named first
 * with its own {@code index.db} lost too (its rebuild on the serve path); its class-loading log up
 * to {@link FirstServedOpen.Served} must hold none. Each was ~0.4 ms (a lambda) to ~6 ms
 * (the first pattern switch) of a fresh JVM's first stream served (docs/benchmarks-passes.md,
 * "Per-stream readiness", sixth pass).
 */
class NoBootstrapsOnServePathTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"named", "defaults", "small rebuilt"})
    void aFreshJvmServesItsFirstStreamWithoutSpinningAClass(String plan) throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.createStream("$G", config("{\"name\":\"BIG\",\"subjects\":[\"big.>\"]}"));
            store.createStream("$G", config("{\"name\":\"SMALL\",\"subjects\":[\"small\"]}"));
            JetStartStream big = store.stream("BIG").await(java.time.Duration.ofSeconds(10));
            for (int i = 0; i < 200; i++) {
                big.publish("big." + (i % 7), bytes("m" + i));
            }
            JetStartStream small = store.stream("SMALL").await(java.time.Duration.ofSeconds(10));
            small.publish("small", bytes("1"));
            // Its consumer is restored on its way to being served (the consumers' tasks and outcomes).
            small.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
        }
        // BIG is rebuilt from its blocks, as the bench's big streams are.
        Files.delete(dir.resolve("jetstream/$G/streams/BIG/msgs/index.db"));
        if (plan.equals("small rebuilt")) {
            Files.delete(dir.resolve("jetstream/$G/streams/SMALL/msgs/index.db"));
        }
        Path log = dir.resolve("classes.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-preview", "--add-modules=jdk.incubator.vector",
                "-Xlog:class+load:file=" + log, "-cp", System.getProperty("java.class.path"),
                FirstServedOpen.class.getName(), dir.toString(), plan.equals("defaults") ? "defaults" : "named")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished; output: %s", out).isTrue();
        assertThat(p.exitValue()).as("child JVM's exit; output: %s", out).isZero();

        List<String> beforeServed = new ArrayList<>();
        boolean open = false;
        boolean served = false;
        for (String line : Files.readAllLines(log)) {
            open |= line.contains(" io.jetstart.runtime.JetStart ");
            if (line.contains(" " + FirstServedOpen.Served.class.getName() + " ")) {
                served = true;
                break;
            }
            if (open) {
                beforeServed.add(line);
            }
        }
        Files.delete(log);
        assertThat(open).as("the log shows JetStart loaded").isTrue();
        assertThat(served).as("the log shows SMALL served").isTrue();
        List<String> spun = new ArrayList<>();
        for (String line : beforeServed) {
            boolean ours = line.contains(" io.jetstart.") && (line.contains("$$Lambda") || line.contains("$$TypeSwitch"));
            boolean concat = line.contains("$$StringConcat");
            if (ours || concat) {
                spun.add(line);
            }
        }
        assertThat(spun).as("classes spun at run time between JetStart.open and SMALL served (%d classes loaded)",
                beforeServed.size()).isEmpty();
    }
}
