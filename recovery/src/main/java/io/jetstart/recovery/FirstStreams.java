package io.jetstart.recovery;

import io.jetstart.core.layout.StreamDir;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The streams a recovery brings back first, and the wait of every other stream for them: the
 * streams named in {@link RecoveryOptions#firstStreams()} and, with
 * {@link RecoveryOptions#smallFirst()}, the smallest streams of the store (each at most
 * {@link #SMALL_MAX_BYTES} of blocks, together at most {@link #SMALL_SHARE_PERCENT} % of the store's,
 * smallest first). The other streams' tasks start only when every first stream's task has finished
 * (its stream handed over, or failed, or cancelled).
 *
 * <p>Design note: ordering alone did not make a small stream ready early. Stream and block tasks are
 * virtual threads, which are not time-sliced: with the big streams' block scans runnable on both
 * carriers of a 2-core machine, the small stream's next step (after each disk read, each park at the
 * gate) waited behind them, and a stream of 10 messages was served after 0.6-2.5 s of a 2-3.5 s
 * open in a fresh JVM (its own work: about 70 ms). Holding the others back costs the whole recovery
 * only the first streams' own time, which the share cap keeps small; what the first streams load
 * (classes, the checksum) the others need anyway.
 */
final class FirstStreams {
    /** The largest stream chosen as small: four of nats-server's largest blocks. */
    static final long SMALL_MAX_BYTES = 32L << 20;
    /** The share of the store's block bytes the small streams may have together. */
    static final int SMALL_SHARE_PERCENT = 1;

    private final Map<StreamDir, Boolean> first;
    private final CountDownLatch pending;
    private final boolean wait;

    private FirstStreams(Map<StreamDir, Boolean> first, boolean wait) {
        this.first = first;
        this.pending = new CountDownLatch(first.size());
        this.wait = wait;
    }

    /**
     * @param wait whether the others wait for the first ones (false when tasks run one at a time
     *             in plan order anyway)
     */
    static FirstStreams choose(List<StreamDir> streams, Set<String> named, boolean smallFirst, boolean wait) {
        long total = 0;
        for (StreamDir sd : streams) {
            total += sd.blockBytes();
        }
        return choose(streams, named, smallFirst, wait, total, 0);
    }

    /**
     * As {@link #choose(List, Set, boolean, boolean)}, for {@code streams} that are part of a store
     * of {@code storeBytes} block bytes whose small streams started early hold {@code takenBytes} of
     * the share already ({@link NamedFirstStart} after {@code StoreLayout.findSmall}).
     */
    static FirstStreams choose(List<StreamDir> streams, Set<String> named, boolean smallFirst, boolean wait, long storeBytes,
                               long takenBytes) {
        Map<StreamDir, Boolean> first = new IdentityHashMap<>();
        for (StreamDir sd : streams) {
            if (named.contains(sd.name())) {
                first.put(sd, Boolean.TRUE);
            }
        }
        if (smallFirst) {
            long budget = storeBytes / 100 * SMALL_SHARE_PERCENT;
            List<StreamDir> bySize = new ArrayList<>(streams);
            bySize.sort(BySize.INSTANCE);
            long taken = takenBytes;
            for (StreamDir sd : bySize) {
                if (sd.blockBytes() > SMALL_MAX_BYTES || taken + sd.blockBytes() > budget) {
                    break;
                }
                taken += sd.blockBytes();
                first.put(sd, Boolean.TRUE);
            }
        }
        if (first.size() == streams.size()) {
            // Nobody would wait: all of them are first, which is none.
            first.clear();
        }
        return new FirstStreams(first, wait);
    }

    /** No first streams and no wait: for the streams started before discovery, which are first by being started. */
    static FirstStreams none() {
        return new FirstStreams(new IdentityHashMap<>(), false);
    }

    boolean isFirst(StreamDir sd) {
        return first.containsKey(sd);
    }

    boolean any() {
        return !first.isEmpty();
    }

    /**
     * The plan's order: the first streams, then longest-processing-time first (the biggest stream
     * must not start last); by account and name among equals.
     */
    Comparator<StreamDir> order() {
        return new Order();
    }

    // Loops and named comparators rather than a pipeline and lambdas: the plan is made before the
    // first stream's fork, where a fresh JVM would spin each lambda's class at run time (package-info).

    /** Smallest first. */
    private static final class BySize implements Comparator<StreamDir> {
        static final BySize INSTANCE = new BySize();

        @Override
        public int compare(StreamDir a, StreamDir b) {
            return Long.compare(a.blockBytes(), b.blockBytes());
        }
    }

    /** {@link #order()}. */
    private final class Order implements Comparator<StreamDir> {
        @Override
        public int compare(StreamDir a, StreamDir b) {
            // First streams (not first = false sorts before true), then the largest, then by account and name.
            int c = Boolean.compare(!isFirst(a), !isFirst(b));
            if (c == 0) {
                c = Long.compare(b.blockBytes(), a.blockBytes());
            }
            if (c == 0) {
                c = a.account().compareTo(b.account());
            }
            return c != 0 ? c : a.name().compareTo(b.name());
        }
    }

    /** Called by a stream's task before it starts: returns at once for a first stream. */
    void awaitTurn(StreamDir sd) throws InterruptedException {
        if (wait && !isFirst(sd)) {
            pending.await();
        }
    }

    /** Called once by each stream's task when it ends, whatever its outcome. */
    void finished(StreamDir sd) {
        if (isFirst(sd)) {
            pending.countDown();
        }
    }
}
