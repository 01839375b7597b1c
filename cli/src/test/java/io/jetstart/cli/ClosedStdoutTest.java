package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jetstart dump ... | head -1}: once the reader of stdout is gone, a command that prints
 * message after message stops and exits 141, as a tool killed by SIGPIPE does, instead of reading
 * (and, for {@code consume --ack}, acknowledging) the rest for no one.
 */
class ClosedStdoutTest {
    private static final int MESSAGES = 200_000;

    /** Runs Main in a child JVM with stdout a pipe; reads one line, closes the pipe, returns the exit status. */
    private static int readOneLineThenClose(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(), "--enable-preview",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(r.readLine()).as("the first line").isNotNull();
        }
        if (!p.waitFor(SignalTest.CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child still running with its stdout closed");
        }
        return p.exitValue();
    }

    @Test
    void dumpStopsWhenNothingReadsItsOutputAndExits141(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("store");
        StoreGenerator.generate(store, GeneratorSpec.of(1, MESSAGES, 16), (d, w) -> { });

        assertThat(readOneLineThenClose("dump", store.toString())).isEqualTo(Main.STDOUT_CLOSED);
        assertThat(readOneLineThenClose("dump", store.toString(), "--json", "--pretty")).isEqualTo(Main.STDOUT_CLOSED);
    }

    @Test
    void consumeStopsAcknowledgingWhenNothingReadsItsOutput(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("store");
        StoreGenerator.generate(store, GeneratorSpec.of(1, MESSAGES, 16), (d, w) -> { });

        int exit = readOneLineThenClose("consume", store.toString(), "S1", "C", "--create", ">", "--ack");

        assertThat(exit).isEqualTo(Main.STDOUT_CLOSED);
        var consumer = TestStores.cli("inspect", store.toString(), "--json").json().get("streams").get(0).get("consumers").get(0);
        assertThat(consumer.get("ack_floor").get("stream_seq").asLong()).as("%s", consumer).isLessThan(MESSAGES);
    }
    @Test
    void aJsonReportStopsWhenNothingReadsItsOutputAndExits141(@TempDir Path tmp) throws Exception {
        // Ten million deleted sequences: a report of ~90 MB, listed one by one (docs/json.md).
        Path store = ManyDeletedReportTest.storeWithGap(tmp);

        assertThat(readOneLineThenClose("recover", store.toString(), "--json", "--pretty")).isEqualTo(Main.STDOUT_CLOSED);
        assertThat(readOneLineThenClose("inspect", store.toString(), "--json", "--pretty")).isEqualTo(Main.STDOUT_CLOSED);
    }
}
