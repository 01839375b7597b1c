package io.jetstart.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.format.SequencePair;
import io.jetstart.core.lines.LineChoice;
import io.jetstart.core.store.ConsumerInfo;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.StreamState;
import io.jetstart.recovery.ConsumerOutcome;
import io.jetstart.recovery.Outcome;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StreamReport;
import java.util.Map;

/**
 * The JSON of {@code inspect --json} and {@code recover --json}, using the field names of
 * nats-server's stream info and consumer info responses (docs/json.md). These names are an
 * interface: add fields, never rename them.
 */
final class ReportJson {
    /** Reads back (tests, a command reading a report) as deep as a report is written. */
    static final ObjectMapper MAPPER = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNestingDepth(TreeWriter.MAX_DEPTH).build())
            .build());
    /** Reports carry each meta.inf as stored, which may be nested 10,000 deep ({@link TreeWriter}). */
    private static final TreeWriter WRITER = new TreeWriter(MAPPER);

    private ReportJson() {
    }

    /**
     * Writes the JSON text of {@code node} and a line end to {@code out}: one line, or indented with
     * {@code pretty} (docs/json.md: compact by default). Straight to {@code out}: the text of a
     * stream's {@code deleted} may be a gigabyte.
     *
     * @return false when nothing reads stdout any more: the writing stopped there, and the command
     *         exits {@link Main#STDOUT_CLOSED}
     */
    static boolean println(com.fasterxml.jackson.databind.JsonNode node, boolean pretty, java.io.PrintWriter out)
            throws java.io.IOException {
        try {
            WRITER.write(node, pretty, new StdoutWatch(out));
        } catch (StdoutWatch.Gone e) {
            return false;
        }
        out.println();
        return !Main.stdoutGone(out);
    }

    static ObjectNode report(RecoveryReport report, boolean withRecoveryFields) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode streams = root.putArray("streams");
        for (StreamReport s : report.streams()) {
            streams.add(stream(s, withRecoveryFields));
        }
        if (withRecoveryFields) {
            ObjectNode sum = root.putObject("summary");
            sum.put("streams", report.streams().size());
            for (Map.Entry<Outcome, Integer> e : report.counts().entrySet()) {
                sum.put(e.getKey().jsonName(), e.getValue());
            }
            sum.put("with_problems", report.streams().stream().filter(StreamReport::hasDamage).count());
            sum.put("messages", report.messages());
            sum.put("bytes", report.bytes());
            sum.put("consumers", report.consumers());
            sum.put("wall_ms", report.wallNanos() / 1_000_000.0);
            sum.put("runner", report.runner());
            sum.put("dios", report.dios());
            sum.put("workers", report.workers());
            sum.put("checksum", report.checksum());
            sum.put("peak_disk_ops", report.peakDiskOps());
            sum.put("gate_wait_ms", report.gateWaitNanos() / 1_000_000.0);
        }
        root.set("server_line", serverLine(report.serverLine()));
        if (!report.skipped().isEmpty()) {
            ArrayNode sk = root.putArray("skipped");
            report.skipped().forEach(sk::add);
        }
        return root;
    }

    /** Whose view the report follows (docs/json.md, {@code server_line}). */
    static ObjectNode serverLine(LineChoice choice) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("line", choice.line().label());
        n.put("modelled_on", choice.line().modelledOn());
        n.put("chosen", choice.asked() ? "asked" : "detected");
        ArrayNode evidence = n.putArray("evidence");
        choice.evidence().forEach(evidence::add);
        return n;
    }

    static ObjectNode stream(StreamReport s, boolean withRecoveryFields) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("account", s.account());
        n.put("name", s.name());
        if (s.config() != null) {
            n.put("created", s.config().created());
            n.set("config", s.config().json());
        }
        if (s.state() != null) {
            n.set("state", state(s.state()));
        }
        ArrayNode consumers = n.putArray("consumers");
        for (ConsumerOutcome c : s.consumers()) {
            consumers.add(consumer(c));
        }
        if (s.outcome() == Outcome.RECOVERED || s.outcome() == Outcome.REBUILT) {
            n.put("source", s.outcome() == Outcome.RECOVERED ? "index" : "rebuilt");
        }
        if (withRecoveryFields) {
            n.put("outcome", s.outcome().jsonName());
            n.put("duration_ms", s.nanos() / 1_000_000.0);
            n.put("gate_wait_ms", s.gateWaitNanos() / 1_000_000.0);
            n.put("bytes_read", s.bytesRead());
        }
        n.set("problems", problems(s.problems()));
        return n;
    }

    static ObjectNode state(StreamState st) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("messages", st.messages());
        n.put("bytes", st.bytes());
        n.put("first_seq", st.firstSeq());
        n.put("first_ts", GoTime.format(st.firstTs()));
        n.put("last_seq", st.lastSeq());
        n.put("last_ts", GoTime.format(st.lastTs()));
        if (st.numDeleted() > 0) {
            n.put("num_deleted", st.numDeleted());
            // Written as the report is, not held: a stream may have a hundred million (DeletedArray).
            n.set("deleted", n.pojoNode(new DeletedArray(st.deleted())));
        }
        n.put("num_subjects", st.numSubjects());
        if (!st.subjects().isEmpty()) {
            ObjectNode subj = n.putObject("subjects");
            st.subjects().forEach(subj::put);
        }
        if (!st.lost().isEmpty()) {
            ObjectNode lost = n.putObject("lost");
            if (st.lost().msgs().length == 0) {
                // The server's LostStreamData.Msgs has no omitempty: a nil slice is written as null.
                lost.putNull("msgs");
            } else {
                ArrayNode msgs = lost.putArray("msgs");
                for (long seq : st.lost().msgs()) {
                    msgs.add(seq);
                }
            }
            lost.put("bytes", st.lost().bytes());
        }
        n.put("consumer_count", st.consumerCount());
        return n;
    }

    static ObjectNode consumer(ConsumerOutcome c) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("name", c.name());
        // An instanceof chain, not a pattern switch: the first pattern switch of a JVM spins its
        // class at run time, which the launcher's AOT cache cannot keep (docs/benchmarks-passes.md,
        // "./jetstart recover's own start"); ConsumerOutcome has these two kinds.
        if (c instanceof ConsumerOutcome.Restored r) {
            ConsumerInfo i = r.info();
            n.put("created", i.config().created());
            n.set("config", i.config().json());
            n.set("delivered", pair(i.delivered()));
            n.set("ack_floor", pair(i.ackFloor()));
            n.put("num_ack_pending", i.numAckPending());
            n.put("num_redelivered", i.numRedelivered());
            n.put("num_pending", i.numPending());
            n.set("problems", problems(i.problems()));
        } else if (c instanceof ConsumerOutcome.Failed f) {
            n.put("failed", true);
            n.set("problems", problems(java.util.List.of(f.cause())));
        }
        return n;
    }

    private static ObjectNode pair(SequencePair p) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("consumer_seq", p.consumerSeq());
        n.put("stream_seq", p.streamSeq());
        return n;
    }

    static ArrayNode problems(java.util.List<Problem> problems) {
        ArrayNode a = MAPPER.createArrayNode();
        for (Problem p : problems) {
            ObjectNode n = a.addObject();
            n.put("severity", p.severity().name().toLowerCase(java.util.Locale.ROOT));
            n.put("file", p.file() == null ? null : p.file().toString());
            if (p.offset() >= 0) {
                n.put("offset", p.offset());
            }
            n.put("message", p.message());
            if (p.serverAction() != io.jetstart.core.store.ServerAction.NONE) {
                n.put("server_action", p.serverAction().jsonName());
            }
        }
        return a;
    }
}
