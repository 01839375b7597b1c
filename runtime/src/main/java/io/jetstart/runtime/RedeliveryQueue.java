package io.jetstart.runtime;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The stream sequences waiting to be delivered again, in the order they are due (nats-server's
 * {@code rdq} and its index {@code rdqi}): expired messages in the sorted batches of each ack-wait
 * check, naked ones as they come. A sequence is in it at most once. Not thread-safe: the consumer's
 * lock guards it.
 */
final class RedeliveryQueue {
    private final ArrayDeque<Long> order = new ArrayDeque<>();
    private final Set<Long> queued = new HashSet<>();

    boolean isEmpty() {
        return queued.isEmpty();
    }

    boolean contains(long seq) {
        return !queued.isEmpty() && queued.contains(seq);
    }

    /** Queues {@code seq} at the end, unless it is queued already. */
    void add(long seq) {
        if (queued.add(seq)) {
            order.addLast(seq);
        }
    }

    /** Queues each of {@code seqs} (in their order) at the end. */
    void addAll(List<Long> seqs) {
        for (long seq : seqs) {
            add(seq);
        }
    }

    /** Takes the first sequence due; the queue must not be empty. */
    long takeFirst() {
        long seq = order.removeFirst();
        queued.remove(seq);
        return seq;
    }

    /** Puts {@code seq} back at the front (it was taken and could not be delivered now). */
    void putBackFirst(long seq) {
        if (queued.add(seq)) {
            order.addFirst(seq);
        }
    }

    void remove(long seq) {
        if (!queued.isEmpty() && queued.remove(seq)) {
            order.remove(seq);
        }
    }

    /** Removes every sequence up to and including {@code seq} (an ack of all below it). */
    void removeUpTo(long seq) {
        if (queued.isEmpty()) {
            return;
        }
        order.removeIf(x -> x <= seq);
        queued.removeIf(x -> x <= seq);
    }

    /** Removes every sequence below {@code seq}, the others kept in their order (a purge moved the consumer to it). */
    void removeBelow(long seq) {
        if (queued.isEmpty()) {
            return;
        }
        order.removeIf(x -> x < seq);
        queued.removeIf(x -> x < seq);
    }

    void clear() {
        order.clear();
        queued.clear();
    }
}
