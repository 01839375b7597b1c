package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a first run prints: --quiet is quiet, durations are rounded as nats-server rounds them, and
 * the demo explains its own warnings once and in nats-server's order.
 */
class NewcomerOutputTest {
    /** jetstart's own summary durations: whole milliseconds, or seconds with at most 3 decimals. */
    static final Pattern ROUNDED = Pattern.compile(" in (\\d+ms|\\d+(\\.\\d{1,3})?s|\\d+m\\d+(\\.\\d{1,3})?s)[ ,(\\n]");

    /** Runs {@code body} with System.err captured: slf4j-simple logs there, not to the command's writer. */
    static <T> T capturingStderr(ByteArrayOutputStream into, Supplier<T> body) {
        PrintStream saved = System.err;
        System.setErr(new PrintStream(into, true, StandardCharsets.UTF_8));
        try {
            return body.get();
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void quietRecoverWithoutPreviewPrintsNothingOnStderr(@TempDir Path tmp) {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        ByteArrayOutputStream logged = new ByteArrayOutputStream();

        TestStores.Run run = capturingStderr(logged, () -> TestStores.cli("recover", store.toString(), "--quiet", "--no-preview"));

        assertThat(run.exit()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(logged.toString(StandardCharsets.UTF_8)).as("no [INFO] line about the fallback runner").isEmpty();
        assertThat(run.out()).contains("fallback runner");
    }

    @Test
    void theSummaryLineAndGenerateRoundTheirDurationsToTheMillisecond(@TempDir Path tmp) {
        TestStores.Run generate = TestStores.cli("generate", tmp.resolve("s").toString(), "--streams", "2", "--messages", "3000",
                "--payload", "10");
        TestStores.Run recover = TestStores.cli("recover", tmp.resolve("s").toString(), "--quiet");

        assertThat(generate.exit()).isZero();
        assertThat(recover.exit()).isZero();
        assertThat(ROUNDED.matcher(generate.out()).find()).as(generate.out()).isTrue();
        String summary = recover.out().lines().filter(l -> l.startsWith("2 streams")).findFirst().orElseThrow();
        assertThat(ROUNDED.matcher(summary + "\n").find()).as(summary).isTrue();
    }

    @Test
    void publishAndConsumeRoundTheirDurationsToTheMillisecond(@TempDir Path tmp) throws Exception {
        Path store = java.nio.file.Files.createDirectories(tmp.resolve("s"));
        TestStores.Run publish = TestStores.cli("publish", store.toString(), "S", "--create", "s.*", "--count", "50");
        TestStores.Run consume = TestStores.cli("consume", store.toString(), "S", "C", "--create", ">", "--count", "50");

        assertThat(publish.exit()).as(publish.err()).isZero();
        assertThat(consume.exit()).as(consume.err()).isZero();
        // "in 162.536405ms" read as a measurement to the nanosecond of a run that also started a JVM.
        String published = publish.out().lines().filter(l -> l.startsWith("Published")).findFirst().orElseThrow();
        assertThat(ROUNDED.matcher(published).find()).as(published).isTrue();
        String consumed = consume.out().lines().filter(l -> l.startsWith("Consumed")).findFirst().orElseThrow();
        assertThat(ROUNDED.matcher(consumed + "\n").find()).as(consumed).isTrue();
    }

    @Test
    void theDemoExplainsItsTruncationOnceAndLogsEachWarningBeforeItsStreamsRestoredLine() {
        ByteArrayOutputStream logged = new ByteArrayOutputStream();

        TestStores.Run run = capturingStderr(logged, () -> TestStores.cli("demo", "--streams", "3", "--messages", "500",
                "--payload", "8"));

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out().split("on purpose", -1)).as("said once: %s", run.out()).hasSize(2);
        assertThat(run.out()).contains("Stream state too short (0 bytes)").contains(ReportTable.TIME_NOTE);
        List<String> log = logged.toString(StandardCharsets.UTF_8).lines().toList();
        for (String stream : List.of("S1", "S2", "S3")) {
            int started = indexOf(log, "Starting restore for stream '$G > " + stream + "'");
            int warned = indexOf(log, "Filestore [" + stream + "]");
            int restored = indexOf(log, "for stream '$G > " + stream + "' in ");
            assertThat(warned).as("%s: warning after start, before Restored:\n%s", stream, String.join("\n", log))
                    .isGreaterThan(started).isLessThan(restored);
            assertThat(log.stream().filter(l -> l.contains("Filestore [" + stream + "]"))).as("once per stream").hasSize(1);
        }
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        throw new AssertionError("no line with " + part + " in:\n" + String.join("\n", lines));
    }
}
