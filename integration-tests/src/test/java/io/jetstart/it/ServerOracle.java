package io.jetstart.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a running nats-server reports about its store, in exactly the shape of jetstart's
 * {@code inspect --json} output and limited to the compared fields (see {@link ComparedFields}):
 * <pre>
 * {"server_version":"2.10.27","streams":[{"account":"$G","name":"LIM","state":{...},"consumers":[{...}]}]}
 * </pre>
 * Streams are sorted by account then name, consumers by name. The server's full answers are
 * kept next to it ({@link Snapshot#raw()}) for people reading a failure.
 */
final class ServerOracle {

    /**
     * The longest a restored consumer waits for a {@code checkPending} (which drops acknowledged
     * entries and entries below the stream's first, and raises ack floors): the current server runs
     * one at once when the consumer becomes leader ({@code setLeader}), and {@code applyState} arms
     * the timer at 0.5-1.5 s (or {@code ack_wait} when shorter, spec §5.4) for a consumer with pending
     * entries, before the server says it is ready. Waiting past the timer covers both.
     */
    static final Duration PENDING_CHECK_DELAY = Duration.ofMillis(1_500);

    /** Between two answers that must agree before the state counts as settled. */
    private static final Duration SETTLE_POLL = Duration.ofMillis(200);

    /** How long a restored server may keep changing its answers before the test gives up. */
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);

    private ServerOracle() {
    }

    /** The oracle of one capture, and the server's raw answers it was built from. */
    record Snapshot(ObjectNode oracle, ObjectNode raw) {

        void write(Path dir, String name) throws IOException {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".oracle.json"), Json.pretty(oracle));
            Files.writeString(dir.resolve(name + ".raw.json"), Json.pretty(raw));
        }

        /** Both captures in one: the streams of a store written in two runs ({@link Account}). */
        Snapshot merge(Snapshot other) {
            ObjectNode o = oracle.deepCopy();
            ArrayNode streams = (ArrayNode) o.get("streams");
            other.oracle.get("streams").forEach(streams::add);
            sortStreams(streams);
            ObjectNode r = raw.deepCopy();
            other.raw.get("streams").forEach(((ArrayNode) r.get("streams"))::add);
            return new Snapshot(o, r);
        }
    }

    /** Asks {@code server}, for every account it serves, about every stream and consumer. */
    static Snapshot capture(NatsServerProcess server) throws IOException {
        ObjectMapper json = Json.mapper();
        ObjectNode oracle = json.createObjectNode().put("server_version", server.version().toString());
        ArrayNode streams = oracle.putArray("streams");
        ObjectNode raw = json.createObjectNode().put("server_version", server.version().toString());
        ArrayNode rawStreams = raw.putArray("streams");
        for (Account account : server.accounts().accounts()) {
            try (NatsClient c = server.connect(account)) {
                JsApi api = new JsApi(c.connection(), json);
                for (String name : api.streamNames()) {
                    ObjectNode info = api.streamInfo(name);
                    List<JsonNode> consumers = new ArrayList<>();
                    for (String consumer : api.consumerNames(name)) {
                        consumers.add(api.consumerInfo(name, consumer));
                    }
                    streams.add(ComparedFields.stream(json, account.name(), name, info.path("state"), consumers));
                    ObjectNode r = rawStreams.addObject().put("account", account.name());
                    r.set("info", info);
                    r.putArray("consumers").addAll(consumers);
                }
            }
        }
        sortStreams(streams);
        return new Snapshot(oracle, raw);
    }

    /** {@link #captureSettled} from the moment the server was ready, for a server that has just restored a store. */
    static Snapshot captureAfterRestore(NatsServerProcess server) throws IOException {
        return captureSettled(server, server.readyAtNanos());
    }

    /**
     * {@link #capture} once the consumers restored at {@code restoredAtNanos} ({@link System#nanoTime()})
     * have settled: asking earlier reports a state that the restore timers are about to change.
     *
     * <p>Settled means two answers {@link #SETTLE_POLL} apart agree, both asked after every restore
     * timer could have fired: {@link #PENDING_CHECK_DELAY} after the restore, or at once when no
     * consumer has a pending entry (no timer is armed then). The second answer also covers
     * {@code checkAckFloor}, which each consumer runs on a goroutine of its own as it starts. A quiet
     * machine answers in about 1.7 s (at once without pending entries), where a fixed wait had to
     * leave room for a loaded one; a loaded one is given {@link #SETTLE_TIMEOUT}.
     *
     * @throws IOException naming the streams whose answers still changed when the time was up
     */
    static Snapshot captureSettled(NatsServerProcess server, long restoredAtNanos) throws IOException {
        long timersDue = restoredAtNanos + PENDING_CHECK_DELAY.toNanos();
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        Snapshot previous = capture(server);
        if (hasAckPending(previous.oracle())) {
            sleepNanos(timersDue - System.nanoTime());
            previous = capture(server);
        }
        while (true) {
            sleepNanos(SETTLE_POLL.toNanos());
            Snapshot next = capture(server);
            if (next.oracle().equals(previous.oracle())) {
                return next;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(server + ": the answers still changed " + SETTLE_TIMEOUT
                        + " after the restore, in streams " + changedStreams(previous.oracle(), next.oracle())
                        + "; last answer:\n" + Json.pretty(next.oracle()));
            }
            previous = next;
        }
    }

    private static boolean hasAckPending(ObjectNode oracle) {
        for (JsonNode stream : oracle.path("streams")) {
            for (JsonNode consumer : stream.path("consumers")) {
                if (consumer.path("num_ack_pending").asLong() > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** "account/name" of each stream whose compared fields differ between the two answers. */
    private static List<String> changedStreams(ObjectNode before, ObjectNode after) {
        List<String> changed = new ArrayList<>();
        JsonNode a = before.path("streams");
        JsonNode b = after.path("streams");
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            if (!a.path(i).equals(b.path(i))) {
                JsonNode s = b.has(i) ? b.path(i) : a.path(i);
                changed.add(s.path("account").asText() + "/" + s.path("name").asText());
            }
        }
        return changed;
    }

    private static void sleepNanos(long nanos) throws IOException {
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    static void sortStreams(ArrayNode streams) {
        List<JsonNode> sorted = new ArrayList<>();
        streams.forEach(sorted::add);
        sorted.sort(Comparator.comparing((JsonNode s) -> s.path("account").asText()).thenComparing(s -> s.path("name").asText()));
        streams.removeAll();
        streams.addAll(sorted);
    }
}
