package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GoDurationTest {
    @Test
    void millisecondsWithAFractionAreExactToTheNanosecond() {
        assertThat(GoDuration.parseNanos("487.702281ms")).isEqualTo(487_702_281L);
    }

    @Test
    void compoundMinutesAndSecondsAddUp() {
        assertThat(GoDuration.parseNanos("1m2.5s")).isEqualTo(62_500_000_000L);
    }

    @Test
    void bothMicroSignsAndTheAsciiFormAreMicroseconds() {
        assertThat(GoDuration.parseNanos("850µs")).isEqualTo(850_000L);
        assertThat(GoDuration.parseNanos("850μs")).isEqualTo(850_000L);
        assertThat(GoDuration.parseNanos("850us")).isEqualTo(850_000L);
    }

    @Test
    void zeroIsWrittenWithoutAUnit() {
        assertThat(GoDuration.parseNanos("0s")).isZero();
        assertThat(GoDuration.parseNanos("0")).isZero();
    }

    @Test
    void anUnknownUnitIsRejectedWithItsPosition() {
        assertThatThrownBy(() -> GoDuration.parseNanos("12parsecs")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown unit 'parsecs' at 2");
    }
}
