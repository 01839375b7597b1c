package io.jetstart.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GoTimeTest {
    @Test
    void formatsLikeGoWithTrailingZerosTrimmed() {
        assertThat(GoTime.format(1795609026775863920L)).isEqualTo("2026-11-25T12:17:06.77586392Z");
        assertThat(GoTime.format(1795609025923754695L)).isEqualTo("2026-11-25T12:17:05.923754695Z");
        assertThat(GoTime.format(1_700_000_000_000_000_000L)).isEqualTo("2023-11-14T22:13:20Z");
        assertThat(GoTime.format(0)).isEqualTo("0001-01-01T00:00:00Z");
    }

    @Test
    void parseIsTheInverseOfFormat() {
        for (long t : new long[] {1795609026775863920L, 1_700_000_000_000_000_001L, 0}) {
            assertThat(GoTime.parse(GoTime.format(t))).isEqualTo(t);
        }
    }
}
