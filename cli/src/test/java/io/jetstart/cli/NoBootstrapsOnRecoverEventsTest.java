package io.jetstart.cli;

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
 * A {@code jetstart recover} as a user starts it (its log lines and progress line, the report
 * printed after) bootstraps nothing an AOT cache cannot keep once its recovery's events flow: no
 * pattern switch ({@code $$TypeSwitch}), no record's {@code equals}/{@code hashCode} by
 * {@code ObjectMethods}. (Lambdas the cache keeps, when its training made them.) So the launcher's cache
 * could not spare a fresh CLI their cost: the log and progress listeners' pattern switches and the
 * progress's record key were spun on the events thread during every logged recovery
 * (docs/benchmarks-passes.md, "./jetstart recover's own start"). A fresh JVM (the test's own java, no
 * AOT cache) recovers a small store with consumers, with its {@code index.db} files and without
 * (the rebuild's block events), in the table form and the JSON form; its class-loading log from
 * the event pump's load to the exit must hold none of them.
 */
class NoBootstrapsOnRecoverEventsTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"table", "json", "rebuilt table", "rebuilt json"})
    void aFreshCliRecoverySpinsNoClassOnceItsEventsFlow(String form) throws Exception {
        Path store = dir.resolve("store");
        assertThat(TestStores.cli("generate", store.toString(), "--streams", "3", "--messages", "300", "--payload", "50", "--consumers", "2")
                .exit()).isZero();
        if (form.startsWith("rebuilt")) {
            TestStores.dropIndexes(store);
        }
        Path log = dir.resolve("classes.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-preview", "-Xlog:class+load:file=" + log, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "recover", store.toString()));
        if (form.endsWith("json")) {
            command.add("--json");
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished; output: %s", out).isTrue();
        assertThat(p.exitValue()).as("child JVM's exit; output: %s", out).isZero();
        assertThat(out).as("the recovery logged its lines").contains("Starting restore for stream '$G > ");

        List<String> afterPump = new ArrayList<>();
        boolean pump = false;
        for (String line : Files.readAllLines(log)) {
            pump |= line.contains(" io.jetstart.recovery.EventPump ");
            if (pump) {
                afterPump.add(line);
            }
        }
        assertThat(pump).as("the log shows the event pump loaded").isTrue();
        List<String> spun = new ArrayList<>();
        for (String line : afterPump) {
            // Lambdas are left out: the launcher's cache keeps those its training made.
            boolean patternSwitch = line.contains("$$TypeSwitch");
            boolean recordMethods = line.contains(" java.lang.runtime.ObjectMethods ");
            if (patternSwitch || recordMethods) {
                spun.add(line);
            }
        }
        assertThat(spun).as("classes spun at run time after the event pump's load (%d classes loaded)", afterPump.size())
                .isEmpty();
    }
}
