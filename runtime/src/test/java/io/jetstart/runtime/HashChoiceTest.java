package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

/** The store starts the checksum choice from several places (HashChoice's design note): only the first start counts. */
class HashChoiceTest {
    @Test
    void aChoiceNeverStartedIsNotWaitedForAndUsesTheScalarChecksum() throws Exception {
        HashChoice c = new HashChoice();
        c.join();
        assertThat(c.made()).isFalse();
        assertThat(c.forBlock("S", 1)).isInstanceOf(io.jetstart.core.hash.HighwayHash64.class);
    }

    @Test
    void startingTwiceStartsOneChoice() throws Exception {
        HashChoice c = new HashChoice();
        c.start();
        assertThatCode(c::start).doesNotThrowAnyException();
        c.join();
        assertThat(c.made()).isTrue();
    }
}
