package io.jetstart.core.store;

import io.jetstart.core.meta.StreamConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What happens once all of a stream's consumers are loaded (spec 5.3, 5.4): the interest sweep for
 * interest streams, the pending check, and the numbers {@code CONSUMER.INFO} reports.
 *
 * <p>Two sweeps exist. Stores written by nats-server 2.9 (recognised by their meta.inf key set)
 * get 2.9's rule: purge below the lowest ack floor, clear every pending map. Everything else gets
 * the 2.12.3+ walk: a message that a consumer has acked and no consumer still needs is removed.
 */
public final class ConsumerSettlement {
    private ConsumerSettlement() {
    }

    /**
     * Loads the named consumers of {@code s} one after the other and {@link #settle settles} those
     * that load: what a startup does with a stream's consumers, for tools and embedders that open
     * one stream on one thread (recovery loads them in parallel instead).
     *
     * @return the problem of each consumer that could not be loaded (it takes no part in the
     *         settlement, as in a recovery)
     */
    public static List<Problem> loadAndSettle(StreamStore s, List<String> consumerNames)
            throws StoreException, InterruptedException {
        List<RestoredConsumer> loaded = new ArrayList<>();
        List<Problem> failed = new ArrayList<>();
        for (String c : consumerNames) {
            try {
                loaded.add(ConsumerLoader.load(s, c));
            } catch (StoreException e) {
                failed.add(e.problem());
            }
        }
        settle(s, loaded);
        return failed;
    }

    public static List<ConsumerInfo> settle(StreamStore s, List<RestoredConsumer> consumers)
            throws StoreException, InterruptedException {
        if (s.config.retention() == StreamConfig.Retention.INTEREST && !consumers.isEmpty()) {
            if (s.config.writtenByLegacyServer()) {
                legacyInterestPurge(s, consumers);
            } else {
                interestWalk(s, consumers);
            }
        }
        List<ConsumerInfo> out = new ArrayList<>(consumers.size());
        for (RestoredConsumer c : consumers) {
            ConsumerLoader.checkPending(s, c);
            long numRedelivered = c.config.maxDeliver() == 1 ? 0 : c.redelivered.size();
            out.add(new ConsumerInfo(c.name, c.config, c.delivered(), c.ackFloor(), c.pending.size(), numRedelivered,
                    numPending(s, c), c.problems()));
        }
        return out;
    }

    /** nats-server 2.12.3+ checkStateForInterestStream for each consumer, then ackMsg per walked seq. */
    private static void interestWalk(StreamStore s, List<RestoredConsumer> consumers) throws StoreException, InterruptedException {
        long walkEnd = 0;
        for (RestoredConsumer c : consumers) {
            if (c.ackFloorStream > s.lastSeq) {
                c.problems.add(Problem.warning(c.dir.resolve("o.dat"), "Detected consumer '" + s.account + " > " + s.name
                        + " > " + c.name + "' ack floor " + c.ackFloorStream + " is ahead of stream's last sequence " + s.lastSeq));
                continue;
            }
            walkEnd = Math.max(walkEnd, c.pending.isEmpty() ? c.ackFloorStream : c.deliveredStream);
        }
        if (walkEnd < s.firstSeq || s.msgs == 0) {
            return;
        }
        long end = walkEnd;
        s.remove(List.copyOf(s.blocks), (seq, ts, subject, rl) -> {
            if (seq > end) {
                return StreamStore.Decision.STOP;
            }
            boolean acked = false;
            for (RestoredConsumer c : consumers) {
                if (c.ackFloorStream > s.lastSeq || !c.filter.matches(subject)) {
                    continue;
                }
                long cEnd = c.pending.isEmpty() ? c.ackFloorStream : c.deliveredStream;
                if (seq <= c.ackFloorStream || (seq <= cEnd && !c.pending.containsKey(seq))) {
                    acked = true;
                    break;
                }
            }
            if (!acked) {
                return StreamStore.Decision.KEEP;
            }
            for (RestoredConsumer c : consumers) {
                if (c.needs(seq, subject)) {
                    return StreamStore.Decision.KEEP;
                }
            }
            return StreamStore.Decision.REMOVE;
        });
    }

    /**
     * nats-server 2.9.7–2.9.15 checkForOrphanMsgs: purge everything below the lowest ack floor + 1,
     * then every consumer's pending map is cleared and a floor below the new first is raised, with
     * its consumer half jumping to the delivered consumer sequence (checked against real 2.9.10).
     */
    private static void legacyInterestPurge(StreamStore s, List<RestoredConsumer> consumers)
            throws StoreException, InterruptedException {
        long floor = Long.MAX_VALUE;
        for (RestoredConsumer c : consumers) {
            floor = Math.min(floor, c.ackFloorStream);
        }
        if (floor <= s.firstSeq) {
            return;
        }
        long cut = floor + 1;
        s.remove(List.copyOf(s.blocks), (seq, ts, subject, rl) ->
                seq < cut ? StreamStore.Decision.REMOVE : StreamStore.Decision.STOP);
        long newFirst = s.msgs == 0 ? Math.max(cut, s.firstSeq) : s.firstSeq;
        for (RestoredConsumer c : consumers) {
            if (c.ackFloorStream < newFirst) {
                c.ackFloorConsumer = c.deliveredConsumer;
                c.ackFloorStream = newFirst - 1;
            }
            c.pending.clear();
        }
    }

    /** num_pending (spec 5.4): matching live messages not yet delivered. */
    static long numPending(StreamStore s, RestoredConsumer c) throws StoreException, InterruptedException {
        long sseq = c.deliveredStream + 1;
        if (sseq > s.lastSeq || s.msgs == 0) {
            return 0;
        }
        long from = Math.max(sseq, s.firstSeq);
        long n;
        if ("last_per_subject".equals(c.config.deliverPolicy())) {
            java.util.Map<String, Long> lastBySubject = new java.util.HashMap<>();
            s.forEachLive(s.firstSeq, (seq, ts, subject, buf, ho, hl, po, pl, rl) -> {
                if (c.filter.matches(subject)) {
                    lastBySubject.put(subject, seq);
                }
                return true;
            });
            n = lastBySubject.values().stream().filter(last -> last >= sseq).count();
        } else if (c.filter.matchesAll()) {
            n = s.liveInRange(from, s.lastSeq);
        } else {
            long[] count = {0};
            s.forEachLive(from, (seq, ts, subject, buf, ho, hl, po, pl, rl) -> {
                if (c.filter.matches(subject)) {
                    count[0]++;
                }
                return true;
            });
            n = count[0];
        }
        return Math.min(n, Math.min(s.msgs, s.lastSeq - sseq + 1));
    }
}
