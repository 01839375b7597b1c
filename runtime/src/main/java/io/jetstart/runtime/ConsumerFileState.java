package io.jetstart.runtime;

import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.format.SequencePair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A consumer's file-store state, what nats-server's {@code consumerFileStore} keeps and writes to
 * {@code o.dat}: delivered and ack floor (consumer and stream sequence), the pending messages with
 * the time it records, and the redelivery counts; {@code CONSUMER.INFO} reports its delivered and
 * ack floor. Its rules ({@code UpdateDelivered}, {@code UpdateAcks}) differ slightly from the
 * consumer's own (see {@link PullConsumer}), which is why both copies are kept. Not thread-safe:
 * the consumer's lock guards it.
 */
final class ConsumerFileState {
    private long delC;
    private long delS;
    private long ackC;
    private long ackS;
    private final SequenceMap<PendingMessage> pending = new SequenceMap<>();
    private final SequenceMap<Long> redelivered = new SequenceMap<>();

    /** A new consumer that starts at stream sequence {@code sseq} (SetStarting(sseq - 1)). */
    void start(long sseq) {
        delS = sseq - 1;
        ackS = sseq - 1;
    }

    /**
     * A consumer recovery restored, as nats-server's {@code consumerFileStore} loads it: the
     * delivered and ack floor given (o.dat's own, or what recovery reconciled it to when it was
     * ahead of its stream), and every pending entry and redelivery count of its {@code o.dat}
     * ({@code file}, may be null), the store's copy keeps them all as the file has them;
     * {@code upTo} (when not 0) leaves out those past it (the reconciled delivered sequence). What
     * the consumer then makes of them (checkRedelivered, checkPending) is {@link ConsumerDelivery}'s.
     */
    void restore(SequencePair delivered, SequencePair ackFloor, ConsumerState file, long upTo) {
        delC = delivered.consumerSeq();
        delS = delivered.streamSeq();
        ackC = ackFloor.consumerSeq();
        ackS = ackFloor.streamSeq();
        if (file == null) {
            return;
        }
        for (ConsumerState.Pending p : file.pending()) {
            if (upTo == 0 || p.streamSeq() <= upTo) {
                pending.put(p.streamSeq(), new PendingMessage(p.consumerSeq(), p.timestampNanos()));
            }
        }
        for (ConsumerState.Redelivery r : file.redelivered()) {
            if (upTo == 0 || r.streamSeq() <= upTo) {
                redelivered.put(r.streamSeq(), r.count());
            }
        }
    }

    /** UpdateDelivered; true when the state changed. */
    boolean updateDelivered(ConsumerSettings s, long d, long sq, long dc, long ts) {
        if (s.ackPolicy() == ConsumerSettings.AckPolicy.NONE) {
            if (dc != 1) {
                return false;
            }
            if (d > delC) {
                delC = d;
                ackC = d;
            }
            if (sq > delS) {
                delS = sq;
                ackS = sq;
            }
            return true;
        }
        if (d <= ackC) {
            return false;
        }
        if (sq <= delS) {
            PendingMessage p = pending.get(sq);
            if (p != null) {
                p.ts = ts;
            }
        } else {
            pending.put(sq, new PendingMessage(d, ts));
        }
        delC = Math.max(delC, d);
        delS = Math.max(delS, sq);
        if (dc > 1) {
            if (s.maxDeliver() > 0 && dc > s.maxDeliver()) {
                pending.remove(sq);
            }
            Long had = redelivered.get(sq);
            if (had == null || had < dc - 1) {
                redelivered.put(sq, dc - 1);
            }
        }
        return true;
    }

    /** UpdateAcks; true when the state changed. */
    boolean updateAcks(ConsumerSettings s, long d, long sq) {
        boolean changed = redelivered.remove(sq) != null;
        if (d <= ackC) {
            return changed;
        }
        if (pending.isEmpty() || !pending.containsKey(sq)) {
            return changed;
        }
        if (s.ackPolicy() == ConsumerSettings.AckPolicy.ALL) {
            ackC = d;
            ackS = sq;
            pending.removeUpTo(sq, redelivered::remove);
            return true;
        }
        PendingMessage p = pending.remove(sq);
        if (p != null && d > p.dseq && p.dseq > 0) {
            d = p.dseq;
        }
        if (pending.isEmpty()) {
            ackC = delC;
            ackS = delS;
        } else if (d == ackC + 1) {
            ackC = d;
            ackS = sq;
            if (delC > d) {
                long ss = pending.higherKey(sq);
                if (ss >= 0 && ss <= delS) {
                    PendingMessage q = pending.get(ss);
                    if (q.dseq > 0) {
                        ackC = q.dseq - 1;
                        ackS = ss - 1;
                    }
                }
            }
        }
        return true;
    }

    /** The store takes the consumer's view of itself ({@link #update} once it accepts it). */
    private void take(SequencePair delivered, SequencePair ackFloor, SequenceMap<PendingMessage> consumerPending,
                      SequenceMap<Long> consumerRedelivered) {
        delC = delivered.consumerSeq();
        delS = delivered.streamSeq();
        ackC = ackFloor.consumerSeq();
        ackS = ackFloor.streamSeq();
        pending.clear();
        // Loops, not forEach(lambda): a consumer's restore can come here (its checks dropped an
        // entry), on the way of the first stream with consumers (see copyPendingTo).
        for (long k : consumerPending.keys()) {
            PendingMessage p = consumerPending.get(k);
            pending.put(k, new PendingMessage(p.dseq, p.ts));
        }
        redelivered.clear();
        for (long k : consumerRedelivered.keys()) {
            redelivered.put(k, consumerRedelivered.get(k));
        }
    }

    /**
     * consumerFileStore.Update, as a purge calls it: the consumer's state replaces this one unless
     * it is inconsistent (an ack floor above delivered, a pending message outside them) or older
     * (delivered consumer sequence or ack floor stream sequence below this one's); true when taken.
     */
    boolean update(SequencePair delivered, SequencePair ackFloor, SequenceMap<PendingMessage> consumerPending,
                   SequenceMap<Long> consumerRedelivered) {
        if (ackFloor.consumerSeq() > delivered.consumerSeq() || ackFloor.streamSeq() > delivered.streamSeq()) {
            return false;
        }
        for (long k : consumerPending.keys()) {
            if (k <= ackFloor.streamSeq() || k > delivered.streamSeq()) {
                return false;
            }
        }
        if (delivered.consumerSeq() < delC || ackFloor.streamSeq() < ackS) {
            return false;
        }
        take(delivered, ackFloor, consumerPending, consumerRedelivered);
        return true;
    }

    /** RemoveRedeliveredBelow: the redelivery counts below {@code seq} go; true when any did. */
    boolean removeRedeliveredBelow(long seq) {
        boolean removed = false;
        for (long k : redelivered.keys()) {
            if (k < seq) {
                redelivered.remove(k);
                removed = true;
            }
        }
        return removed;
    }

    /** The redelivery count of {@code seq} goes (UpdateAcks with no delivered sequence). */
    void removeRedelivered(long seq) {
        redelivered.remove(seq);
    }

    /** The pending entries, for the consumer to take as its own after a restore (copies). */
    void copyPendingTo(SequenceMap<PendingMessage> to) {
        // Loops, not forEach(lambda): run at every consumer's restore, on the way of the first
        // stream with consumers, where a fresh JVM would spin a lambda's class at run time.
        for (long k : pending.keys()) {
            PendingMessage p = pending.get(k);
            to.put(k, new PendingMessage(p.dseq, p.ts));
        }
    }

    /** The redelivery counts, for the consumer to take as its own after a restore. */
    void copyRedeliveredTo(SequenceMap<Long> to) {
        for (long k : redelivered.keys()) {
            to.put(k, redelivered.get(k));
        }
    }

    SequencePair delivered() {
        return new SequencePair(delC, delS);
    }

    SequencePair ackFloor() {
        return new SequencePair(ackC, ackS);
    }

    /** The {@code o.dat} bytes, with the pending times' base taken from {@code now} (wall nanos). */
    byte[] encode(long now) {
        List<ConsumerState.Pending> p = new ArrayList<>(pending.size());
        pending.forEach((k, v) -> {
            if (k > ackS && k <= delS) {
                p.add(new ConsumerState.Pending(k, v.dseq, v.ts));
            }
        });
        List<ConsumerState.Redelivery> r = new ArrayList<>(redelivered.size());
        redelivered.forEach((k, v) -> r.add(new ConsumerState.Redelivery(k, v)));
        long base = p.isEmpty() ? 0 : ConsumerStateCodec.baseSecondsAt(Instant.ofEpochSecond(0, now));
        long floorC = Math.min(ackC, delC);
        long floorS = Math.min(ackS, delS);
        return ConsumerStateCodec.encode(new ConsumerState(2, new SequencePair(delC, delS), new SequencePair(floorC, floorS),
                base, p, r));
    }
}
