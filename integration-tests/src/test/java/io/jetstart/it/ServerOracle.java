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
     * How long a restarted server is left alone before it is asked. After a restore nats-server
     * arms a timer (0.5-1.5 s, spec §5.4) whose {@code checkPending} drops acknowledged pending
     * entries and raises ack floors; asking earlier reports a state that is about to change.
     */
    static final Duration RESTORE_SETTLE = Duration.ofMillis(2_500);

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

    /** {@link #capture} after {@link #RESTORE_SETTLE}, for a server that has just restored a store. */
    static Snapshot captureAfterRestore(NatsServerProcess server) throws IOException {
        try {
            Thread.sleep(RESTORE_SETTLE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return capture(server);
    }

    static void sortStreams(ArrayNode streams) {
        List<JsonNode> sorted = new ArrayList<>();
        streams.forEach(sorted::add);
        sorted.sort(Comparator.comparing((JsonNode s) -> s.path("account").asText()).thenComparing(s -> s.path("name").asText()));
        streams.removeAll();
        streams.addAll(sorted);
    }
}
