package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.format.Records;
import io.jetstart.core.hash.HashKeys;
import io.jetstart.core.hash.HighwayHash64;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TailRecordOffsetsTest {
    private static final byte[] SUBJECT = "foo".getBytes(StandardCharsets.US_ASCII);

    /** {@code count} message records from sequence 1; the offset of each in {@code offsets}. */
    private static byte[] block(int count, List<Integer> offsets) {
        ByteWriter out = new ByteWriter();
        HighwayHash64 h = new HighwayHash64(HashKeys.forBlock("TEST", 1));
        for (int i = 1; i <= count; i++) {
            offsets.add(out.size());
            Records.writeMessage(out, h, i, i, SUBJECT, null, new byte[i % 7]);
        }
        return out.toByteArray();
    }

    @Test
    void findsEveryRecordOfATailFromItsFirstRecordOnAndPastTheFirstCapacity() {
        // The arrays start empty (a recovery makes one per stream and never asks): the first
        // record indexed and every doubling after it still give each record its own offset.
        List<Integer> offsets = new ArrayList<>();
        byte[] buf = block(200, offsets);
        TailRecordOffsets index = new TailRecordOffsets();
        for (int seq = 1; seq <= 200; seq++) {
            assertThat(index.offsetOf(1, buf, buf.length, seq)).as("seq %d", seq).isEqualTo(offsets.get(seq - 1));
        }
        assertThat(index.offsetOf(1, buf, buf.length, 201)).isEqualTo(-1);
    }

    @Test
    void aTailThatGrowsIsIndexedFromWhereItLeftOff() {
        List<Integer> offsets = new ArrayList<>();
        byte[] buf = block(100, offsets);
        TailRecordOffsets index = new TailRecordOffsets();
        int firstHalf = offsets.get(50);
        assertThat(index.offsetOf(1, buf, firstHalf, 50)).isEqualTo(offsets.get(49));
        assertThat(index.offsetOf(1, buf, firstHalf, 51)).isEqualTo(-1);
        assertThat(index.offsetOf(1, buf, buf.length, 100)).isEqualTo(offsets.get(99));
    }
}
