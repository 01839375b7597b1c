package io.jetstart.core.store;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.StreamConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What happens once all of a stream's consumers are loaded (spec 5.3, 5.4): the interest sweep for
 * interest streams, the pending check, and the numbers {@code CONSUMER.INFO} reports.
 *
 * <p>Where the server lines differ, the {@link ServerLine} decides (docs/compatibility.md, "Rules
 * by server line"): 2.9's interest purge below the lowest ack floor, or the walk of 2.10+ (past
 * the ack floor only from 2.11.12 / 2.12.3); 2.10's drifted ack floor ({@link AckFloorDrift});
 * whether {@code num_redelivered} hides redeliveries at {@code max_deliver} 1 (2.11.4+).
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
        ConsumerLoader.checkTogether(s, loaded);
        settle(s, loaded);
        return failed;
    }

    /** Settles with the line this stream's own meta.inf suggests (2.9, else the newest line). */
    public static List<ConsumerInfo> settle(StreamStore s, List<RestoredConsumer> consumers)
            throws StoreException, InterruptedException {
        return settle(s, consumers, s.config.writtenByLegacyServer() ? ServerLine.V2_9 : ServerLine.NEWEST);
    }

    /** Settles the way {@code line} does after a restart. */
    public static List<ConsumerInfo> settle(StreamStore s, List<RestoredConsumer> consumers, ServerLine line)
            throws StoreException, InterruptedException {
        return settle(s, consumers, line, true);
    }

    /**
     * As {@link #settle(StreamStore, List, ServerLine)}; without {@code interestSweep} an interest
     * stream keeps the messages its loaded consumers acknowledged (for a writer, when a consumer
     * could not be loaded and may still need them).
     */
    public static List<ConsumerInfo> settle(StreamStore s, List<RestoredConsumer> consumers, ServerLine line, boolean interestSweep)
            throws StoreException, InterruptedException {
        return settle(s, consumers, line, interestSweep, StreamStore.RemovalSink.NONE);
    }

    /**
     * As {@link #settle(StreamStore, List, ServerLine, boolean)}, telling {@code removed} about each
     * message the interest sweep takes: for a writer, {@link StreamStore#removalsForWriter}, whose
     * tombstones make the removals outlive {@code index.db}, as the server's do.
     */
    public static List<ConsumerInfo> settle(StreamStore s, List<RestoredConsumer> consumers, ServerLine line, boolean interestSweep,
                                            StreamStore.RemovalSink removed) throws StoreException, InterruptedException {
        if (interestSweep && s.config.retention() == StreamConfig.Retention.INTEREST && !consumers.isEmpty()) {
            if (line.purgesInterestBelowLowestAckFloor()) {
                legacyInterestPurge(s, consumers, removed);
            } else {
                interestWalk(s, consumers, line.interestWalkPassesAckFloor(), removed);
            }
        }
        List<ConsumerInfo> out = new ArrayList<>(consumers.size());
        for (RestoredConsumer c : consumers) {
            ConsumerLoader.checkPending(s, c);
            if (line.reportsDriftedAckFloor()) {
                AckFloorDrift.apply(s, c);
            }
            long numRedelivered = line.hidesRedeliveriesAtMaxDeliverOne() && c.config.maxDeliver() == 1 ? 0
                    : c.redelivered.size();
            out.add(new ConsumerInfo(c.name, c.config, c.delivered(), c.ackFloor(), c.pending.size(), numRedelivered,
                    numPending(s, c), c.problems(), c.doubt(), c.serverSkips));
        }
        return out;
    }

    /**
     * nats-server checkStateForInterestStream for each consumer, then ackMsg per walked seq. With
     * {@code pastFloor} (2.11.12+ / 2.12.3+) the walk acks the non-pending messages up to the
     * delivered sequence too; before, only up to the ack floor (the later walk acked only what the
     * consumer itself still needed, which ackMsg then kept).
     */
    private static void interestWalk(StreamStore s, List<RestoredConsumer> consumers, boolean pastFloor, StreamStore.RemovalSink removed)
            throws StoreException, InterruptedException {
        long walkEnd = 0;
        for (RestoredConsumer c : consumers) {
            if (c.ackFloorStream > s.lastSeq) {
                c.problems.add(Problem.warning(c.dir.resolve("o.dat"), "Detected consumer '" + s.account + " > " + s.name
                        + " > " + c.name + "' ack floor " + c.ackFloorStream + " is ahead of stream's last sequence " + s.lastSeq));
                continue;
            }
            walkEnd = Math.max(walkEnd, c.pending.isEmpty() || !pastFloor ? c.ackFloorStream : c.deliveredStream);
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
                long cEnd = c.pending.isEmpty() || !pastFloor ? c.ackFloorStream : c.deliveredStream;
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
        }, removed, MissingBlocks.At.upTo("interest check", end));
    }

    /**
     * nats-server 2.9.7–2.9.15 checkForOrphanMsgs: purge everything below the lowest ack floor + 1,
     * then every consumer's pending map is cleared and a floor below the new first is raised, with
     * its consumer half jumping to the delivered consumer sequence (checked against real 2.9.10).
     */
    private static void legacyInterestPurge(StreamStore s, List<RestoredConsumer> consumers, StreamStore.RemovalSink removed)
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
                seq < cut ? StreamStore.Decision.REMOVE : StreamStore.Decision.STOP, removed);
        long newFirst = s.msgs == 0 ? Math.max(cut, s.firstSeq) : s.firstSeq;
        for (RestoredConsumer c : consumers) {
            if (c.ackFloorStream < newFirst) {
                c.ackFloorConsumer = c.deliveredConsumer;
                c.ackFloorStream = newFirst - 1;
            }
            c.pending.clear();
        }
    }

    /**
     * The matching messages of missing blocks nats-server 2.10 counts into a filtered num_pending from
     * its subject totals ({@link MissingBlocks}): its {@code NumPending}, where the start lies in the
     * first half of the blocks, takes the totals of the matching subjects and subtracts what it reads
     * before the start, so a missing block after the start counts with the messages the totals keep
     * for it (measured on 2.10.27: LIM of the 2.10.27 s2 store without 4.blk, a consumer filtered on
     * lim.1 delivered to 751: 182, the 61 of 4.blk included). Elsewhere 2.10 reads the block, which
     * fails and drops it; that is not followed here (0 is added).
     */
    private static long countedByTotalsOnly(StreamStore s, SubjectFilter filter, long from) throws StoreException, InterruptedException {
        if (!s.trustsMissingBlocks) {
            return 0;
        }
        int held = 0;
        int startAt = -1;
        for (BlockState b : s.blocks) {
            if (b.msgs == 0 && !b.heldEmpty && b != s.blocks.get(s.blocks.size() - 1)) {
                continue; // emptied blocks the server no longer lists
            }
            if (b.fileMissing && b.firstSeq < from && b.msgs > 0) {
                return 0; // read by the server's walk before the start: not followed
            }
            if (startAt < 0 && b.lastSeq >= from) {
                startAt = held;
            }
            held++;
        }
        if (startAt < 0 || startAt >= held / 2) {
            return 0;
        }
        long totals = 0;
        for (Map.Entry<String, SubjectTotals> e : s.psim.entrySet()) {
            if (filter.matches(e.getKey())) {
                totals += e.getValue().total;
            }
        }
        long[] readable = {0};
        s.forEachLive(s.firstSeq, (seq, ts, subject, buf, ho, hl, po, pl, rl) -> {
            if (filter.matches(subject)) {
                readable[0]++;
            }
            return true;
        });
        return Math.max(0, totals - readable[0]);
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
            n = count[0] + countedByTotalsOnly(s, c.filter, from);
        }
        return Math.min(n, Math.min(s.msgs, s.lastSeq - sseq + 1));
    }
}
