package io.jetstart.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GoDurationTest {
    @Test
    void readsWhatGoReads() {
        assertThat(GoDuration.parseNanos("0")).isZero();
        assertThat(GoDuration.parseNanos("-0")).isZero();
        assertThat(GoDuration.parseNanos("1m30s")).isEqualTo(90_000_000_000L);
        assertThat(GoDuration.parseNanos("0.3s")).as("exact, not through a double").isEqualTo(300_000_000L);
        assertThat(GoDuration.parseNanos("12.5µs")).isEqualTo(12_500L);
        assertThat(GoDuration.parseNanos("+2h")).isEqualTo(7_200_000_000_000L);
        assertThat(GoDuration.parseNanos("-2s")).isEqualTo(-2_000_000_000L);
    }

    @Test
    void refusesWhatGoRefuses() {
        for (String bad : new String[] {"", "-", "+", "3600", "1.2.3s", ".s", "5x", "s", "1d"}) {
            assertThatThrownBy(() -> GoDuration.parseNanos(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> GoDuration.parseNanos("3000000h")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too long");
    }
}
