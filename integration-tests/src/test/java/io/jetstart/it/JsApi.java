package io.jetstart.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The JetStream API as raw JSON requests ({@code $JS.API.*}), so the oracle sees exactly what the
 * server answers (every field, every page) rather than what a client library chose to model.
 */
final class JsApi {

    /**
     * How long one API request may wait for its answer. Only a failure waits this long; a server
     * that answers at all answers in milliseconds, but one that just restarted on a 2-core machine
     * busy with other builds once took over 10 s for a MSG.GET (RuntimeCrashIT).
     */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Connection connection;
    private final ObjectMapper json;
    private final Duration timeout;

    JsApi(Connection connection, ObjectMapper json) {
        this(connection, json, TIMEOUT);
    }

    /**
     * With {@code timeout} for each answer instead of {@link #TIMEOUT}: for a caller that asks again
     * and again until the server answers at all (a cluster before its meta leader is elected leaves
     * requests unanswered), where waiting out the long timeout once is time no answer needs.
     */
    JsApi(Connection connection, ObjectMapper json, Duration timeout) {
        this.connection = connection;
        this.json = json;
        this.timeout = timeout;
    }

    JsonNode request(String subject, ObjectNode body) throws IOException {
        Message reply;
        try {
            reply = connection.request(subject, json.writeValueAsBytes(body), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during " + subject, e);
        }
        if (reply == null) {
            throw new IOException("no answer to " + subject + " within " + timeout);
        }
        JsonNode answer = json.readTree(reply.getData());
        if (answer.has("error")) {
            throw new ApiError(subject + " " + body + " answered " + answer.get("error"),
                    answer.get("error").path("err_code").asInt());
        }
        return answer;
    }

    List<String> streamNames() throws IOException {
        return pagedNames("$JS.API.STREAM.NAMES", "streams");
    }

    List<String> consumerNames(String stream) throws IOException {
        return pagedNames("$JS.API.CONSUMER.NAMES." + stream, "consumers");
    }

    private List<String> pagedNames(String subject, String field) throws IOException {
        List<String> names = new ArrayList<>();
        while (true) {
            JsonNode page = request(subject, json.createObjectNode().put("offset", names.size()));
            JsonNode list = page.path(field);
            int before = names.size();
            list.forEach(n -> names.add(n.asText()));
            if (names.size() == before || names.size() >= page.path("total").asInt(0)) {
                return names;
            }
        }
    }

    /**
     * {@code STREAM.INFO} with the deleted sequences and every subject ({@code subjects_filter: ">"}).
     * The subjects map comes in pages (at most 100,000 subjects each); the pages are merged into
     * the first answer, which is returned with {@code offset}/{@code limit} removed.
     */
    ObjectNode streamInfo(String stream) throws IOException {
        ObjectNode first = null;
        ObjectNode subjects = json.createObjectNode();
        while (true) {
            ObjectNode body = json.createObjectNode()
                    .put("deleted_details", true)
                    .put("subjects_filter", ">")
                    .put("offset", subjects.size());
            JsonNode page = request("$JS.API.STREAM.INFO." + stream, body);
            if (first == null) {
                first = (ObjectNode) page.deepCopy();
            }
            JsonNode pageSubjects = page.path("state").path("subjects");
            int before = subjects.size();
            pageSubjects.properties().forEach(e -> subjects.set(e.getKey(), e.getValue()));
            if (subjects.size() == before || subjects.size() >= page.path("total").asLong(0)) {
                break;
            }
        }
        if (!subjects.isEmpty()) {
            ((ObjectNode) first.path("state")).set("subjects", subjects);
        }
        first.remove(List.of("offset", "limit", "total"));
        return first;
    }

    /**
     * {@code STREAM.MSG.GET} of one sequence: the {@code message} object ({@code subject},
     * {@code seq}, {@code hdrs} and {@code data} in base64, {@code time}), or empty when the
     * sequence holds no message (deleted, purged, or outside the stream).
     */
    Optional<JsonNode> message(String stream, long seq) throws IOException {
        try {
            return Optional.of(request("$JS.API.STREAM.MSG.GET." + stream, json.createObjectNode().put("seq", seq))
                    .path("message"));
        } catch (ApiError e) {
            if (e.errCode() == NO_MESSAGE_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** {@code JSNoMessageFoundErr}. */
    private static final int NO_MESSAGE_FOUND = 10037;

    /**
     * Requests of {@link #messages} on their way at once. nats-server answers a client's API requests
     * in its read loop (2.9, 2.10) or from a queue that drops what is past its limit (10,000 by
     * default, 2.11+): this many keeps the wire busy and that queue short.
     */
    private static final int PIPELINE = 128;

    /**
     * {@link #message} of each of {@code seqs}, the same requests and the same answers, but pipelined:
     * up to {@value #PIPELINE} are sent before the first answer is awaited, where one at a time
     * spent its time waiting out each round trip (about 0.3 ms each; a test of a few thousand
     * messages per server start spent seconds in it). MSG.GET changes nothing, so the order in
     * which the server answers cannot change an answer.
     *
     * @return the message object of every sequence that holds one, by sequence; a sequence that
     *         holds none (deleted, purged, outside the stream) is left out
     */
    SortedMap<Long, JsonNode> messages(String stream, Collection<Long> seqs) throws IOException {
        String subject = "$JS.API.STREAM.MSG.GET." + stream;
        SortedMap<Long, JsonNode> found = new TreeMap<>();
        ArrayDeque<Map.Entry<Long, CompletableFuture<Message>>> sent =
                new ArrayDeque<>();
        for (long seq : seqs) {
            if (sent.size() >= PIPELINE) {
                answer(sent.removeFirst(), subject, found);
            }
            sent.addLast(Map.entry(seq, connection.requestWithTimeout(subject,
                    json.writeValueAsBytes(json.createObjectNode().put("seq", seq)), timeout)));
        }
        while (!sent.isEmpty()) {
            answer(sent.removeFirst(), subject, found);
        }
        return found;
    }

    /** The answer to one of {@link #messages}' requests into {@code found} (or nothing, for no message). */
    private void answer(Map.Entry<Long, CompletableFuture<Message>> request, String subject,
                        SortedMap<Long, JsonNode> found) throws IOException {
        long seq = request.getKey();
        Message reply;
        try {
            reply = request.getValue().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during " + subject + " of seq " + seq, e);
        } catch (ExecutionException | CancellationException e) {
            // jnats cancels a request whose timeout passed, and fails one no one can answer.
            throw new IOException("no answer to " + subject + " of seq " + seq + " within " + timeout, e);
        }
        JsonNode answer = json.readTree(reply.getData());
        if (answer.has("error")) {
            int code = answer.get("error").path("err_code").asInt();
            if (code == NO_MESSAGE_FOUND) {
                return;
            }
            throw new ApiError(subject + " {\"seq\":" + seq + "} answered " + answer.get("error"), code);
        }
        found.put(seq, answer.path("message"));
    }

    /** An error answer of the JetStream API. */
    static final class ApiError extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errCode;

        ApiError(String message, int errCode) {
            super(message);
            this.errCode = errCode;
        }

        int errCode() {
            return errCode;
        }
    }

    JsonNode consumerInfo(String stream, String consumer) throws IOException {
        return request("$JS.API.CONSUMER.INFO." + stream + "." + consumer, json.createObjectNode());
    }
}
