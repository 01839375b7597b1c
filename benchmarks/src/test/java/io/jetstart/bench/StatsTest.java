package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void theMedianOfAnOddCountIsTheMiddleValueWhateverTheOrder() {
        assertThat(Stats.median(List.of(30L, 10L, 20L))).isEqualTo(20);
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues() {
        assertThat(Stats.median(List.of(40L, 10L, 20L, 30L))).isEqualTo(25);
    }

    @Test
    void minIsTheSmallest() {
        assertThat(Stats.min(List.of(30L, 10L, 20L))).isEqualTo(10);
    }

    @Test
    void maxKnownIgnoresUnmeasuredValues() {
        assertThat(Stats.maxKnown(List.of(-1L, -1L))).isEqualTo(-1);
        assertThat(Stats.maxKnown(List.of(-1L, 7L, 3L))).isEqualTo(7);
    }

    @Test
    void rotationStartsEachRunOneVariantLater() {
        assertThat(StartupBench.rotate(List.of("a", "b", "c"), 0)).containsExactly("a", "b", "c");
        assertThat(StartupBench.rotate(List.of("a", "b", "c"), 1)).containsExactly("b", "c", "a");
        assertThat(StartupBench.rotate(List.of("a", "b", "c"), 4)).containsExactly("b", "c", "a");
    }
}
