package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SequenceMapTest {

    @Test
    void aDenseWindowAboveTheFloorBehavesAsASortedMap() {
        SequenceMap<String> m = new SequenceMap<>();
        for (long q = 100; q < 700; q++) {
            m.put(q, "v" + q);
        }
        m.remove(100);
        m.remove(350);
        assertThat(m.size()).isEqualTo(598);
        assertThat(m.get(101)).isEqualTo("v101");
        assertThat(m.get(350)).isNull();
        assertThat(m.higherKey(349)).isEqualTo(351);
        assertThat(m.higherKey(699)).isEqualTo(-1);
        assertThat(m.keys()[0]).isEqualTo(101);
    }

    @Test
    void aStragglerFarBelowNewKeysMovesToTheOutliersAndStaysFindable() {
        SequenceMap<String> m = new SequenceMap<>();
        m.put(5, "old");
        long far = 5 + 3L * SequenceMap.MAX_WINDOW;
        for (long q = far; q < far + 10; q++) {
            m.put(q, "new");
        }
        assertThat(m.get(5)).isEqualTo("old");
        assertThat(m.keys()).startsWith(5, far, far + 1);
        assertThat(m.higherKey(5)).isEqualTo(far);
        assertThat(m.higherKey(0)).isEqualTo(5);
        assertThat(m.remove(5)).isEqualTo("old");
        assertThat(m.size()).isEqualTo(10);
    }

    @Test
    void removeUpToRemovesInOrderAndTellsEachKey() {
        SequenceMap<String> m = new SequenceMap<>();
        for (long q : new long[] {9, 3, 7, 1L + SequenceMap.MAX_WINDOW * 2L, 4}) {
            m.put(q, "x");
        }
        List<Long> removed = new ArrayList<>();
        m.removeUpTo(7, removed::add);
        assertThat(removed).containsExactly(3L, 4L, 7L);
        assertThat(m.keys()).containsExactly(9, 1L + SequenceMap.MAX_WINDOW * 2L);
    }

    @Test
    void randomOperationsAgreeWithATreeMap() {
        for (long seed = 1; seed <= 40; seed++) {
            Random r = new Random(seed);
            SequenceMap<Long> m = new SequenceMap<>();
            TreeMap<Long, Long> expected = new TreeMap<>();
            long front = 1 + r.nextInt(1000);
            for (int op = 0; op < 3000; op++) {
                long seq = switch (r.nextInt(6)) {
                    case 0 -> front++;
                    case 1 -> front + r.nextInt(200);
                    case 2 -> Math.max(1, front - r.nextInt(3000));
                    case 3 -> Math.max(1, front - r.nextInt(4 * SequenceMap.MAX_WINDOW));
                    case 4 -> front += r.nextInt(2 * SequenceMap.MAX_WINDOW);
                    default -> expected.isEmpty() ? front : expected.firstKey();
                };
                int what = r.nextInt(10);
                if (what < 5) {
                    m.put(seq, (long) op);
                    expected.put(seq, (long) op);
                } else if (what < 8) {
                    assertThat(m.remove(seq)).as("seed %d op %d remove %d", seed, op, seq).isEqualTo(expected.remove(seq));
                } else if (what == 8) {
                    Long higher = expected.higherKey(seq);
                    assertThat(m.higherKey(seq)).as("seed %d op %d higherKey %d", seed, op, seq)
                            .isEqualTo(higher == null ? -1 : higher);
                } else {
                    List<Long> removed = new ArrayList<>();
                    m.removeUpTo(seq, removed::add);
                    Map<Long, Long> head = expected.headMap(seq, true);
                    assertThat(removed).as("seed %d op %d removeUpTo %d", seed, op, seq).containsExactlyElementsOf(head.keySet());
                    head.clear();
                }
                assertThat(m.get(seq)).as("seed %d op %d get %d", seed, op, seq).isEqualTo(expected.get(seq));
                assertThat(m.size()).as("seed %d op %d size", seed, op).isEqualTo(expected.size());
            }
            assertThat(m.toTreeMap()).as("seed %d", seed).isEqualTo(expected);
        }
    }
}
