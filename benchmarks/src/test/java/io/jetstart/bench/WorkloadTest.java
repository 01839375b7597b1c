package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The four shapes as the issue states them. */
class WorkloadTest {
    @Test
    void seed8IsEightStreamsOfAMillionHundredByteMessagesOnOneSubject() {
        Workload w = Workload.named("seed8", 2);
        assertThat(w.spec().streams()).isEqualTo(8);
        assertThat(w.spec().messages()).isEqualTo(1_000_000);
        assertThat(w.spec().payload()).isEqualTo(100);
        assertThat(w.spec().subjects()).isEqualTo(1);
    }

    @Test
    void upbenchHasOneStreamPerCoreOfEmptyMessagesOverTenThousandSubjects() {
        Workload w = Workload.named("upbench", 6);
        assertThat(w.spec().streams()).isEqualTo(6);
        assertThat(w.spec().messages()).isEqualTo(100_000);
        assertThat(w.spec().payload()).isZero();
        assertThat(w.spec().subjects()).isEqualTo(10_000);
    }

    @Test
    void manyIsAThousandStreamsOfAThousandMessagesWithTwoConsumers() {
        Workload w = Workload.named("many", 2);
        assertThat(w.spec().streams()).isEqualTo(1_000);
        assertThat(w.spec().messages()).isEqualTo(1_000);
        assertThat(w.spec().consumers()).isEqualTo(2);
    }

    @Test
    void hugeIsOneStreamOfEightMillionMessages() {
        Workload w = Workload.named("huge", 2);
        assertThat(w.spec().streams()).isEqualTo(1);
        assertThat(w.totalMessages()).isEqualTo(8_000_000);
    }

    @Test
    void theCacheKeyChangesWithTheSpec() {
        assertThat(Workload.named("upbench", 2).cacheKey()).isNotEqualTo(Workload.named("upbench", 4).cacheKey());
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        assertThatThrownBy(() -> Workload.named("tiny", 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("seed8").hasMessageContaining("huge");
    }
}
