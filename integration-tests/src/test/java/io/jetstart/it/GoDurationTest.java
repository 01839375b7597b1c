package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Expected values from Go's Duration.String() formats (spec §6.6). */
class GoDurationTest {

    @Test
    void subSecondValuesKeepEveryFractionalDigit() {
        assertThat(GoDuration.parse("1.660836ms")).isEqualTo(Duration.ofNanos(1_660_836));
        assertThat(GoDuration.parse("845.123456ms")).isEqualTo(Duration.ofNanos(845_123_456));
        assertThat(GoDuration.parse("12.5µs")).isEqualTo(Duration.ofNanos(12_500));
        assertThat(GoDuration.parse("7ns")).isEqualTo(Duration.ofNanos(7));
    }

    @Test
    void minutesAndHoursCombineWithSeconds() {
        assertThat(GoDuration.parse("2m3.000000001s")).isEqualTo(Duration.ofSeconds(123, 1));
        assertThat(GoDuration.parse("1h0m0.5s")).isEqualTo(Duration.ofMillis(3_600_500));
        assertThat(GoDuration.parse("0s")).isZero();
    }

    @Test
    void textThatIsNotADurationIsRefused() {
        assertThatThrownBy(() -> GoDuration.parse("1.5 ms")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GoDuration.parse("fast")).isInstanceOf(IllegalArgumentException.class);
    }
}
