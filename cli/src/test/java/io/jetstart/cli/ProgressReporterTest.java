package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.recovery.RecoveryEvent;
import io.jetstart.recovery.RecoveryListener;
import io.jetstart.recovery.RecoveryProgress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {
    static final long MIB = 1 << 20;

    static RecoveryProgress started() {
        RecoveryProgress progress = new RecoveryProgress();
        progress.onEvent(new RecoveryEvent.RecoveryStarted(2, 10 * MIB, "fallback", 4, 4));
        progress.onEvent(new RecoveryEvent.StreamStarted("$G", "A", 5 * MIB));
        return progress;
    }

    @Test
    void redirectedOutputGetsPlainLinesWithoutCarriageReturns() throws Exception {
        StringWriter out = new StringWriter();
        try (ProgressReporter r = new ProgressReporter(started(), new PrintWriter(out), false, TimeUnit.MILLISECONDS.toNanos(20))) {
            Thread.sleep(200);
        }

        assertThat(out.toString()).startsWith("jetstart: 0/2 streams  0.0/10.0 MiB 0%").doesNotContain("\r");
        assertThat(out.toString().lines()).allMatch(l -> l.startsWith("jetstart: 0/2 streams"));
    }

    @Test
    void onATerminalLogLinesNeverShareARowWithTheProgressLine() throws Exception {
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out);
        RecoveryProgress progress = started();
        try (ProgressReporter r = new ProgressReporter(progress, w, true, TimeUnit.MILLISECONDS.toNanos(5))) {
            RecoveryListener logs = r.around(e -> {
                w.print("LOG " + e.getClass().getSimpleName() + "\n");
                w.flush();
            });
            for (int i = 0; i < 40; i++) {
                logs.onEvent(new RecoveryEvent.ConsumersStarting("$G", "A", i));
                Thread.sleep(3);
            }
        }

        String text = out.toString();
        assertThat(text).contains("\r0/2 streams");
        for (String row : text.split("\n")) {
            String visible = row.substring(row.lastIndexOf('\r') + 1);
            if (row.contains("LOG")) {
                assertThat(visible).as("what the terminal shows on row: %s", row.replace("\r", "\\r")).isEqualTo("LOG ConsumersStarting");
            }
        }
        String lastRow = text.substring(text.lastIndexOf('\n') + 1);
        assertThat(lastRow.substring(lastRow.lastIndexOf('\r') + 1)).as("erased when closed").isEmpty();
    }

    @Test
    void nothingIsDrawnOnceTheRecoveryIsOver() throws Exception {
        StringWriter out = new StringWriter();
        RecoveryProgress progress = new RecoveryProgress();
        try (ProgressReporter r = new ProgressReporter(progress, new PrintWriter(out), false, TimeUnit.MILLISECONDS.toNanos(10))) {
            Thread.sleep(100);
        }

        assertThat(out.toString()).isEmpty();
    }
}
