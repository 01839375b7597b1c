package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessCpuTest {
    @Test
    void userAndSystemTicksAreAddedAndTurnedIntoNanoseconds() {
        // utime 150 ticks, stime 25 ticks: 1.75 s.
        String stat = "4242 (java) S 1 4242 4242 0 -1 4194304 100 0 0 0 150 25 0 0 20 0 30 0 99 1000 200";
        assertThat(ProcessCpu.parse(stat)).isEqualTo(1_750_000_000L);
    }

    @Test
    void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
        String stat = "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 5 6 7";
        assertThat(ProcessCpu.parse(stat)).isEqualTo(70_000_000L);
    }

    @Test
    void aShortOrMalformedLineGivesMinusOne() {
        assertThat(ProcessCpu.parse("1 (x) S 1 2")).isEqualTo(-1);
        assertThat(ProcessCpu.parse("no parenthesis")).isEqualTo(-1);
        assertThat(ProcessCpu.parse("1 (x) S 1 1 1 0 -1 0 0 0 0 0 a b")).isEqualTo(-1);
    }
}
