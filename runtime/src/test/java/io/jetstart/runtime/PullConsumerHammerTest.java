package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.store.ConsumerInfo;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.recovery.ConsumerOutcome;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.StoreRecovery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pull consumers under load: publishers on virtual threads, four fetchers on one durable
 * explicit-ack consumer answering at random (ack, nak with and without delay, term, in progress,
 * nothing, so the short ack wait redelivers; now and then a late ack of a message left earlier),
 * a filtered second consumer (not on a work queue, where it would overlap), purges, consumer updates
 * and pauses landing meanwhile. Both consumers have a small {@code max_deliver} (C's drawn from the
 * seed, 2 to 4; F's 3), which messages left to the ack wait reach. Invariants: a delivery (message,
 * delivery count) reaches one fetcher only; no message is delivered more than {@code max_deliver}
 * times; consumer sequences are 1..delivered with no gap or repeat; a message whose ack has returned
 * is never delivered again. Once quiet, the consumers are drained (waits past the ack wait and
 * fetches left unanswered, until nothing is pending: every message not acknowledged has then reached
 * {@code max_deliver}, and left the pending list as nats-server's {@code getNextMsg} drops it), and
 * the status agrees with what the fetchers saw; after each fetch of the drain (and of the last
 * deliveries before the close) the last delivery's {@code pending} is the consumer's num_pending
 * then, and the count it keeps for it equals a recount; late acks of some of those messages then take their
 * redelivery counts and (interest, work queue) the messages, and move neither floor nor delivered,
 * as on nats-server 2.15.1 ({@code MaxDeliverIT}); the stream holds exactly what its retention says;
 * a message left pending at its last delivery by the close is not delivered again after the reopen;
 * and a reopen and a recovery of the files report the same consumer state.
 */
class PullConsumerHammerTest {
    private static final int PUBLISHERS = 16;
    private static final int PER_PUBLISHER = 60;
    private static final int FETCHERS = 4;
    private static final String FILTER = "h.3";
    /** Low enough that the fetchers meet it: deliveries of new messages then wait for acks. */
    private static final int MAX_ACK_PENDING = 40;
    /** Past the longest ack wait the consumers have (the updates set C's to 60-159 ms, F's is 100 ms). */
    private static final long QUIET_WAIT_MILLIS = 250;

    /** What one consumer's fetchers saw. */
    private static final class Seen {
        final String name;
        /** stream seq -> delivery counts seen. */
        final Map<Long, Set<Long>> deliveries = new ConcurrentHashMap<>();
        final Set<Long> consumerSeqs = ConcurrentHashMap.newKeySet();
        /** stream seq -> the clock when its ack (or term) returned. */
        final Map<Long, Long> acked = new ConcurrentHashMap<>();
        /** stream seq -> the last delivery count a fetcher saw, and the message's subject. */
        final Map<Long, Long> lastDelivery = new ConcurrentHashMap<>();
        final Map<Long, String> subjects = new ConcurrentHashMap<>();
        /** The newest delivery of each stream seq, for the late acks once quiet. */
        final Map<Long, ConsumedMessage> handles = new ConcurrentHashMap<>();
        /** Deliveries left to the ack wait, which a fetcher may ack late. */
        final ConcurrentLinkedQueue<ConsumedMessage> left = new ConcurrentLinkedQueue<>();
        final int maxDeliver;

        Seen(String name, int maxDeliver) {
            this.name = name;
            this.maxDeliver = maxDeliver;
        }
    }

    @org.junit.jupiter.api.io.TempDir
    Path root;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"limits", "workqueue", "interest"})
    void fetchersAcksPurgesUpdatesAndPausesKeepEveryConsumerInvariant(String retention) throws Exception {
        for (long seed : HammerRuns.seeds()) {
            round(retention, seed, Files.createTempDirectory(root, "r"));
        }
    }

    private static ConsumerConfig consumer(String name, String filter, long ackWaitMillis, int maxDeliver) throws Exception {
        String json = "{\"durable_name\":\"" + name + "\",\"ack_policy\":\"explicit\",\"ack_wait\":"
                + ackWaitMillis * 1_000_000L + ",\"max_deliver\":" + maxDeliver + ",\"max_ack_pending\":" + MAX_ACK_PENDING
                + (filter == null ? "" : ",\"filter_subject\":\"" + filter + "\"") + "}";
        return ConsumerConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private void round(String retention, long seed, Path dir) throws Exception {
        String at = retention + ", seed " + seed;
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicLong clock = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong purgeFloor = new AtomicLong();
        // Not new Random(seed).nextInt(3): the first draw of nearby seeds is nearly always the same.
        int maxDeliverC = 2 + (int) Math.floorMod(Long.rotateLeft(seed * 0x9E3779B97F4A7C15L, 29), 3L);
        System.out.println("[hammer] PullConsumerHammerTest " + at + ": C max_deliver " + maxDeliverC);
        Seen c = new Seen("C", maxDeliverC);
        Seen f = retention.equals("workqueue") ? null : new Seen("F", 3);
        ConsumerStatus atCloseC;
        ConsumerStatus atCloseF = null;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"H\",\"subjects\":[\"h.*\"],\"retention\":\""
                    + retention + "\"}"));
            PullConsumer pc = s.createConsumer(consumer("C", null, 100, c.maxDeliver));
            PullConsumer pf = f == null ? null : s.createConsumer(consumer("F", FILTER, 100, f.maxDeliver));
            List<Thread> publishers = new ArrayList<>();
            for (int p = 0; p < PUBLISHERS; p++) {
                int publisher = p;
                Random random = new Random(seed * 31 + p);
                publishers.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < PER_PUBLISHER; i++) {
                            s.publish("h." + random.nextInt(8), ("p" + publisher + "." + i).getBytes(StandardCharsets.UTF_8));
                            if (random.nextInt(8) == 0) {
                                Thread.sleep(random.nextInt(5));
                            }
                        }
                    } catch (Exception e) {
                        problems.add("publisher " + publisher + ": " + e);
                    }
                }));
            }
            List<Thread> others = new ArrayList<>();
            for (int i = 0; i < FETCHERS; i++) {
                others.add(fetcher(pc, c, new Random(seed + 100 + i), clock, running, problems));
            }
            if (pf != null) {
                others.add(fetcher(pf, f, new Random(seed + 200), clock, running, problems));
            }
            Random random = new Random(seed);
            others.add(Thread.ofVirtual().start(() -> {
                try {
                    int n = 0;
                    while (running.get()) {
                        Thread.sleep(20 + random.nextInt(30));
                        switch (n++ % 5) {
                            case 0 -> {
                                // Only prefix purges: what they remove is then everything below the
                                // stream's first sequence, which the checks below can name.
                                long last = s.info().lastSeq();
                                if (last > 20) {
                                    long upTo = last / 4 + random.nextInt((int) (last / 4));
                                    s.purge(new PurgeRequest(null, 0, upTo));
                                    purgeFloor.accumulateAndGet(upTo, Math::max);
                                }
                            }
                            case 1 -> s.updateConsumer(consumer("C", null, 60 + random.nextInt(100), c.maxDeliver));
                            case 2 -> {
                                pc.pause(Instant.now().plusMillis(10 + random.nextInt(30)));
                                if (random.nextBoolean()) {
                                    Thread.sleep(random.nextInt(10));
                                    pc.resume();
                                }
                            }
                            default -> {
                                ConsumerStatus st = pc.status();
                                if (st.numAckPending() > MAX_ACK_PENDING) {
                                    problems.add(st.numAckPending() + " pending acks past max_ack_pending " + MAX_ACK_PENDING);
                                }
                                if (st.ackFloor().streamSeq() > st.delivered().streamSeq()) {
                                    problems.add("ack floor " + st.ackFloor() + " past delivered " + st.delivered());
                                }
                            }
                        }
                    }
                } catch (Exception e) {
                    problems.add("purger/updater: " + e);
                }
            }));
            for (Thread t : publishers) {
                t.join();
            }
            // Let the fetchers work through the redeliveries for a while after the last publish.
            Thread.sleep(300);
            running.set(false);
            for (Thread t : others) {
                t.join();
            }
            if (pc.status().paused()) {
                pc.resume();
            }
            assertThat(problems).as(at).isEmpty();
            drain(pc, c, at);
            if (pf != null) {
                drain(pf, f, at);
            }
            checkQuiet(s, pc.status(), c, at);
            if (pf != null) {
                checkQuiet(s, pf.status(), f, at);
            }
            lateAcks(s, pc, c, new Random(seed + 300), at);
            if (pf != null) {
                lateAcks(s, pf, f, new Random(seed + 400), at);
            }
            // An ack hands its removal to the stream's writer and returns without waiting for it
            // (as the server's ack is not a request): the flush queues behind those removals.
            s.flush();
            checkRetention(s, retention, c, f, Math.max(1, purgeFloor.get()), at);
            atCloseF = pf == null ? null : pf.status();
            lastDeliveryPendingAtClose(s, pc, c, at);
            atCloseC = pc.status();
        }
        ConsumerStatus afterC;
        ConsumerStatus afterF = null;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("H").await(Duration.ofSeconds(30));
            assertSameState(s.consumerInfo("C"), atCloseC, c, "reopened, " + at);
            if (atCloseF != null) {
                assertSameState(s.consumerInfo("F"), atCloseF, f, "reopened, " + at);
            }
            // Past the ack wait, nothing at max_deliver comes again: the message left pending at its
            // last delivery leaves the pending list at this fetch (as on 2.15.1 restarted, MaxDeliverIT).
            // Fetches until the ack-wait check has run (a loaded machine may run it late).
            for (int i = 0; i < 40 && s.consumerInfo("C").numAckPending() > 0; i++) {
                Thread.sleep(QUIET_WAIT_MILLIS);
                assertThat(s.consumer("C").fetch(1000, 0, Duration.ZERO)).as("C after the reopen, " + at).isEmpty();
            }
            afterC = s.consumerInfo("C");
            assertThat(afterC.numAckPending()).as("C after the reopen, " + at).isZero();
            if (atCloseF != null) {
                assertThat(s.consumer("F").fetch(1000, 0, Duration.ZERO)).as("F after the reopen, " + at).isEmpty();
                afterF = s.consumerInfo("F");
                assertSameState(afterF, atCloseF, f, "F after the reopen and a fetch, " + at);
            }
        }
        // As the newest server line sees the files: the runtime reports the stored ack floor, where
        // 2.10.0-2.10.28 raise a floor the stream's first sequence left 50 behind (AckFloorDrift).
        var report = StoreRecovery.recover(dir, RecoveryOptions.defaults().withServerLine(ServerLine.NEWEST));
        for (ConsumerStatus expected : afterF == null ? List.of(afterC) : List.of(afterC, afterF)) {
            ConsumerInfo info = report.streams().getFirst().consumers().stream()
                    .filter(o -> o instanceof ConsumerOutcome.Restored r && r.info().name().equals(expected.name()))
                    .map(o -> ((ConsumerOutcome.Restored) o).info()).findFirst().orElseThrow();
            String as = "recovered " + expected.name() + ", " + at;
            assertThat(info.delivered()).as(as).isEqualTo(expected.delivered());
            assertThat(info.ackFloor()).as(as).isEqualTo(expected.ackFloor());
            assertThat(info.numAckPending()).as(as).isEqualTo(expected.numAckPending());
            assertThat(info.numRedelivered()).as(as).isEqualTo(expected.numRedelivered());
            assertThat(info.numPending()).as(as).isEqualTo(expected.numPending());
        }
    }

    private static Thread fetcher(PullConsumer consumer, Seen seen, Random random, AtomicLong clock, AtomicBoolean running,
                                  ConcurrentLinkedQueue<String> problems) {
        return Thread.ofVirtual().start(() -> {
            try {
                while (running.get()) {
                    long started = clock.incrementAndGet();
                    List<ConsumedMessage> got = consumer.fetch(1 + random.nextInt(10), 0,
                            Duration.ofMillis(random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(40)));
                    for (ConsumedMessage m : got) {
                        long seq = m.streamSeq();
                        if (!seen.consumerSeqs.add(m.consumerSeq())) {
                            problems.add(seen.name + ": consumer sequence " + m.consumerSeq() + " delivered twice");
                        }
                        if (!seen.deliveries.computeIfAbsent(seq, k -> ConcurrentHashMap.newKeySet()).add(m.deliveries())) {
                            problems.add(seen.name + ": " + seq + " delivered twice with count " + m.deliveries());
                        }
                        if (m.deliveries() > seen.maxDeliver) {
                            problems.add(seen.name + ": " + seq + " delivered " + m.deliveries() + " times, max_deliver "
                                    + seen.maxDeliver);
                        }
                        Long ackedAt = seen.acked.get(seq);
                        if (ackedAt != null && ackedAt < started) {
                            problems.add(seen.name + ": " + seq + " delivered again (count " + m.deliveries()
                                    + ") after its ack returned");
                        }
                        seen.subjects.put(seq, m.subject());
                        seen.lastDelivery.merge(seq, m.deliveries(), Math::max);
                        seen.handles.merge(seq, m, (a, b) -> a.deliveries() >= b.deliveries() ? a : b);
                        answer(m, seen, random, clock);
                    }
                }
            } catch (Exception e) {
                problems.add(seen.name + " fetcher: " + e);
            }
        });
    }

    private static void answer(ConsumedMessage m, Seen seen, Random random, AtomicLong clock) {
        int roll = random.nextInt(100);
        if (roll < 5) {
            // A late ack: of a delivery left to the ack wait earlier (still pending, queued again,
            // redelivered since, or past max_deliver), as a slow client's ack arrives.
            ConsumedMessage old = seen.left.poll();
            if (old != null) {
                old.ack();
                seen.acked.putIfAbsent(old.streamSeq(), clock.incrementAndGet());
            }
            seen.left.add(m);
            return;
        }
        if (roll < 55) {
            m.ack();
        } else if (roll < 62) {
            m.term();
        } else if (roll < 70) {
            m.inProgress();
            m.ack();
        } else if (roll < 78) {
            m.nak();
            return;
        } else if (roll < 84) {
            m.nak(Duration.ofMillis(1 + random.nextInt(30)));
            return;
        } else {
            seen.left.add(m); // left to the ack wait
            return;
        }
        seen.acked.putIfAbsent(m.streamSeq(), clock.incrementAndGet());
    }

    /**
     * Once nothing else runs: waits past the ack wait and fetches until nothing is pending or left
     * to deliver. A redelivery is left unanswered, so every message not acknowledged reaches
     * {@code max_deliver}; three in four first deliveries are acked (else the messages the fetchers
     * did not reach would take max_deliver rounds each, 40 at a time under max_ack_pending).
     */
    private static void drain(PullConsumer pc, Seen seen, String at) throws Exception {
        Random random = new Random(seen.maxDeliver);
        for (int round = 0; round < 200; round++) {
            ConsumerStatus st = pc.status();
            if (st.numAckPending() == 0 && st.numPending() == 0) {
                return;
            }
            Thread.sleep(QUIET_WAIT_MILLIS);
            List<ConsumedMessage> got = pc.fetch(1000, 0, Duration.ZERO);
            quietPending(pc, got, seen.name + " draining, round " + round + ", " + at);
            for (ConsumedMessage m : got) {
                long seq = m.streamSeq();
                String as = seen.name + " draining: " + seq + " count " + m.deliveries() + ", " + at;
                assertThat(m.deliveries()).as("max_deliver " + seen.maxDeliver + ", " + as).isLessThanOrEqualTo(seen.maxDeliver);
                assertThat(seen.consumerSeqs.add(m.consumerSeq())).as("consumer sequence new, " + as).isTrue();
                assertThat(seen.deliveries.computeIfAbsent(seq, k -> ConcurrentHashMap.newKeySet()).add(m.deliveries()))
                        .as("delivery count new, " + as).isTrue();
                assertThat(seen.acked).as("not acked before, " + as).doesNotContainKey(seq);
                seen.subjects.put(seq, m.subject());
                seen.lastDelivery.merge(seq, m.deliveries(), Math::max);
                seen.handles.merge(seq, m, (a, b) -> a.deliveries() >= b.deliveries() ? a : b);
                if (m.deliveries() == 1 && random.nextInt(4) != 0) {
                    m.ack();
                    seen.acked.putIfAbsent(seq, Long.MAX_VALUE);
                }
            }
        }
        throw new AssertionError(seen.name + " still has messages pending after 200 rounds: " + pc.status() + ", " + at);
    }

    /**
     * At a quiet point (nothing publishes, removes or fetches): the last delivery's pending is the
     * consumer's num_pending now (what nats-server's ack reply carries, its {@code o.npc}; the status
     * counts it afresh), and the count the consumer keeps for it equals a recount.
     */
    private static void quietPending(PullConsumer pc, List<ConsumedMessage> got, String as) throws Exception {
        PullConsumer.KeptPending k = pc.keptPending();
        assertThat(k.kept()).as("kept num_pending against a recount, " + as).isEqualTo(k.recounted());
        if (!got.isEmpty()) {
            assertThat(got.getLast().pending()).as("the last delivery's pending, " + as).isEqualTo(pc.status().numPending());
        }
    }

    /**
     * Late acks, once drained, of about a third of the messages that reached max_deliver: as on
     * nats-server 2.15.1 (MaxDeliverIT), each takes its redelivery count (num_redelivered drops by
     * one), and neither delivered nor the ack floor moves; the stream's retention is checked after.
     */
    private static void lateAcks(JetStartStream s, PullConsumer pc, Seen seen, Random random, String at) throws Exception {
        ConsumerStatus before = pc.status();
        long first = s.info().firstSeq();
        int acked = 0;
        for (long seq : new TreeSet<>(seen.lastDelivery.keySet())) {
            if (seq >= first && !seen.acked.containsKey(seq) && random.nextInt(3) == 0) {
                seen.handles.get(seq).ack();
                seen.acked.put(seq, Long.MAX_VALUE);
                acked++;
            }
        }
        ConsumerStatus after = pc.status();
        String as = seen.name + " after " + acked + " late acks, " + at;
        assertThat(after.delivered()).as(as).isEqualTo(before.delivered());
        assertThat(after.ackFloor()).as(as).isEqualTo(before.ackFloor());
        assertThat(after.numAckPending()).as(as).isZero();
        // Each late ack takes the count its message still has (see checkQuiet: a purge may have taken it before).
        assertThat(after.numRedelivered()).as(as).isBetween(Math.max(0, before.numRedelivered() - acked), before.numRedelivered());
        checkQuiet(s, after, seen, at);
    }

    /**
     * A new message delivered max_deliver times to C, its last delivery left pending by the close
     * (on subject h.0, outside F's filter): after the reopen it must not come again.
     */
    private static void lastDeliveryPendingAtClose(JetStartStream s, PullConsumer pc, Seen seen, String at) throws Exception {
        long seq = s.publish("h.0", new byte[] {1}).seq();
        for (int count = 1; count <= seen.maxDeliver; count++) {
            // Waits for the redelivery (the ack wait), up to far more than it takes.
            List<ConsumedMessage> got = pc.fetch(1, 0, Duration.ofSeconds(10));
            assertThat(got).as("delivery " + count + " of " + seq + ", " + seen.name + ", " + at).hasSize(1);
            ConsumedMessage m = got.getFirst();
            assertThat(m.streamSeq() + "/" + m.deliveries()).as(seen.name + ", " + at).isEqualTo(seq + "/" + count);
            seen.consumerSeqs.add(m.consumerSeq());
            seen.lastDelivery.put(seq, m.deliveries());
            quietPending(pc, got, "delivery " + count + " of " + seq + ", " + seen.name + ", " + at);
        }
        assertThat(pc.status().numAckPending()).as(seen.name + " with " + seq + " at its last delivery, " + at).isEqualTo(1);
    }

    /** Once nothing runs: the status against what the fetchers saw. */
    private static void checkQuiet(JetStartStream s, ConsumerStatus st, Seen seen, String at) throws Exception {
        String as = seen.name + ", " + at;
        long delivered = st.delivered().consumerSeq();
        assertThat(seen.consumerSeqs).as("consumer sequences 1..delivered, " + as).hasSize((int) delivered);
        assertThat(seen.consumerSeqs.stream().mapToLong(Long::longValue).max().orElse(0)).as(as).isEqualTo(delivered);
        seen.deliveries.forEach((seq, counts) -> assertThat(new TreeSet<>(counts))
                .as("delivery counts of " + seq + " are 1..n, " + as).hasSize((int) (long) new TreeSet<>(counts).last()));
        long first = s.info().firstSeq();
        long redelivered = 0;
        for (Map.Entry<Long, Long> e : seen.lastDelivery.entrySet()) {
            if (e.getKey() >= first && !seen.acked.containsKey(e.getKey())) {
                // Drained: every message not acknowledged reached max_deliver and left the pending list.
                assertThat(e.getValue()).as("deliveries of unacked " + e.getKey() + ", " + as).isEqualTo(seen.maxDeliver);
                if (e.getValue() > 1) {
                    redelivered++;
                }
            }
        }
        assertThat(st.numAckPending()).as("ack pending, " + as).isZero();
        // At most: a purge that finds the consumer with nothing pending drops every redelivery count,
        // those of messages past max_deliver above the purge too (nats-server's consumer.purge resets
        // rdc; 2.15.1 then reports them as not redelivered), and which purge found it so the fetchers
        // cannot tell.
        assertThat(st.numRedelivered()).as("redelivered, " + as).isBetween(0L, redelivered);
        long pending = 0;
        for (StoredMessage m : s.nextBatch(Math.max(first, st.delivered().streamSeq() + 1), seen.name.equals("F") ? FILTER : ">",
                1_000_000)) {
            pending++;
        }
        assertThat(st.numPending()).as("pending, " + as).isEqualTo(pending);
        assertThat(st.ackFloor().streamSeq()).as(as).isLessThanOrEqualTo(st.delivered().streamSeq());
    }

    /**
     * What the stream holds from {@code first} (no purge reached it): limits keep everything; work
     * queues and interest streams exactly what not every consumer with interest acknowledged.
     */
    private static void checkRetention(JetStartStream s, String retention, Seen c, Seen f, long first, String at)
            throws Exception {
        long last = s.info().lastSeq();
        for (long seq = first; seq <= last; seq++) {
            boolean present = s.get(seq).isPresent();
            boolean expected = switch (retention) {
                case "limits" -> true;
                case "workqueue" -> !c.acked.containsKey(seq);
                default -> !(c.acked.containsKey(seq) && (!FILTER.equals(c.subjects.get(seq)) || f.acked.containsKey(seq)));
            };
            if (expected && retention.equals("interest") && heldOnlyAtMaxDeliver(seq, c, f)) {
                // Kept or not: a consumer holds a message past max_deliver by its redelivery count
                // (needAck), which a purge finding it with nothing pending resets (as on 2.15.1,
                // MaxDeliverIT: the messages at max_deliver then go at the next restart); the other
                // consumer's ack then removes it. Which purge found it so the fetchers cannot tell.
                continue;
            }
            long q = seq;
            assertThat(present).as(() -> "message " + q + " (" + c.subjects.get(q) + ") kept, C saw counts "
                    + c.deliveries.get(q) + (f == null ? "" : ", F saw " + f.deliveries.get(q) + " acked " + f.acked.containsKey(q))
                    + ", " + at).isEqualTo(expected);
        }
    }

    /**
     * Whether {@code seq}, on an interest stream, was acked by one interested consumer and is held
     * only by others whose deliveries of it reached max_deliver.
     */
    private static boolean heldOnlyAtMaxDeliver(long seq, Seen c, Seen f) {
        List<Seen> interested = FILTER.equals(c.subjects.get(seq)) && f != null ? List.of(c, f) : List.of(c);
        boolean someAcked = false;
        for (Seen x : interested) {
            if (x.acked.containsKey(seq)) {
                someAcked = true;
            } else if (x.lastDelivery.getOrDefault(seq, 0L) < x.maxDeliver) {
                return false;
            }
        }
        return someAcked;
    }

    private static String describe(ConsumerStatus s) {
        return "delivered " + s.delivered() + " ack floor " + s.ackFloor() + " ack pending " + s.numAckPending()
                + " redelivered " + s.numRedelivered() + " pending " + s.numPending();
    }

    /**
     * The state after a reopen against the state at the close. One redelivery count may be lost:
     * {@code o.dat} stores each as its distance from the ack floor's stream sequence, and
     * nats-server's decoder drops a distance of 0, so the count of a message at max_deliver that
     * sits exactly at the stored floor (the floor moves to just below the next pending message, past
     * those that left the pending list at max_deliver) is gone after a restart, on the server as in
     * the runtime ({@code ConsumerStateCodec}; seed 7681418267185020241: 461 at floor 309/461).
     */
    private static void assertSameState(ConsumerStatus now, ConsumerStatus atClose, Seen seen, String at) {
        String as = atClose.name() + ", " + at + " (then " + describe(atClose) + ", now " + describe(now) + ")";
        assertThat(now.delivered()).as(as).isEqualTo(atClose.delivered());
        assertThat(now.ackFloor()).as(as).isEqualTo(atClose.ackFloor());
        assertThat(now.numAckPending()).as(as).isEqualTo(atClose.numAckPending());
        assertThat(now.numPending()).as(as).isEqualTo(atClose.numPending());
        long atFloor = atClose.ackFloor().streamSeq();
        boolean countAtFloor = seen.lastDelivery.getOrDefault(atFloor, 0L) > 1 && !seen.acked.containsKey(atFloor);
        if (countAtFloor && now.numRedelivered() == atClose.numRedelivered() - 1) {
            return;
        }
        assertThat(now.numRedelivered()).as(as).isEqualTo(atClose.numRedelivered());
    }
}
