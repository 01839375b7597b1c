package io.jetstart.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * nats-server as a {@link ModelSide}: every step a raw JetStream API request through jnats (the
 * publish an HPUB with jnats's header encoding), so the answer is the server's own, error text
 * included. Also what {@link RuntimeModelIT} starts on a copy of the runtime's store at the end.
 */
final class ModelServerSide implements ModelSide {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final NatsServerBinary binary;
    private final Path store;
    private final Path work;
    /** The stream the steps and the state are about ({@link ModelLimits#NAME}, or a bucket's {@code KV_<bucket>}). */
    private final String stream;
    private final ObjectMapper json = Json.mapper();
    private NatsServerProcess server;
    private NatsClient client;

    private ModelServerSide(NatsServerBinary binary, Path store, Path work, String stream) throws IOException {
        this.binary = binary;
        this.store = store;
        this.work = work;
        this.stream = stream;
        start();
    }

    /** {@code binary} started on {@code store} (made when absent), its log and config in {@code work}. */
    static ModelServerSide start(NatsServerBinary binary, Path store, Path work) throws IOException {
        return new ModelServerSide(binary, store, work, ModelLimits.NAME);
    }

    /** As {@link #start(NatsServerBinary, Path, Path)}, the state and reads about {@code stream} ({@link KvModelIT}'s bucket). */
    static ModelServerSide start(NatsServerBinary binary, Path store, Path work, String stream) throws IOException {
        return new ModelServerSide(binary, store, work, stream);
    }

    private void start() throws IOException {
        server = NatsServerProcess.start(binary, store, work, ServerAccounts.GLOBAL);
        try {
            client = server.connect(Account.GLOBAL);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** Stops the server (SIGTERM), keeping its files; {@link #resume} starts it again on them. */
    void stop() throws IOException {
        client.close();
        server.stopGracefully();
    }

    /** Starts the server again on its files after {@link #stop}. */
    void resume() throws IOException {
        start();
    }

    /** The client's connection to the server now (a new one after each restart). */
    io.nats.client.Connection connection() {
        return client.connection();
    }

    /** Creates the stream; the answer as {@link #run} gives it for an update. */
    String create(String config) throws Exception {
        return configAnswer(request("$JS.API.STREAM.CREATE." + stream, config.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public String run(String step) throws Exception {
        String[] w = step.split(" ", 2);
        String arg = w.length > 1 ? w[1] : "";
        switch (w[0]) {
            case "restart" -> {
                stop();
                resume();
                return "restarted";
            }
            case "pub" -> {
                return publish(Pub.parse(arg));
            }
            case "del", "erase" -> {
                ObjectNode body = json.createObjectNode().put("seq", Long.parseLong(arg));
                if (w[0].equals("del")) {
                    body.put("no_erase", true);
                }
                JsonNode r = request("$JS.API.STREAM.MSG.DELETE." + stream, json.writeValueAsBytes(body));
                return r.has("error") ? error(r) : "deleted";
            }
            case "purge" -> {
                JsonNode r = request("$JS.API.STREAM.PURGE." + stream, arg.getBytes(StandardCharsets.UTF_8));
                return r.has("error") ? error(r) : "purged " + r.path("purged").asLong();
            }
            case "update" -> {
                return configAnswer(request("$JS.API.STREAM.UPDATE." + stream, arg.getBytes(StandardCharsets.UTF_8)));
            }
            case "get", "last", "next" -> {
                String[] p = arg.split(" ");
                ObjectNode body = json.createObjectNode();
                switch (w[0]) {
                    case "get" -> body.put("seq", Long.parseLong(p[0]));
                    case "last" -> body.put("last_by_subj", p[0]);
                    default -> body.put("seq", Long.parseLong(p[0])).put("next_by_subj", p[1]);
                }
                JsonNode r = request("$JS.API.STREAM.MSG.GET." + stream, json.writeValueAsBytes(body));
                if (r.has("error")) {
                    return r.path("error").path("err_code").asInt() == 10037 ? "none" : error(r);
                }
                return msg(r.path("message")).compared(false);
            }
            default -> throw new IllegalArgumentException("not a model step: " + step);
        }
    }

    private String publish(Pub pub) throws Exception {
        Headers h = pub.jnats();
        Message m = NatsMessage.builder().subject(pub.subject()).headers(h.isEmpty() ? null : h).data(pub.payload()).build();
        Message reply;
        try {
            reply = client.connection().request(m, TIMEOUT);
        } catch (RuntimeException noResponders) {
            return "not stored";
        }
        if (reply == null || reply.isStatusMessage()) {
            // No stream listens on the subject: no ack (the runtime's IllegalArgumentException).
            return "not stored";
        }
        JsonNode ack = json.readTree(reply.getData());
        return ack.has("error") ? error(ack) : ack.path("seq").asLong() + (ack.path("duplicate").asBoolean() ? " duplicate" : "");
    }

    private static String configAnswer(JsonNode r) {
        return r.has("error") ? error(r) : "updated";
    }

    @Override
    public ModelState state() throws Exception {
        JsonNode s = request("$JS.API.STREAM.INFO." + stream, new byte[0]).path("state");
        long firstTs = s.path("messages").asLong() == 0 ? 0 : nanos(s.path("first_ts").asText());
        return new ModelState(s.path("messages").asLong(), s.path("bytes").asLong(), s.path("first_seq").asLong(),
                s.path("last_seq").asLong(), s.path("num_subjects").asLong(), s.path("num_deleted").asLong(), firstTs);
    }

    @Override
    public Optional<Msg> message(long seq) throws Exception {
        JsonNode r = request("$JS.API.STREAM.MSG.GET." + stream, json.writeValueAsBytes(json.createObjectNode().put("seq", seq)));
        if (r.has("error")) {
            if (r.path("error").path("err_code").asInt() == 10037) {
                return Optional.empty();
            }
            throw new IOException("message " + seq + ": " + error(r));
        }
        return Optional.of(msg(r.path("message")));
    }

    private static Msg msg(JsonNode m) {
        return new Msg(m.path("seq").asLong(), m.path("subject").asText(), m.path("hdrs").asText(""), m.path("data").asText(""),
                nanos(m.path("time").asText()));
    }

    private static long nanos(String rfc3339) {
        Instant t = Instant.parse(rfc3339);
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static String error(JsonNode r) {
        return "error " + r.path("error").path("err_code").asInt() + " " + r.path("error").path("description").asText();
    }

    private JsonNode request(String subject, byte[] body) throws Exception {
        Message reply = client.connection().request(subject, body, TIMEOUT);
        if (reply == null) {
            throw new IOException("no answer to " + subject + " from " + server);
        }
        return json.readTree(reply.getData());
    }

    /** Warning and error lines of the server's log ({@code [WRN]}, {@code [ERR]}). */
    java.util.List<String> warnings() {
        return server.warnings();
    }

    String log() {
        return server.log();
    }

    @Override
    public String name() {
        return binary.toString();
    }

    @Override
    public void close() throws Exception {
        try {
            client.close();
        } finally {
            server.close();
        }
    }
}
