package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.recovery.Progress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
    static final long MIB = 1 << 20;

    @Test
    void theLineShowsStreamsBytesRateEtaAndTheSlowestStream() {
        Progress p = new Progress(8, 3, 0, 800 * MIB, 200 * MIB, 4, 1, TimeUnit.SECONDS.toNanos(2),
                new Progress.RunningStream("$G", "ORDERS", 400 * MIB, 100 * MIB, TimeUnit.MILLISECONDS.toNanos(4_200)));

        assertThat(ProgressLine.of(p))
                .isEqualTo("3/8 streams  200.0/800.0 MiB 25%  100.0 MiB/s  ETA 6.0s  slowest $G > ORDERS 4.2s 25%");
    }

    @Test
    void theLineSaysHowManyStreamsFailedAndHasNoEtaBeforeAnyRate() {
        Progress p = new Progress(2, 1, 1, 100, 0, 1, 0, 5, null);

        assertThat(ProgressLine.of(p)).isEqualTo("1/2 streams (1 failed)  0/100 B 0%  0 B/s  ETA ?");
    }

    @Test
    void bytesAndDurationsUseShortHumanUnits() {
        assertThat(ProgressLine.bytes(1023)).isEqualTo("1023 B");
        assertThat(ProgressLine.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(ProgressLine.bytes(3L << 30)).isEqualTo("3.0 GiB");
        assertThat(ProgressLine.duration(TimeUnit.MILLISECONDS.toNanos(850))).isEqualTo("850ms");
        assertThat(ProgressLine.duration(TimeUnit.SECONDS.toNanos(192))).isEqualTo("3m12s");
        assertThat(ProgressLine.duration(TimeUnit.MINUTES.toNanos(62))).isEqualTo("1h02m");
    }
}
