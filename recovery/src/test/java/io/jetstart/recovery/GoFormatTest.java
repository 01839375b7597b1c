package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Go's Duration.String() and ParseDuration, with the values spec §6.6 and a real nats-server 2.15.1 log print. */
class GoFormatTest {

    @Test
    void tookIsPrintedUnroundedAsNatsServerPrintsIt() {
        // nats-server 2.15.1 on the small fixture: "Took 4.0605ms to start JetStream".
        assertThat(GoFormat.duration(4_060_500)).isEqualTo("4.0605ms");
        assertThat(GoFormat.duration(845_123_456)).isEqualTo("845.123456ms");
        assertThat(GoFormat.duration(1_234_567_891)).isEqualTo("1.234567891s");
        assertThat(GoFormat.duration(12_500)).isEqualTo("12.5µs");
        assertThat(GoFormat.duration(123_000_000_001L)).isEqualTo("2m3.000000001s");
        assertThat(GoFormat.duration(0)).isEqualTo("0s");
    }

    @Test
    void roundedToTheMillisecondKeepsAtMostThreeDecimalsOfASecond() {
        assertThat(GoFormat.durationRoundedToMillis(329_451_360)).isEqualTo("329ms");
        assertThat(GoFormat.durationRoundedToMillis(1_093_656_116)).isEqualTo("1.094s");
        assertThat(GoFormat.durationRoundedToMillis(2_840_000_000L)).isEqualTo("2.84s");
        assertThat(GoFormat.durationRoundedToMillis(999_600_000)).isEqualTo("1s");
        assertThat(GoFormat.durationRoundedToMillis(3_600_500_000_000L)).isEqualTo("1h0m0.5s");
    }

    @Test
    void parseReadsWhatDurationPrintsExactly() {
        for (long nanos : new long[] {0, 7, 12_500, 4_060_500, 845_123_456, 1_234_567_891, 123_000_000_001L, 3_600_500_000_000L}) {
            assertThat(GoFormat.parseDuration(GoFormat.duration(nanos))).as(GoFormat.duration(nanos)).isEqualTo(nanos);
        }
        assertThat(GoFormat.parseDuration("1m30s")).isEqualTo(90_000_000_000L);
        assertThat(GoFormat.parseDuration("1.5h")).isEqualTo(5_400_000_000_000L);
        assertThat(GoFormat.parseDuration("-2s")).isEqualTo(-2_000_000_000L);
        assertThat(GoFormat.parseDuration("0")).isZero();
    }

    @Test
    void parseRefusesWhatIsNotADuration() {
        for (String bad : new String[] {"", "30", "1.5 ms", "fast", "1..5s", ".s", "5d", "9999999h"}) {
            assertThatThrownBy(() -> GoFormat.parseDuration(bad)).as("'%s'", bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
