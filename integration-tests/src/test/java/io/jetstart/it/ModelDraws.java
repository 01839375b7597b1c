package io.jetstart.it;

import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.runtime.JetStartStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * What {@link RuntimeModelIT} does next, drawn from its seeded {@link Random}: what users do to a
 * stream, each kind with its share of the draws (out of 1000, below). The draws read the runtime's
 * state (its last sequence, a subject's last message) so that expectations are right about half
 * the time; they need not be right, since both sides get the same step.
 *
 * <p>Message ids come from the current <em>epoch</em>: {@link #newEpoch} starts one whenever the
 * duplicate window changes or passes (a max_age phase), because which ids a side still holds
 * then depends on when its window's timer ran, not on the operations.
 */
final class ModelDraws {
    /** Shares out of 1000 of the steps outside a max_age phase; the rest are publishes. */
    static final int READS = 150;
    static final int REMOVALS = 80;
    static final int PURGES = 90;
    static final int UPDATES = 45;
    static final int RESTARTS = 6;
    static final int AGE_PHASES = 4;

    /** The step that stands for a max_age phase, which {@link RuntimeModelIT} runs itself. */
    static final String AGE_PHASE = "age-phase";

    private final Random random;
    /**
     * Draws for nats-server 2.10.27 ({@link ModelLine}): nothing it lacks, and none of the steps whose
     * answer is one of its defects the runtime does not copy (each named where it is left out).
     */
    private final boolean v210;
    /**
     * 2.10 only: the subjects whose last message a {@code del} or {@code erase} removed since their
     * last publish and the server's last restart, and the one the step just drawn may add. 2.10.27's
     * {@code loadLast} takes a literal subject's last sequence from its block's subject state
     * without the recalculation a removal of that message asked for ({@code lastNeedsUpdate}; 2.11.2 and
     * later recalculate, commit 05d362fff), finds that message removed and so no message at all: a
     * {@code last} read of the subject answers 10037 and {@code Nats-Expected-Last-Subject-Sequence}
     * "wrong last sequence: 0" (seeds 3 and 4: m.1 held 94, 99 and 103, 103 erased, the expectation
     * 99 refused). Neither is drawn on such a subject (a wildcard read recalculates, and is drawn).
     */
    private final java.util.Set<String> staleLast = new java.util.HashSet<>();
    private String removingLastOf;
    /**
     * 2.10 only: the step after a restart is a publish with a new msg id. 2.10.27 rebuilds its
     * duplicate window from the stored messages at the first msg id it checks after its start
     * ({@code checkMsgId}: {@code if !mset.ddloaded { mset.rebuildDedupe() }}), 2.14+ and the runtime
     * as the stream starts: an id whose message a purge or a limit removed in between is a duplicate
     * to the runtime and new to 2.10.27 (seed 11: 54's id e0-4, its message purged after the restart,
     * published again: 54 duplicate from the runtime, stored as 76 by 2.10.27). With the new id first,
     * both rebuild from the same messages.
     */
    private boolean idAfterRestart;
    private int restartIds;
    private ModelLimits limits = ModelLimits.initial();
    private ModelLimits proposed;
    private int epoch;
    /** The ids published in this epoch, and the one the stream's last message carries as far as the model knows. */
    private final List<String> ids = new ArrayList<>();
    private String lastId = "";

    /** Draws for the 2.14+ line: every feature. */
    ModelDraws(Random random) {
        this(random, false);
    }

    /** Draws for {@code line}: on 2.10 nothing it lacks, nor what it answers otherwise than the runtime. */
    ModelDraws(Random random, ModelLine line) {
        this(random, line.v210());
    }

    private ModelDraws(Random random, boolean v210) {
        this.random = random;
        this.v210 = v210;
    }

    ModelLimits limits() {
        return limits;
    }

    Random random() {
        return random;
    }

    /** Ids drawn from now on are new: none of them was published before. */
    void newEpoch() {
        epoch++;
        ids.clear();
    }

    /** The next step outside a max_age phase: any kind, {@link #AGE_PHASE} included. */
    String next(JetStartStream rt) throws InterruptedException {
        if (idAfterRestart) {
            idAfterRestart = false;
            return "pub m." + random.nextInt(6) + " " + payload() + " " + io.jetstart.runtime.Headers.MSG_ID + "=r" + restartIds++;
        }
        int kind = random.nextInt(1000);
        if (kind < AGE_PHASES) {
            return AGE_PHASE;
        }
        kind -= AGE_PHASES;
        if (kind < RESTARTS) {
            return "restart";
        }
        kind -= RESTARTS;
        if (kind < UPDATES) {
            return update(rt);
        }
        return operation(rt);
    }

    /** A publish, read, removal or purge: what a max_age phase draws (the phase owns the config, and no restart comes in it). */
    String operation(JetStartStream rt) throws InterruptedException {
        StreamView v = rt.info();
        int kind = random.nextInt(1000 - AGE_PHASES - RESTARTS - UPDATES);
        if (kind < READS) {
            return read(rt, v);
        }
        kind -= READS;
        if (kind < REMOVALS) {
            String step = (random.nextBoolean() ? "erase " : "del ") + seq(v);
            if (v210) {
                removingLastOf = lastOfItsSubject(rt, Long.parseLong(step.substring(step.indexOf(' ') + 1)));
            }
            return step;
        }
        kind -= REMOVALS;
        if (kind < PURGES) {
            return purge(rt, v);
        }
        return publish(rt, v);
    }

    /** The server's answer to {@code step}: what the model learns from it (the limits in force, the last msg id). */
    void answered(String step, String answer) {
        if (step.equals("restart")) {
            // The server computes each block's subject state afresh from the blocks.
            staleLast.clear();
            idAfterRestart = v210;
        } else if ((step.startsWith("del ") || step.startsWith("erase ")) && removingLastOf != null && answer.equals("deleted")) {
            staleLast.add(removingLastOf);
        }
        removingLastOf = null;
        if (step.startsWith("pub ") && answer.matches("\\d+")) {
            staleLast.remove(step.split(" ")[1]);
        }
        if (step.startsWith("update ") && proposed != null) {
            if (answer.equals("updated")) {
                limits = proposed;
            }
            proposed = null;
        } else if (step.startsWith("pub ") && answer.matches("\\d+")) {
            String id = "";
            for (String h : step.split(" ")) {
                if (h.startsWith(io.jetstart.runtime.Headers.MSG_ID + "=")) {
                    id = h.substring(h.indexOf('=') + 1);
                }
            }
            lastId = id;
        }
    }

    /** A step that sets {@code next} as the config; {@link #answered} adopts it when the server accepts it. */
    String update(ModelLimits next) {
        proposed = next;
        return "update " + next.json();
    }

    private String update(JetStartStream rt) throws InterruptedException {
        // Limits a stream reaches between two purges (a purge is about one step in eleven).
        long maxMsgs = random.nextInt(5) == 0 ? -1 : 8 + random.nextInt(50);
        long maxBytes = random.nextBoolean() ? -1 : 600 + random.nextInt(2500);
        boolean discardNew = random.nextInt(3) == 0;
        // From one up: lowering it below what a subject holds removes that subject's oldest at once.
        long perSubject = random.nextInt(3) == 0 ? -1 : 1 + random.nextInt(12);
        if (v210 && limits.maxPerSubject() <= 0 && perSubject > 0) {
            // 2.10.27's UpdateConfig enforces a per-subject limit only when the old one was 0 or higher than
            // the new one: set on a stream that had none (-1), it removes nothing until a restart or the next
            // publish on the subject (seed 2: m.0 kept 3 messages under a limit of 2; the runtime, as 2.15.1,
            // removed the oldest at once; commit c9c7f4dfc, "Initial MaxMsgsPerSubject update not enforced").
            // Drawn so that no subject holds more: then neither removes anything.
            perSubject = Math.max(perSubject, mostPerSubject(rt));
        }
        // Valid only with discard new and a per-subject limit; now and then without them, which both refuse (10052).
        boolean perSubjectNew = discardNew && perSubject > 0 ? random.nextBoolean() : random.nextInt(20) == 0;
        // Now and then a message size limit some publishes pass (payloads are up to 40 bytes, headers up to ~200).
        long maxMsgSize = random.nextInt(6) == 0 ? 20 + random.nextInt(100) : -1;
        boolean rollup = random.nextInt(10) != 0;
        return update(new ModelLimits(maxMsgs, maxBytes, discardNew, perSubject, perSubjectNew, maxMsgSize, 0, rollup));
    }

    /** The most messages one subject of the stream holds. */
    private static long mostPerSubject(JetStartStream rt) throws InterruptedException {
        java.util.Map<String, Long> counts = new java.util.HashMap<>();
        long from = 1;
        while (true) {
            List<StoredMessage> batch = rt.nextBatch(from, ">", 256);
            if (batch.isEmpty()) {
                return counts.values().stream().mapToLong(Long::longValue).max().orElse(0);
            }
            for (StoredMessage m : batch) {
                counts.merge(m.subject(), 1L, Long::sum);
                from = m.seq() + 1;
            }
        }
    }

    /** The subject of message {@code seq} when it is that subject's last message; else null. */
    private static String lastOfItsSubject(JetStartStream rt, long seq) throws InterruptedException {
        Optional<StoredMessage> m = rt.get(seq);
        if (m.isEmpty()) {
            return null;
        }
        String subject = m.get().subject();
        return rt.lastBySubject(subject).map(StoredMessage::seq).orElse(-1L) == seq ? subject : null;
    }

    private String read(JetStartStream rt, StreamView v) throws InterruptedException {
        int last = (int) v.lastSeq();
        return switch (random.nextInt(3)) {
            case 0 -> "get " + seq(v);
            case 1 -> "last " + lastFilter(rt, v);
            default -> "next " + random.nextInt(last + 2) + " " + filter(false);
        };
    }

    /**
     * A sequence for a delete or a get: mostly one the stream holds or held last (its first to its
     * last), else one below its first (removed) or past its last. Never 0: the server's MSG.GET of 0
     * is 10003 bad request, the runtime's get(0) is empty (RuntimeCornersIT, known).
     */
    private long seq(StreamView v) {
        long first = Math.max(1, v.firstSeq());
        int k = random.nextInt(10);
        if (k < 7 && v.lastSeq() >= first) {
            return first + random.nextInt((int) (v.lastSeq() - first + 1));
        }
        return k < 9 ? 1 + random.nextInt((int) first) : v.lastSeq() + 1 + random.nextInt(3);
    }

    /**
     * A filter for a last-by-subject read. Not {@code >} while the stream's last sequence holds no
     * message: nats-server 2.15.1 then answers 10037 (it loads the stream's last sequence for a
     * full wildcard) where the runtime answers the last live message (reported, not fixed yet).
     */
    private String lastFilter(JetStartStream rt, StreamView v) throws InterruptedException {
        String f = filter(true);
        if (staleLast.contains(f)) {
            return "m.*";
        }
        return f.equals(">") && v.lastSeq() > 0 && rt.get(v.lastSeq()).isEmpty() ? "m.*" : f;
    }

    /** A subject of the stream, {@code m.*} or {@code >}, and with {@code outside} now and then one the stream has none of. */
    private String filter(boolean outside) {
        int f = random.nextInt(10);
        return f < 6 ? "m." + random.nextInt(6) : f < 8 ? "m.*" : f == 8 || !outside ? ">" : "m.9";
    }

    private String purge(JetStartStream rt, StreamView v) throws InterruptedException {
        long first = v.firstSeq();
        long last = v.lastSeq();
        int kind = random.nextInt(100);
        // A subject, its wildcard, or now and then '>': the server takes that as no filter at all.
        int f = random.nextInt(10);
        String subject = f < 2 ? "m.*" : f == 2 ? ">" : "m." + random.nextInt(6);
        if (last == 0) {
            // A stream that never held a message: a purge of all of it (also on '>') reports first 1, last 0 on both.
            return random.nextInt(3) == 0 ? "purge {}" : "purge {\"filter\":\"" + subject + "\"}";
        }
        if (kind < 15) {
            return "purge {}";
        }
        if (kind < 35) {
            return "purge {\"filter\":\"" + subject + "\"}";
        }
        if (kind < 50) {
            return "purge {\"keep\":" + random.nextInt(6) + "}";
        }
        if (kind < 70) {
            return "purge {\"filter\":\"" + subject + "\",\"keep\":" + random.nextInt(6) + "}";
        }
        if (kind < 90) {
            // Up to a sequence: below the first, inside, one past the last (everything), or beyond it (the server's
            // Compact then moves the stream's first and last sequence there, as the runtime does).
            long seq = switch (random.nextInt(4)) {
                case 0 -> 1 + random.nextInt((int) Math.max(1, first));
                case 1 -> last + 1 + (random.nextBoolean() ? 0 : random.nextInt(5));
                default -> first + random.nextInt((int) Math.max(1, last - first + 1));
            };
            seq = upTo(seq);
            if (seq <= last && rt.next(seq, ">").isEmpty()) {
                // Not up to a sequence with no live message from it to the last, which leaves the stream empty: after
                // the stream was emptied once, nats-server (2.10.27 and 2.15.1) then reports 0 messages with first
                // below last (first 3, last 4, 2 deleted; seed 273: first 109, last 114, 6 deleted) where the runtime
                // says first = last + 1. Not copied: a server inconsistency. Its Compact sets first = last + 1 too,
                // then writing index.db finds its state unlike its blocks' ('Stream state encountered internal
                // inconsistency on write', logged) and rebuilds it from them, where the emptied last block kept its
                // first (3); restarted, 2.15.1 reports first = last + 1, and 2.10.27 serves the purged messages again
                // (its Compact wrote no tombstone). model-steps/purge-up-to-deleted-last.steps.
                seq = last + 1;
            }
            return "purge {\"seq\":" + Math.max(1, seq) + "}";
        }
        if (kind < 98) {
            // With a subject the server purges by filter, not by Compact: beyond the last is drawn too. With '>',
            // which the server takes as a purge of the stream up to the sequence (Compact), as above.
            long seq = upTo(1 + random.nextInt((int) last + 5));
            if (subject.equals(">") && seq <= last && rt.next(seq, ">").isEmpty()) {
                seq = last + 1;
            }
            return "purge {\"filter\":\"" + subject + "\",\"seq\":" + seq + "}";
        }
        return "purge {\"seq\":" + (1 + random.nextInt((int) last + 1)) + ",\"keep\":1}";
    }

    /**
     * A purge's {@code seq}, on 2.10 never 1: 2.10.27's {@code PurgeEx} bounds a purge by its
     * sequence only from 2 up, so "up to 1" purges every message (of the filter, or of the stream)
     * where 2.14+ and the runtime purge none (seed 5: {@code purge {"seq":1}} purged 2 on 2.10.27;
     * commit 28c298b29, "PurgeEx with sequence=1 is a noop"). 2 is drawn instead.
     */
    private long upTo(long seq) {
        return v210 && seq == 1 ? 2 : seq;
    }

    private String publish(JetStartStream rt, StreamView v) throws InterruptedException {
        // Now and then a subject outside the stream's: no stream takes it.
        String subject = random.nextInt(40) == 0 ? "n." + random.nextInt(3) : "m." + random.nextInt(6);
        List<String> h = new ArrayList<>();
        String payload = payload();
        if (random.nextInt(20) == 0) {
            // Headers only.
            h.add("X-Model=h" + random.nextInt(100));
            payload = "-";
        }
        if (random.nextInt(4) == 0) {
            // A new id of the epoch or one published in it (a duplicate while its message is in the window).
            String id = random.nextInt(3) == 0 || ids.isEmpty() ? "e" + epoch + "-" + random.nextInt(30)
                    : ids.get(random.nextInt(ids.size()));
            ids.add(id);
            h.add(io.jetstart.runtime.Headers.MSG_ID + "=" + id);
        }
        if (random.nextInt(12) == 0) {
            h.add(io.jetstart.runtime.Headers.EXPECTED_LAST_SEQ + "=" + (v.lastSeq() + (random.nextBoolean() ? 0 : 1)));
        }
        // The subject expectation: on the message's subject, another one or a wildcard (2.12+), or the subject alone.
        int otherKind = random.nextInt(10);
        String expectOn = otherKind == 0 ? "m." + random.nextInt(6) : otherKind == 1 ? "m.*" : null;
        if (random.nextInt(12) == 0 || otherKind < 2) {
            long seq = rt.lastBySubject(expectOn == null || v210 ? subject : expectOn).map(StoredMessage::seq).orElse(0L);
            h.add(io.jetstart.runtime.Headers.EXPECTED_LAST_SUBJECT_SEQ + "=" + (seq + (random.nextBoolean() ? 0 : 1)));
        } else if (otherKind == 2 && random.nextInt(4) == 0) {
            expectOn = "m." + random.nextInt(6);
        } else {
            expectOn = null;
        }
        if (expectOn != null && !v210) {
            // 2.12+: 2.10.27 ignores the header and checks the message's own subject (drawn so above).
            h.add(io.jetstart.runtime.Headers.EXPECTED_LAST_SUBJECT_SEQ_SUBJECT + "=" + expectOn);
        }
        if (random.nextInt(20) == 0) {
            h.add(io.jetstart.runtime.Headers.EXPECTED_STREAM + "=" + (random.nextBoolean() ? ModelLimits.NAME : "other"));
        }
        if (random.nextInt(14) == 0) {
            int k = random.nextInt(10);
            String expected = k < 6 ? lastId : k < 8 && !ids.isEmpty() ? ids.get(random.nextInt(ids.size())) : "zz";
            if (!expected.isEmpty()) {
                h.add(io.jetstart.runtime.Headers.EXPECTED_LAST_MSG_ID + "=" + expected);
            }
        }
        if (random.nextInt(12) == 0) {
            int k = random.nextInt(20);
            // 2.10.27 sends no answer to an invalid one (ModelLine): the client would wait out its timeout.
            String rollup = k < 9 ? "sub" : k < 18 || v210 ? "all" : "bad";
            // Nor does 2.10.27 let a rollup past discard_new_per_subject at the subject's limit (10077), where
            // 2.14+ and the runtime store it and roll the subject up (seeds 3 and 7; commit b7a69dc07, 2.14,
            // "Rollup allowed if at DiscardNewPerSubject limit"): not drawn there while it is on.
            if (!v210 || !limits.discardNewPerSubject()) {
                h.add(io.jetstart.runtime.Headers.ROLLUP + "=" + rollup);
            }
        }
        if (v210) {
            if (staleLast.contains(subject)) {
                h.removeIf(header -> header.startsWith(io.jetstart.runtime.Headers.EXPECTED_LAST_SUBJECT_SEQ + "="));
            }
            // Each change of the message's size may bring it onto the other rule's edge: a few rounds settle it.
            for (int round = 0; round < 4; round++) {
                oneAnswer(subject, payload, h);
                if (!atDiscardNewEdge(rt, v, subject, payload, h)) {
                    break;
                }
                payload = payload.equals("-") ? "a" : payload + "a";
            }
        }
        return "pub " + subject + " " + payload + (h.isEmpty() ? "" : " " + String.join(" ", h));
    }

    /**
     * Whether 2.10.27 would refuse the message for max_bytes where 2.14+ and the runtime store it:
     * with discard new its {@code storeRawMsg} refuses a message that brings the stream to
     * {@code max_bytes} exactly ({@code >=}, 2.14+ {@code >}), and one at its subject's
     * {@code max_msgs_per_subject} over the limit whose replaced oldest is as large
     * ({@code <=}, 2.14+ {@code <}; commit 8311cde5c, 2.14, "off-by-ones"). Record sizes as the
     * server counts them.
     */
    private boolean atDiscardNewEdge(JetStartStream rt, StreamView v, String subject, String payload, List<String> h)
            throws InterruptedException {
        if (!limits.discardNew() || limits.maxBytes() <= 0 || !subject.startsWith("m.")) {
            return false;
        }
        long size = recordSize(subject, headerBytes(subject, payload, h), payload.equals("-") ? 0 : payload.length());
        if (v.bytes() + size == limits.maxBytes()) {
            return true;
        }
        if (limits.maxPerSubject() <= 0 || limits.discardNewPerSubject()) {
            return false;
        }
        List<StoredMessage> held = rt.nextBatch(1, subject, (int) limits.maxPerSubject() + 1);
        if (held.size() < limits.maxPerSubject()) {
            return false;
        }
        StoredMessage oldest = held.get(0);
        return recordSize(oldest.subject(), oldest.headers().length, oldest.payload().length) == size
                && v.bytes() + size > limits.maxBytes();
    }

    /** A message record's size as the server counts it ({@code fileStoreMsgSize}). */
    private static long recordSize(String subject, int headerBytes, int payloadBytes) {
        return 22 + subject.length() + payloadBytes + 8 + (headerBytes == 0 ? 0 : 4 + headerBytes);
    }

    /** The header block jnats sends for {@code h}. */
    private static int headerBytes(String subject, String payload, List<String> h) {
        if (h.isEmpty()) {
            return 0;
        }
        List<String> kv = new ArrayList<>();
        for (String header : h) {
            int eq = header.indexOf('=');
            kv.add(header.substring(0, eq));
            kv.add(header.substring(eq + 1));
        }
        io.nats.client.impl.Headers sent = new ModelSide.Pub(subject, new byte[0], kv).jnats();
        return new io.nats.client.impl.Headers(sent, true, null).getSerialized().length;
    }

    /**
     * Leaves out of {@code h} the headers whose refusal 2.10.27 answers before another one than the
     * runtime does, so that at most one answer is possible. The runtime checks in 2.15.1's order
     * (docs/runtime.md, "Publish"); 2.10.27's {@code processJetStreamMsg} checks the duplicate window
     * before {@code Nats-Expected-Last-Subject-Sequence} and {@code Nats-Expected-Last-Sequence}
     * (2.15.1 after them) and {@code max_msg_size} after every header (2.15.1 before them): a
     * duplicate with a wrong expectation is acked as a duplicate by 2.10.27 and refused (10071) by
     * the runtime, and a message over {@code max_msg_size} with a wrong expectation is refused with
     * 10071 by 2.10.27 and 10054 by the runtime (seed 1; docs/compatibility.md, "The runtime's
     * answers on the 2.10 line"). Neither stores the message either way.
     */
    private void oneAnswer(String subject, String payload, List<String> h) {
        if (limits.maxMsgSize() >= 0) {
            if (headerBytes(subject, payload, h) + (payload.equals("-") ? 0 : payload.length()) > limits.maxMsgSize()) {
                // Over the limit: the size is the one refusal on both.
                h.removeIf(header -> header.startsWith("Nats-"));
                return;
            }
        }
        if (h.stream().anyMatch(header -> header.startsWith(io.jetstart.runtime.Headers.MSG_ID + "="))) {
            h.removeIf(header -> header.startsWith(io.jetstart.runtime.Headers.EXPECTED_LAST_SEQ + "=")
                    || header.startsWith(io.jetstart.runtime.Headers.EXPECTED_LAST_SUBJECT_SEQ + "="));
        }
    }

    /** Letters, or {@code -} (empty) for one in eight. */
    private String payload() {
        if (random.nextInt(8) == 0) {
            return "-";
        }
        char[] c = new char[1 + random.nextInt(40)];
        for (int i = 0; i < c.length; i++) {
            c[i] = (char) ('a' + random.nextInt(26));
        }
        return new String(c);
    }
}
