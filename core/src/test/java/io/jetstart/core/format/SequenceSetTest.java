package io.jetstart.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SequenceSetTest {

    @Test
    void behavesLikeASortedSetUnderRandomOperations() {
        long seed = 20261125L;
        Random rnd = new Random(seed);
        SequenceSet set = new SequenceSet();
        TreeSet<Long> model = new TreeSet<>();
        for (int i = 0; i < 20_000; i++) {
            long s = 1 + rnd.nextInt(10_000);
            switch (rnd.nextInt(3)) {
                case 0, 1 -> assertThat(set.add(s)).as("seed %d", seed).isEqualTo(model.add(s));
                default -> assertThat(set.remove(s)).as("seed %d", seed).isEqualTo(model.remove(s));
            }
        }
        assertThat(set.size()).isEqualTo(model.size());
        List<Long> members = new ArrayList<>();
        set.forEach(members::add);
        assertThat(members).containsExactlyElementsOf(model);
        assertThat(set.countInRange(100, 5000)).isEqualTo(model.subSet(100L, true, 5000L, true).size());
        long removed = set.removeBelow(4097);
        assertThat(removed).isEqualTo(model.headSet(4097L).size());
        model.headSet(4097L).clear();
        members.clear();
        set.forEach(members::add);
        assertThat(members).containsExactlyElementsOf(model);
    }
}
