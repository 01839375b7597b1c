package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedeliveryQueueTest {

    private static List<Long> drain(RedeliveryQueue q) {
        List<Long> out = new ArrayList<>();
        while (!q.isEmpty()) {
            out.add(q.takeFirst());
        }
        return out;
    }

    @Test
    void sequencesComeOutInTheOrderTheyWereQueuedEachOnce() {
        RedeliveryQueue q = new RedeliveryQueue();
        q.addAll(List.of(7L, 3L, 9L));
        q.add(3);
        q.add(1);
        assertThat(q.contains(3)).isTrue();
        assertThat(drain(q)).containsExactly(7L, 3L, 9L, 1L);
        assertThat(q.contains(3)).isFalse();
    }

    @Test
    void aSequencePutBackIsTakenFirstAgain() {
        RedeliveryQueue q = new RedeliveryQueue();
        q.addAll(List.of(4L, 5L, 6L));
        long first = q.takeFirst();
        q.putBackFirst(first);
        assertThat(drain(q)).containsExactly(4L, 5L, 6L);
    }

    @Test
    void removalsTakeASequenceOrEverythingUpToOneOut() {
        RedeliveryQueue q = new RedeliveryQueue();
        q.addAll(List.of(8L, 2L, 5L, 11L, 3L));
        q.remove(5);
        q.removeUpTo(3);
        assertThat(q.contains(2)).isFalse();
        assertThat(drain(q)).containsExactly(8L, 11L);
    }
}
