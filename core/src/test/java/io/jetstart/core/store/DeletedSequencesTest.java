package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.format.SequenceSet;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.write.StreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.PrimitiveIterator;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deleted sequences of a stream's state, held as gaps and block maps: what they list, in which order. */
class DeletedSequencesTest {

    @TempDir
    Path tmp;

    private static List<Long> listed(DeletedSequences d) {
        List<Long> out = new ArrayList<>();
        PrimitiveIterator.OfLong it = d.iterator();
        while (it.hasNext()) {
            out.add(it.nextLong());
        }
        return out;
    }

    private static SequenceSet setOf(long... seqs) {
        SequenceSet s = new SequenceSet();
        for (long q : seqs) {
            s.add(q);
        }
        return s;
    }

    @Test
    void gapsAndBlockMapsInBlockOrderAreListedOneAfterTheOther() {
        DeletedSequences d = new DeletedSequences.Builder().addRange(2, 4).addAll(setOf(7, 9, 4096)).addRange(5000, 5001).build();

        assertThat(listed(d)).containsExactly(2L, 3L, 4L, 7L, 9L, 4096L, 5000L, 5001L);
        assertThat(d.toArray()).containsExactly(2, 3, 4, 7, 9, 4096, 5000, 5001);
        assertThat(d.size()).isEqualTo(8);
        List<Long> each = new ArrayList<>();
        d.forEach(each::add);
        assertThat(each).isEqualTo(listed(d));
    }

    /**
     * The oracle is the list the state held before: every gap sequence and every map member, sorted,
     * with a sequence named twice kept twice. Random parts, overlapping and out of order half the time.
     */
    @Test
    void anyPartsListWhatTheSortedListOfThemHeld() {
        for (long seed = 1; seed <= 300; seed++) {
            Random r = new Random(seed);
            DeletedSequences.Builder b = new DeletedSequences.Builder();
            List<Long> oracle = new ArrayList<>();
            boolean overlapping = r.nextBoolean();
            long at = 1 + r.nextInt(100);
            int parts = r.nextInt(8);
            for (int p = 0; p < parts; p++) {
                long from = overlapping ? 1 + r.nextInt(6000) : at + r.nextInt(3000);
                if (r.nextBoolean()) {
                    long to = from + r.nextInt(50) - 2;
                    b.addRange(from, to);
                    for (long q = from; q <= to; q++) {
                        oracle.add(q);
                    }
                    at = Math.max(at, to + 1);
                } else {
                    SequenceSet s = new SequenceSet();
                    int n = r.nextInt(40);
                    for (int i = 0; i < n; i++) {
                        s.add(from + r.nextInt(5000));
                    }
                    b.addAll(s);
                    s.forEach(oracle::add);
                    at = Math.max(at, from + 5000);
                }
            }
            Collections.sort(oracle);
            DeletedSequences d = b.build();

            assertThat(listed(d)).as("seed %d", seed).isEqualTo(oracle);
            assertThat(d.size()).as("seed %d", seed).isEqualTo(oracle.size());
            List<Long> each = new ArrayList<>();
            d.forEach(each::add);
            assertThat(each).as("seed %d", seed).isEqualTo(oracle);
        }
    }

    @Test
    void aMapNamingASequenceOfTheGapBeforeItListsItTwiceAsTheSortedListDid() {
        DeletedSequences d = new DeletedSequences.Builder().addRange(3, 6).addAll(setOf(5, 20)).build();

        assertThat(d.toArray()).containsExactly(3, 4, 5, 5, 6, 20);
        assertThat(d.size()).isEqualTo(6);
    }

    @Test
    void theValueKeepsTheMapAsItWasWhenTheStateWasTaken() {
        SequenceSet live = setOf(10, 11);
        DeletedSequences d = new DeletedSequences.Builder().addAll(live).build();

        live.add(12);
        live.remove(10);

        assertThat(d.toArray()).containsExactly(10, 11);
    }

    @Test
    void theSameSequencesAreEqualWhateverPartsTheyCameFrom() {
        DeletedSequences gap = new DeletedSequences.Builder().addRange(3, 5).build();
        DeletedSequences map = new DeletedSequences.Builder().addAll(setOf(3, 4, 5)).build();
        DeletedSequences other = new DeletedSequences.Builder().addAll(setOf(3, 4, 6)).build();

        assertThat(gap).isEqualTo(map).hasSameHashCodeAs(map).isNotEqualTo(other);
        assertThat(gap).isNotEqualTo(DeletedSequences.none());
    }

    @Test
    void nothingAddedIsTheOneSharedEmptyValue() {
        DeletedSequences d = new DeletedSequences.Builder().addRange(5, 4).addAll(new SequenceSet()).build();

        assertThat(d).isSameAs(DeletedSequences.none());
        assertThat(d.isEmpty()).isTrue();
        assertThat(d.iterator().hasNext()).isFalse();
        assertThat(d.toArray()).isEmpty();
        assertThat(d).hasToString("[]");
    }

    @Test
    void moreThanAnArrayHoldsIsRefusedNotAllocated() {
        DeletedSequences d = new DeletedSequences.Builder().addRange(1, 3_000_000_000L).build();

        assertThat(d.size()).isEqualTo(3_000_000_000L);
        assertThatThrownBy(d::toArray).isInstanceOf(IllegalStateException.class).hasMessageContaining("3000000000");
        assertThat(d).hasToString("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, ... 3000000000 in all]");
    }

    @Test
    void aStreamWithoutDeletesSharesTheEmptyValue() throws Exception {
        Path dir = tmp.resolve("T");
        try (StreamWriter w = new StreamWriter(dir, "T", 1024, 3)) {
            for (int i = 0; i < 100; i++) {
                w.append("t.a".getBytes(StandardCharsets.US_ASCII), null, new byte[10], 1 + i);
            }
        }
        StreamConfig cfg = StreamConfig.parse(("{\"Created\":\"2026-01-01T00:00:00Z\",\"name\":\"T\",\"subjects\":[\"t.*\"],"
                + "\"retention\":\"limits\",\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,\"max_msgs_per_subject\":-1,"
                + "\"discard\":\"old\",\"storage\":\"file\",\"num_replicas\":1,\"compression\":\"none\",\"consumer_limits\":{}}")
                .getBytes(StandardCharsets.UTF_8));
        StreamStore s = StreamOpener.open("$G", "T", dir, cfg, StoreContext.singleThreaded());

        assertThat(s.state().deleted()).isSameAs(DeletedSequences.none());
        assertThat(s.state().numDeleted()).isZero();
    }
}
