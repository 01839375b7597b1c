package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.recovery.Progress;
import io.jetstart.recovery.RecoveryEvent;
import io.jetstart.recovery.RecoveryListener;
import io.jetstart.recovery.RecoveryProgress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {
    static final long MIB = 1 << 20;

    @Test
    void theLineShowsStreamsBytesRateEtaAndTheSlowestStream() {
        Progress p = new Progress(8, 3, 0, 800 * MIB, 200 * MIB, 4, 1, TimeUnit.SECONDS.toNanos(2),
                new Progress.RunningStream("$G", "ORDERS", 400 * MIB, 100 * MIB, TimeUnit.MILLISECONDS.toNanos(4_200)));

        assertThat(ProgressReporter.line(p))
                .isEqualTo("3/8 streams  200.0/800.0 MiB 25%  100.0 MiB/s  ETA 6.0s  slowest $G > ORDERS 4.2s 25%");
    }

    @Test
    void theLineSaysHowManyStreamsFailedAndHasNoEtaBeforeAnyRate() {
        Progress p = new Progress(2, 1, 1, 100, 0, 1, 0, 5, null);

        assertThat(ProgressReporter.line(p)).isEqualTo("1/2 streams (1 failed)  0/100 B 0%  0 B/s  ETA ?");
    }

    @Test
    void bytesAndDurationsUseShortHumanUnits() {
        assertThat(ProgressReporter.bytes(1023)).isEqualTo("1023 B");
        assertThat(ProgressReporter.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(ProgressReporter.bytes(3L << 30)).isEqualTo("3.0 GiB");
        assertThat(ProgressReporter.duration(TimeUnit.MILLISECONDS.toNanos(850))).isEqualTo("850ms");
        assertThat(ProgressReporter.duration(TimeUnit.SECONDS.toNanos(192))).isEqualTo("3m12s");
        assertThat(ProgressReporter.duration(TimeUnit.MINUTES.toNanos(62))).isEqualTo("1h02m");
    }

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
