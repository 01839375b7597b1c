package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The writer's TTL timing on its own, with times the test picks (no clock, no waits). */
class TtlExpiryTest {
    private static final long S = 1_000_000_000L;

    @Test
    void aMessageExpiresAtItsTimestampPlusItsTtlInSeconds() {
        assertThat(TtlExpiry.expiresAt(5 * S + 7, 3)).isEqualTo(8 * S + 7);
    }

    @Test
    void aTtlTooLargeForNanosecondsWrapsAsTheServersInt64Does() {
        // Go: time.Duration(ts) + time.Second*time.Duration(ttl) overflows the same way: 2^63 ns is
        // about 292 years, so a TTL of 10^10 s lands in the past and the server expires it at once.
        long ts = 1_800_000_000L * S;
        assertThat(TtlExpiry.expiresAt(ts, 10_000_000_000L)).isLessThan(ts);
    }

    @Test
    void onlyWhatIsDueIsTakenInSequenceOrderAndOnlyOnce() {
        TtlExpiry t = new TtlExpiry();
        t.add(3, 10 * S);
        t.add(1, 20 * S);
        t.add(2, 10 * S);
        t.add(4, 30 * S);
        assertThat(t.nextExpiry()).isEqualTo(10 * S);
        assertThat(t.takeDue(10 * S - 1)).isEmpty();
        assertThat(t.takeDue(20 * S)).containsExactly(1L, 2L, 3L);
        assertThat(t.takeDue(20 * S)).isEmpty();
        assertThat(t.nextExpiry()).isEqualTo(30 * S);
        assertThat(t.size()).isEqualTo(1);
    }

    @Test
    void aSecondAddOfASequenceReplacesItsTime() {
        TtlExpiry t = new TtlExpiry();
        t.add(1, 10 * S);
        t.add(1, 50 * S);
        assertThat(t.takeDue(40 * S)).isEmpty();
        assertThat(t.takeDue(50 * S)).containsExactly(1L);
        assertThat(t.size()).isZero();
    }

    @Test
    void messagesBelowTheFirstSequenceAreForgottenAndNoLongerDecideTheNextExpiry() {
        TtlExpiry t = new TtlExpiry();
        t.add(1, 10 * S);
        t.add(2, 5 * S);
        t.add(7, 40 * S);
        t.forgetBelow(7);
        assertThat(t.size()).isEqualTo(1);
        assertThat(t.nextExpiry()).isEqualTo(40 * S);
        assertThat(t.takeDue(100 * S)).containsExactly(7L);
        assertThat(t.nextExpiry()).isEqualTo(Long.MAX_VALUE);
    }
}
