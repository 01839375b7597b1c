package io.jetstart.core.lines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ServerLineTest {
    @Test
    void aLineIsNamedByItsMajorMinorWithOrWithoutPatchOrV() {
        assertThat(ServerLine.parse("2.10")).isEqualTo(ServerLine.V2_10);
        assertThat(ServerLine.parse("2.10.27")).isEqualTo(ServerLine.V2_10);
        assertThat(ServerLine.parse("v2.15.1")).isEqualTo(ServerLine.V2_15);
        assertThat(ServerLine.parse(" 2.9 ")).isEqualTo(ServerLine.V2_9);
    }

    @Test
    void anUnknownLineIsRefusedWithTheAcceptedOnes() {
        assertThatThrownBy(() -> ServerLine.parse("2.13")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'2.13'").hasMessageContaining("2.9, 2.10, 2.11, 2.12, 2.14, 2.15");
        assertThatThrownBy(() -> ServerLine.parse("latest")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyTheTwoTenLineReportsTheDriftedAckFloorAndOnlyTwoNineItsInterestPurge() {
        assertThat(Arrays.stream(ServerLine.values()).filter(ServerLine::reportsDriftedAckFloor)).containsExactly(ServerLine.V2_10);
        assertThat(Arrays.stream(ServerLine.values()).filter(ServerLine::purgesInterestBelowLowestAckFloor))
                .containsExactly(ServerLine.V2_9);
    }

    @Test
    void eachLineReadsTheIndexDbVersionsItsServerWrote() {
        assertThat(Arrays.stream(ServerLine.values()).mapToInt(ServerLine::maxIndexDbVersion)).containsExactly(0, 1, 2, 3, 4, 4);
    }

    @Test
    void theStartRulesChangeFromTwoTenAndTheKeptStartSequenceFromTwoEleven() {
        assertThat(Arrays.stream(ServerLine.values()).filter(l -> !l.startsOnePerSubjectStreamAtFirst()))
                .containsExactly(ServerLine.V2_9);
        assertThat(Arrays.stream(ServerLine.values()).filter(l -> !l.movesStartTimeToNearestFilterFirst()))
                .containsExactly(ServerLine.V2_9);
        assertThat(Arrays.stream(ServerLine.values()).filter(l -> !l.keepsStartSeqAheadOfStream()))
                .containsExactly(ServerLine.V2_9, ServerLine.V2_10);
    }
}
