package io.jetstart.core.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RecordHashSourceTest {
    @Test
    void aSmallStoreIsVerifiedWithTheScalarHashAndTheReportSaysWhy() {
        RecordHashSource small = RecordHashSource.forStore(7_400_000, RecordHashSource.VECTOR_MIN_BYTES);
        assertThat(small.forBlock("S", 1)).isInstanceOf(HighwayHash64.class);
        assertThat(small.describe()).startsWith("scalar (7.1 MiB of blocks: below the 256 MiB where");
    }

    @Test
    void aLargeStoreGetsWhatRecordHashesChose() {
        RecordHashSource large = RecordHashSource.forStore(RecordHashSource.VECTOR_MIN_BYTES, RecordHashSource.VECTOR_MIN_BYTES);
        assertThat(large.describe()).isEqualTo(RecordHashes.implementation());
        assertThat(large.forBlock("S", 1).getClass()).isEqualTo(RecordHashes.forBlock("S", 1).getClass());
    }

    @Test
    void askingForTheVectorHashOverridesTheSizeRule() {
        String before = System.getProperty("jetstart.hash");
        System.setProperty("jetstart.hash", "vector");
        try {
            assertThat(RecordHashSource.forStore(1, RecordHashSource.VECTOR_MIN_BYTES).describe())
                    .isEqualTo(RecordHashes.implementation());
        } finally {
            if (before == null) {
                System.clearProperty("jetstart.hash");
            } else {
                System.setProperty("jetstart.hash", before);
            }
        }
    }

    @Test
    void theThresholdPropertyMovesTheRuleAndABadValueIsRefusedByName() {
        String before = System.getProperty(RecordHashSource.MIN_BYTES_PROPERTY);
        try {
            System.setProperty(RecordHashSource.MIN_BYTES_PROPERTY, "1000");
            assertThat(RecordHashSource.forStore(999).describe()).startsWith("scalar (999 bytes of blocks: below the 1,000 bytes where");
            assertThat(RecordHashSource.forStore(1000).describe()).isEqualTo(RecordHashes.implementation());
            System.setProperty(RecordHashSource.MIN_BYTES_PROPERTY, "lots");
            assertThatThrownBy(() -> RecordHashSource.forStore(1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("jetstart.hash.vectorMinBytes=lots");
        } finally {
            if (before == null) {
                System.clearProperty(RecordHashSource.MIN_BYTES_PROPERTY);
            } else {
                System.setProperty(RecordHashSource.MIN_BYTES_PROPERTY, before);
            }
        }
    }

    @Test
    void aSourceChosenWhenMadeIsScalarUntilToldTheChoiceIsMadeAndGivesTheSameChecksumBothWays() {
        java.util.concurrent.atomic.AtomicBoolean made = new java.util.concurrent.atomic.AtomicBoolean();
        RecordHashSource source = RecordHashSource.chosenWhenMade(made::get);
        byte[] b = new byte[300];
        new SplittableRandom(5).nextBytes(b);

        RecordHash before = source.forBlock("S", 4);
        made.set(true);
        RecordHash after = source.forBlock("S", 4);

        assertThat(before).isInstanceOf(HighwayHash64.class);
        assertThat(after.getClass()).isEqualTo(RecordHashes.forBlock("S", 4).getClass());
        assertThat(before.hashRecord(b, 4, 22, 6, 32, 200)).isEqualTo(after.hashRecord(b, 4, 22, 6, 32, 200));
    }

    @Test
    void bothSourcesGiveTheSameChecksum() {
        byte[] b = new byte[300];
        new SplittableRandom(3).nextBytes(b);
        long small = RecordHashSource.forStore(0, 1).forBlock("S", 4).hashRecord(b, 4, 22, 6, 32, 200);
        long large = RecordHashSource.forStore(1, 0).forBlock("S", 4).hashRecord(b, 4, 22, 6, 32, 200);
        assertThat(small).isEqualTo(large);
    }

    @Test
    void theKeyOfEachBlockIsRightWhenBlocksAndStreamsAlternate() {
        RecordHashSource source = RecordHashSource.forStore(1, RecordHashSource.VECTOR_MIN_BYTES);
        byte[] record = new byte[64];
        new SplittableRandom(7).nextBytes(record);
        String[][] asks = {{"S", "1"}, {"S", "1"}, {"S", "2"}, {"T", "2"}, {"S", "1"}, {"T", "2"}};
        for (String[] ask : asks) {
            long block = Long.parseLong(ask[1]);
            long expected = new HighwayHash64(HashKeys.forBlock(ask[0], block)).hashRecord(record, 0, 8, 10, 18, 40);
            assertThat(source.forBlock(ask[0], block).hashRecord(record, 0, 8, 10, 18, 40)).as(ask[0] + " block " + block)
                    .isEqualTo(expected);
        }
    }
}
