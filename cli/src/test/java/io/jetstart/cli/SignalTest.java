package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real signal to a real {@code jetstart} JVM (the test's own class path): Ctrl-C mid-recovery
 * still prints the report and writes the metrics file, with exit status 3; SIGTERM ends
 * {@code --linger} with the recovery's own status.
 */
class SignalTest {
    /** Ample for a child that is working as it should; a hung child fails the test instead of the build. */
    static final long CHILD_TIMEOUT_SECONDS = 60;

    /**
     * Starts {@code Main} in a child JVM. Its stdout goes to {@code stdout}; each stderr line is
     * queued (and kept) so the test can wait for one.
     */
    record Child(Process process, BlockingQueue<String> errLines, List<String> errSeen) {
        static Child start(Path stdout, List<String> jvmOptions, String... args) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElseThrow());
            cmd.add("--enable-preview");
            cmd.addAll(jvmOptions);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(Main.class.getName());
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread.ofPlatform().daemon().name("child-stderr").start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        seen.add(line);
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the child is gone
                }
            });
            return new Child(p, lines, seen);
        }

        /** Waits for a stderr line that matches; fails with everything seen when the child ends first. */
        String await(Predicate<String> wanted) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHILD_TIMEOUT_SECONDS);
            while (System.nanoTime() < deadline) {
                String line = errLines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && wanted.test(line)) {
                    return line;
                }
                if (line == null && !process.isAlive() && errLines.isEmpty()) {
                    break;
                }
            }
            throw new AssertionError("child never printed the awaited line; stderr:\n" + String.join("\n", errSeen));
        }

        int exit() throws InterruptedException {
            if (!process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("child still running; stderr:\n" + String.join("\n", errSeen));
            }
            return process.exitValue();
        }

        /**
         * Skips the test when Ctrl-C cannot reach the child ({@link #ignoresSigint}), once the child
         * has ended: left running, it went on writing into the test's temp folder while JUnit
         * deleted it, and the skip became an error ("Failed to close extension context"). Ended
         * with SIGTERM, which takes the CLI's Ctrl-C way out (its shutdown hook), so that a demo
         * removes its temp folder as it does on Ctrl-C; a kill left it in /tmp.
         */
        void assumeSigintReachesIt() throws IOException, InterruptedException {
            if (ignoresSigint()) {
                process.destroy();
                if (!process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                }
                Assumptions.abort("this test runs with SIGINT ignored (started in the background without job control), "
                        + "so Ctrl-C cannot reach a JVM");
            }
        }

        /**
         * True when the child ignores SIGINT: a JVM started with SIGINT ignored (a background job
         * of a shell without job control, nohup) keeps ignoring it and installs no handler.
         */
        boolean ignoresSigint() throws IOException {
            Path status = Path.of("/proc", Long.toString(process.pid()), "status");
            if (!Files.exists(status)) {
                return false;
            }
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << (2 - 1))) != 0;
                }
            }
            return false;
        }
    }

    static void kill(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -%s %d", signal, pid).isZero();
    }

    @Test
    void ctrlCDuringRecoveryPrintsTheReportWithCancelledStreamsWritesTheMetricsAndExitsThree(@TempDir Path tmp) throws Exception {
        // Big enough, and small blocks, so that an interpreted JVM (-Xint) is still rebuilding
        // seconds after its first stream started, and stops within one small block once told.
        Path store = tmp.resolve("store");
        StoreGenerator.generate(store, GeneratorSpec.of(2, 60_000, 100).withBlockSize(64 * 1024), (d, w) -> { });
        DemoCommand.truncateIndexes(store);
        Path stdout = tmp.resolve("report.json");
        Path metrics = tmp.resolve("jetstart.prom");
        Child child = Child.start(stdout, List.of("-Xint"), "recover", store.toString(), "--json", "--sequential",
                "--metrics-out", metrics.toString());

        child.await(line -> line.contains("Starting restore for stream"));
        child.assumeSigintReachesIt();
        kill("INT", child.process().pid());
        int exit = child.exit();

        assertThat(exit).as("stderr:\n%s", String.join("\n", child.errSeen())).isEqualTo(Main.CANCELLED);
        JsonNode report = ReportJson.MAPPER.readTree(Files.readString(stdout));
        assertThat(report.get("summary").get("cancelled").asInt()).as("%s", report.get("summary")).isPositive();
        List<String> outcomes = new ArrayList<>();
        report.get("streams").forEach(s -> outcomes.add(s.get("outcome").asText()));
        assertThat(outcomes).hasSize(2).contains("cancelled");
        String text = Files.readString(metrics);
        assertThat(MetricsOptionsTest.sample(text, "jetstart_recovery_streams_total{outcome=\"cancelled\"}"))
                .isEqualTo(report.get("summary").get("cancelled").asDouble());
    }

    @Test
    void ctrlCDuringVerifyPrintsTheReportWithCancelledStreamsAndExitsThree(@TempDir Path tmp) throws Exception {
        // As above: an interpreted JVM is still checking record checksums seconds after it began.
        Path store = tmp.resolve("store");
        StoreGenerator.generate(store, GeneratorSpec.of(2, 60_000, 100).withBlockSize(64 * 1024), (d, w) -> { });
        Path stdout = tmp.resolve("verify.json");
        // verify logs nothing; the JVM's class-loading log says when the first block is scanned.
        Child child = Child.start(stdout, List.of("-Xint", "-Xlog:class+load=info:stderr"), "verify", store.toString(), "--json");

        child.await(line -> line.contains("io.jetstart.core.format.BlockScanner "));
        child.assumeSigintReachesIt();
        kill("INT", child.process().pid());
        int exit = child.exit();

        assertThat(exit).as("stderr:\n%s", String.join("\n", child.errSeen())).isEqualTo(Main.CANCELLED);
        JsonNode report = ReportJson.MAPPER.readTree(Files.readString(stdout));
        List<String> outcomes = new ArrayList<>();
        report.get("streams").forEach(s -> outcomes.add(s.get("outcome").asText()));
        assertThat(outcomes).hasSize(2).contains("cancelled");
        assertThat(report.get("verify").get("clean").asBoolean()).isFalse();
    }

    @Test
    void ctrlCDuringPublishPrintsWhatWasPublishedClosesTheStoreCleanlyAndExitsThree(@TempDir Path tmp) throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        assertThat(TestStores.cli("publish", store.toString(), "S", "--create", "s.*", "--count", "1").exit()).isZero();
        Path stdout = tmp.resolve("publish.json");
        Child child = Child.start(stdout, List.of(), "publish", store.toString(), "S", "--count", "1000000000", "--json");

        child.await(line -> line.startsWith("publish: ")); // the progress line, once a second
        child.assumeSigintReachesIt();
        kill("INT", child.process().pid());
        int exit = child.exit();

        assertThat(exit).as("stderr:\n%s", String.join("\n", child.errSeen())).isEqualTo(Main.CANCELLED);
        JsonNode summary = ReportJson.MAPPER.readTree(Files.readString(stdout));
        long published = summary.get("published").asLong();
        assertThat(published).isPositive().isLessThan(1_000_000_000L);
        // Closed cleanly: index.db holds every published message, so the stream opens from it.
        TestStores.Run inspect = TestStores.cli("inspect", store.toString(), "--json");
        JsonNode stream = inspect.json().get("streams").get(0);
        assertThat(stream.get("source").asText()).as("%s", stream.get("problems")).isEqualTo("index");
        assertThat(stream.get("problems")).isEmpty();
        assertThat(stream.get("state").get("messages").asLong()).isEqualTo(1 + published);
        assertThat(stream.get("state").get("last_seq").asLong()).isEqualTo(summary.get("last_seq").asLong());
    }

    @Test
    void ctrlCDuringConsumePrintsTheSummaryKeepsEveryPrintedAckAndExitsThree(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("store");
        StoreGenerator.generate(store, GeneratorSpec.of(1, 300_000, 16), (d, w) -> { });
        Path stdout = tmp.resolve("consumed.txt");
        // Interpreted, so that it is still printing messages when the signal comes.
        Child child = Child.start(stdout, List.of("-Xint"), "consume", store.toString(), "S1", "C", "--create", ">", "--ack");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHILD_TIMEOUT_SECONDS);
        while (Files.size(stdout) == 0 && child.process().isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        child.assumeSigintReachesIt();
        kill("INT", child.process().pid());
        int exit = child.exit();

        assertThat(exit).as("stderr:\n%s", String.join("\n", child.errSeen())).isEqualTo(Main.CANCELLED);
        List<String> lines = Files.readAllLines(stdout);
        String summary = lines.getLast();
        assertThat(summary).startsWith("Consumed ").endsWith(", acknowledged");
        long printed = lines.stream().filter(l -> l.startsWith("[")).count();
        assertThat(printed).isPositive().isLessThan(300_000);
        // Closed cleanly: the consumer's o.dat holds every printed message as delivered and acknowledged.
        JsonNode consumer = TestStores.cli("inspect", store.toString(), "--json").json().get("streams").get(0).get("consumers").get(0);
        assertThat(consumer.get("delivered").get("stream_seq").asLong()).as("%s", consumer).isEqualTo(printed);
        assertThat(consumer.get("ack_floor").get("stream_seq").asLong()).as("%s", consumer).isEqualTo(printed);
    }

    @Test
    void ctrlCWhileTheDemoGeneratesItsStoreDeletesTheTempFolderAndExitsThree(@TempDir Path tmp) throws Exception {
        Path stdout = tmp.resolve("demo.txt");
        // Interpreted and many streams, so that it is still generating when the signal comes.
        Child child = Child.start(stdout, List.of("-Xint"), "demo", "--streams", "1000", "--messages", "20000", "--quiet");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHILD_TIMEOUT_SECONDS);
        Path demoDir = null;
        while (demoDir == null && System.nanoTime() < deadline) {
            String first = Files.readString(stdout);
            if (first.contains("\n")) {
                demoDir = Path.of(first.substring(first.indexOf(" in ") + 4, first.indexOf('\n')));
            } else {
                Thread.sleep(20);
            }
        }
        assertThat(demoDir).as("the demo's first line").isNotNull();
        child.assumeSigintReachesIt();
        kill("INT", child.process().pid());
        int exit = child.exit();

        assertThat(exit).as("stderr:\n%s", String.join("\n", child.errSeen())).isEqualTo(Main.CANCELLED);
        assertThat(demoDir).as("the demo's temp folder").doesNotExist();
    }

    @Test
    void ctrlCDuringGenerateFinishesTheStreamsBegunSaysWhatIsLeftAndExitsThree(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("store");
        Child child = Child.start(tmp.resolve("out.txt"), List.of("-Xint"), "generate", store.toString(), "--streams", "400",
                "--messages", "20000", "--payload", "8");

        child.await(line -> line.startsWith("generate: ")); // the progress line, every 2 s
        child.assumeSigintReachesIt();
        kill("INT", child.process().pid());
        int exit = child.exit();

        assertThat(exit).as("stderr:\n%s", String.join("\n", child.errSeen())).isEqualTo(Main.CANCELLED);
        String said = child.errSeen().stream().filter(l -> l.startsWith("jetstart: stopped by a signal after ")).findFirst().orElseThrow();
        int written = Integer.parseInt(said.replaceFirst("jetstart: stopped by a signal after (\\d+) of 400 streams: .*", "$1"));
        assertThat(written).isPositive().isLessThan(400);
        TestStores.Run inspect = TestStores.cli("inspect", store.toString(), "--json");
        assertThat(inspect.exit()).as("every stream written is whole: %s", inspect.err()).isZero();
        assertThat(inspect.json().get("streams")).hasSize(written);
    }

    /**
     * SIGTERM (Ctrl-C takes the same way out) while repair works through 300 damaged streams: it
     * finishes the change in hand, says how many are done and how to go on or back, exits 3; a second
     * repair does the rest, and undoing both quarantines, newest first, gives back every byte. Before,
     * the JVM exited 143 in the middle of a change and said nothing, not even the quarantine's name.
     */
    @Test
    void aSignalDuringRepairEndsTheChangeInHandSaysWhatIsLeftAndExitsThree(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("store");
        StoreGenerator.generate(store, GeneratorSpec.of(300, 50, 20), (d, w) -> { });
        try (var streams = Files.list(store.resolve("jetstream/$G/streams"))) {
            for (Path s : streams.toList()) {
                Path block = s.resolve("msgs/1.blk");
                try (var ch = java.nio.channels.FileChannel.open(block, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.truncate(ch.size() - 20); // a torn last record: a cut and a tombstone each
                }
            }
        }
        java.util.Map<String, String> damaged = TestStores.digests(store);
        // repair logs nothing while it works; the JVM's class-loading log says when the first entry is kept.
        Child child = Child.start(tmp.resolve("out.txt"), List.of("-Xint", "-Xlog:class+load=info:stderr"), "repair", store.toString());

        child.await(line -> line.contains("io.jetstart.recovery.repair.QuarantineEntry "));
        kill("TERM", child.process().pid());
        int exit = child.exit();

        assertThat(exit).as("stderr:\n%s", String.join("\n", child.errSeen())).isEqualTo(Main.CANCELLED);
        String said = child.errSeen().stream().filter(l -> l.startsWith("jetstart: repair stopped by a signal after ")).findFirst()
                .orElseThrow(() -> new AssertionError(String.join("\n", child.errSeen())));
        int done = Integer.parseInt(said.replaceFirst("jetstart: repair stopped by a signal after (\\d+) of 600 changes.*", "$1"));
        assertThat(done).isLessThan(600);
        String first = Files.readString(tmp.resolve("out.txt")).lines().filter(l -> l.startsWith("quarantine: ")).findFirst()
                .orElseThrow().substring("quarantine: ".length()).split(" \\(")[0];
        assertThat(child.errSeen()).contains("jetstart: `jetstart repair " + store + "` run again does the rest; `jetstart repair "
                + "--undo " + first + "` puts back what was done");

        TestStores.Run rest = TestStores.cli("repair", store.toString());
        assertThat(rest.exit()).as(rest.out() + rest.err()).isZero();
        assertThat(TestStores.cli("verify", store.toString(), "--quick").exit()).isZero();
        String second = rest.out().lines().filter(l -> l.startsWith("quarantine: ")).findFirst().orElseThrow()
                .substring("quarantine: ".length()).split(" \\(")[0];
        assertThat(TestStores.cli("repair", "--undo", second).exit()).isZero();
        assertThat(TestStores.cli("repair", "--undo", first).exit()).isZero();
        assertThat(TestStores.digests(store)).as("every byte back").isEqualTo(damaged);
    }

    /**
     * SIGTERM (Ctrl-C takes the same way out) while export writes the tar: exit 3, said on stderr, and
     * no stream.tar.s2.tmp left in OUT_DIR. Before, the JVM exited 143 and left the cut file there.
     */
    @Test
    void aSignalDuringExportLeavesNoCutFileAndExitsThree(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("store");
        StoreGenerator.generate(store, GeneratorSpec.of(1, 200_000, 100), (d, w) -> { });
        Path out = tmp.resolve("backup");
        // export logs nothing while it writes: its cut file says that the tar has begun, and so that
        // the signal's hook is installed. The class-loading line of TarWriter, awaited before, can
        // come before the hook (the verifier loads it), and a signal then ended the JVM at once (143).
        Child child = Child.start(tmp.resolve("out.txt"), List.of("-Xint"), "export", store.toString(), "S1", out.toString());

        Path cut = out.resolve(io.jetstart.core.backup.BackupLayout.DATA + ".tmp");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHILD_TIMEOUT_SECONDS);
        while (!Files.exists(cut) && child.process().isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(cut).as("the export's cut file, stderr:\n%s", String.join("\n", child.errSeen())).exists();
        kill("TERM", child.process().pid());
        int exit = child.exit();

        assertThat(exit).as("stderr:\n%s", String.join("\n", child.errSeen())).isEqualTo(Main.CANCELLED);
        assertThat(child.errSeen()).anySatisfy(l -> assertThat(l).startsWith("jetstart: export $G > S1 stopped by a signal; "));
        try (var left = Files.list(out)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("nothing cut in OUT_DIR").isEmpty();
        }
    }

    @Test
    void lingerServesReadyAndTheFinalCountersAfterTheRecoveryUntilSigterm(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        Path stdout = tmp.resolve("table.txt");
        Child child = Child.start(stdout, List.of(), "recover", store.toString(), "--quiet", "--metrics-port", "0", "--linger", "10m");

        String lingering = child.await(line -> line.contains("recovery done; serving"));
        String port = lingering.replaceFirst(".*http://127\\.0\\.0\\.1:(\\d+)/.*", "$1");
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        // The report is out before the linger starts: a user is not kept waiting for it.
        String table = Files.readString(stdout);
        child.process().destroy(); // SIGTERM
        int exit = child.exit();

        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        JsonNode body = ReportJson.MAPPER.readTree(ready.body());
        assertThat(body.get("status").asText()).isEqualTo("READY");
        assertThat(body.get("messages").asLong()).isEqualTo(685 + 990 + 800);
        assertThat(MetricsOptionsTest.sample(scrape.body(), "jetstart_recovery_streams_total{outcome=\"recovered\"}")).isEqualTo(3);
        assertThat(table).contains("3 streams (3 recovered");
        assertThat(exit).as("SIGTERM ends the linger; the status is the recovery's. stderr:\n%s", String.join("\n", child.errSeen()))
                .isEqualTo(Main.OK);
    }
}
