package io.jetstart.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.JetStreamApiException;
import io.jetstart.runtime.PublishAck;
import io.jetstart.runtime.PurgeRequest;
import java.util.Optional;
import java.util.function.Function;

/**
 * The runtime's side of the step language ({@link ModelSide}), the one interpreter that
 * {@link ModelRuntimeSide} ({@link RuntimeModelIT}) and {@link RuntimeCornersIT} run steps with, so a
 * step either test finds is run the same way by the other: {@code pub}, {@code del}, {@code erase},
 * {@code purge}, {@code update}, {@code get}, {@code last} and {@code next}, through
 * {@link JetStartStream}'s API. The callers answer their own steps first ({@code restart},
 * {@code sleep}). A refusal ({@link JetStreamApiException}) is answered in the server's words,
 * {@code error CODE TEXT}; a message read as the caller renders it (each compares it with its own
 * server side's rendering).
 */
final class RuntimeSteps {
    private final ObjectMapper json = Json.mapper();
    private final Function<StoredMessage, String> render;

    RuntimeSteps(Function<StoredMessage, String> render) {
        this.render = render;
    }

    /**
     * The answer to {@code step} on {@code stream} of {@code store}. A publish sends the header block
     * jnats sends the server ({@link ModelSide.Pub#sent}); an update gets the stream's name.
     *
     * @throws IllegalArgumentException when {@code step} is none of the steps above
     */
    String run(JetStartStore store, JetStartStream stream, String step) throws Exception {
        String[] w = step.split(" ", 2);
        String arg = w.length > 1 ? w[1] : "";
        try {
            switch (w[0]) {
                case "pub" -> {
                    ModelSide.Pub pub = ModelSide.Pub.parse(arg);
                    try {
                        PublishAck ack = stream.publish(pub.subject(), pub.sent(), pub.payload());
                        return ack.seq() + (ack.duplicate() ? " duplicate" : "");
                    } catch (IllegalArgumentException e) {
                        // A subject outside the stream's: the server has no stream to answer (no responders).
                        return "not stored";
                    }
                }
                case "del" -> {
                    stream.delete(Long.parseLong(arg));
                    return "deleted";
                }
                case "erase" -> {
                    stream.erase(Long.parseLong(arg));
                    return "deleted";
                }
                case "purge" -> {
                    JsonNode r = json.readTree(arg);
                    return "purged " + stream.purge(new PurgeRequest(r.path("filter").asText(null), r.path("keep").asLong(0),
                            r.path("seq").asLong(0)));
                }
                case "update" -> {
                    ObjectNode config = (ObjectNode) json.readTree(arg);
                    config.put("name", stream.name());
                    store.updateStream("$G", StreamConfig.parse(json.writeValueAsBytes(config)));
                    return "updated";
                }
                case "get", "last", "next" -> {
                    String[] p = arg.split(" ");
                    Optional<StoredMessage> m = switch (w[0]) {
                        case "get" -> stream.get(Long.parseLong(p[0]));
                        case "last" -> stream.lastBySubject(p[0]);
                        default -> stream.next(Long.parseLong(p[0]), p[1]);
                    };
                    return m.map(render).orElse("none");
                }
                default -> throw new IllegalArgumentException("not a step: " + step);
            }
        } catch (JetStreamApiException e) {
            return "error " + e.errCode() + " " + e.description();
        }
    }
}
