package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@link RemovedSequences} against a {@link TreeSet} under random adds, removals and ranges. */
class RemovedSequencesTest {

    @Test
    void randomOperationsAgreeWithATreeSet() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            RemovedSequences set = new RemovedSequences();
            TreeSet<Long> model = new TreeSet<>();
            // Ranges that cross chunk borders (65,536) and turn lists into bitmaps (4,096 a chunk).
            long span = seed % 2 == 0 ? 300_000 : 20_000;
            for (int op = 0; op < 30_000; op++) {
                long seq = 1 + (long) (random.nextDouble() * span);
                int what = random.nextInt(100);
                String at = "seed " + seed + ", op " + op;
                if (what < 80) {
                    assertThat(set.add(seq)).as(at).isEqualTo(model.add(seq));
                } else if (what < 90) {
                    assertThat(set.remove(seq)).as(at).isEqualTo(model.remove(seq));
                } else if (what < 92) {
                    long hi = seq + random.nextInt(100_000);
                    set.removeRange(seq, hi);
                    model.subSet(seq, true, hi, true).clear();
                } else {
                    long hi = seq + random.nextInt(2_000);
                    assertThat(set.anyIn(seq, hi)).as(at).isEqualTo(!model.subSet(seq, true, hi, true).isEmpty());
                    assertThat(set.contains(seq)).as(at).isEqualTo(model.contains(seq));
                }
                assertThat(set.size()).as(at).isEqualTo(model.size());
            }
            List<Long> all = new ArrayList<>();
            set.forEach(all::add);
            assertThat(all).as("seed %d", seed).containsExactlyElementsOf(model);
        }
    }
}
