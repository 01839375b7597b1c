package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A restart step of 0..100 ms and ConsumerModelIT's repeats: 2.001 s (ack wait + 1 ms) and 3 s (the last backoff step). */
class RestartChecksTest {
    private static final long ROOM = ms(400);
    private final RestartChecks checks = new RestartChecks(0, ms(100), ms(2001), ms(3000));

    @Test
    void aSegmentMayStartRightAfterTheRestartStep() {
        assertThat(checks.quietFrom(ms(100), ROOM)).isEqualTo(ms(100));
        // The first repeated check: 2.001 s after the step's start, less 50 ms + 2 s of drift.
        assertThat(checks.nextStart(ms(100))).isEqualTo(ms(2001 - 55));
    }

    @Test
    void aStartInsideTheWindowOfARepeatedCheckMovesToItsEnd() {
        // 2.001 s after the step's end, plus the margin.
        assertThat(checks.quietFrom(ms(2000), ROOM)).isEqualTo(ms(2001 + 100 + 55));
    }

    @Test
    void aStartWithTooLittleRoomBeforeTheNextCheckMovesPastThatCheck() {
        // 342 ms to the 3 s check's window: past it, to 3.1575 s.
        assertThat(checks.quietFrom(ms(2600), ROOM)).isEqualTo(us(3_157_500));
        assertThat(checks.quietFrom(ms(2500), ROOM)).isEqualTo(ms(2500));
    }

    @Test
    void windowsThatOverlapAreLeftTogether() {
        // 6.000 s (two 3 s repeats) and 6.003 s (three of 2.001 s): past both.
        assertThat(checks.quietFrom(ms(6000), ROOM)).isEqualTo(ms(6003 + 100 + 65));
    }

    @Test
    void theMarginGrowsWithTheTimeSinceTheRestart() {
        // Twenty ack-wait repeats: 40.02 s, with 50 ms + 40 s of 2.5 ms.
        assertThat(checks.nextStart(ms(39_300))).isEqualTo(ms(40_020 - 150));
    }

    @Test
    void aRestartStepThatEndsBeforeItStartsIsRefused() {
        assertThatThrownBy(() -> new RestartChecks(ms(100), 0, ms(2001))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RestartChecks(0, ms(100))).isInstanceOf(IllegalArgumentException.class);
    }

    private static long ms(long millis) {
        return millis * 1_000_000L;
    }

    private static long us(long micros) {
        return micros * 1_000L;
    }
}
