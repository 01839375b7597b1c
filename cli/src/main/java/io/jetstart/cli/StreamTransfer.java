package io.jetstart.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;

/**
 * The JetStream stream snapshot and restore API as nats-server speaks it
 * ({@code jetstream_api.go}); jnats has no client for it, so these are raw requests.
 *
 * <pre>
 * restore:  $JS.API.STREAM.RESTORE.&lt;stream&gt;  {"config":…, "state":…}  → {"deliver_subject": D}
 *           request(D, chunk) for every chunk   → empty reply (or an error response: stop)
 *           request(D, empty)                   → stream create response (the restored stream's info)
 * snapshot: subscribe(I); $JS.API.STREAM.SNAPSHOT.&lt;stream&gt; {"deliver_subject": I, "chunk_size": …}
 *           → {"config":…, "state":…}; then chunks on I, each with a reply subject to ack
 *           (the server keeps a window of unacked chunks in flight); an empty message ends it:
 *           no header or status 204 is success, 408 / 500 carry the reason
 * </pre>
 *
 * <p>Design note: restore chunks go one request at a time, as natscli sends them. The server
 * writes each chunk into a pipe its restore reads, and answers only after the write, so the reply
 * is the flow control; the server gives up on a restore idle for 5 s, so a chunk's reply waits
 * {@link #CHUNK_TIMEOUT}. The final request waits long: the server opens the stream (and, in a
 * cluster, replicates it) before it answers.
 */
final class StreamTransfer {
    static final int CHUNK = 128 * 1024;
    static final Duration API_TIMEOUT = Duration.ofSeconds(10);
    static final Duration CHUNK_TIMEOUT = Duration.ofSeconds(30);
    static final Duration FINISH_TIMEOUT = Duration.ofMinutes(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private StreamTransfer() {
    }

    /**
     * A transfer stopped on request (Ctrl-C) between two chunks, after {@code bytes}. A restore stopped
     * so never sends its last, empty chunk, so the server never opens the stream: it drops a restore
     * idle for 5 s (nats-server's "restore ... is stalled"), and the stream is not created there.
     */
    static final class Stopped extends IOException {
        final long bytes;

        Stopped(String what, long bytes) {
            super(what + " stopped by a signal after byte " + bytes);
            this.bytes = bytes;
        }
    }

    /**
     * Restores a stream from {@code s2Tar}; returns the server's stream info of the restored stream.
     *
     * @param stop asked before each chunk; once true, no other is sent and {@link Stopped} is thrown
     */
    static JsonNode restore(Connection nc, ObjectNode config, ObjectNode state, InputStream s2Tar, LongConsumer sent,
                            java.util.function.BooleanSupplier stop) throws IOException, InterruptedException {
        String stream = config.path("name").asText();
        ObjectNode req = JSON.createObjectNode();
        req.set("config", config);
        req.set("state", state);
        JsonNode resp = api(nc, "$JS.API.STREAM.RESTORE." + stream, JSON.writeValueAsBytes(req), API_TIMEOUT);
        String deliver = resp.path("deliver_subject").asText("");
        if (deliver.isEmpty()) {
            throw new IOException("restore of " + stream + ": the server's answer has no deliver_subject: " + resp);
        }
        byte[] chunk = new byte[CHUNK];
        long total = 0;
        while (true) {
            if (stop.getAsBoolean()) {
                throw new Stopped("restore of " + stream, total);
            }
            int n = s2Tar.readNBytes(chunk, 0, CHUNK);
            if (n == 0) {
                break;
            }
            byte[] body = n == CHUNK ? chunk : java.util.Arrays.copyOf(chunk, n);
            Message reply = request(nc, deliver, body, CHUNK_TIMEOUT, "restore chunk at byte " + total + " of " + stream);
            if (reply.getData() != null && reply.getData().length > 0) {
                throw new IOException("restore of " + stream + " failed at byte " + total + ": " + error(parse(reply)));
            }
            total += n;
            sent.accept(total);
        }
        JsonNode done = parse(request(nc, deliver, new byte[0], FINISH_TIMEOUT, "end of the restore of " + stream));
        if (done.has("error")) {
            throw new IOException("restore of " + stream + " failed: " + error(done));
        }
        return done;
    }

    /**
     * Takes a snapshot of {@code stream} (with its consumers) into {@code out}; returns the
     * server's {@code {"config", "state"}} from the time the snapshot began.
     */
    static JsonNode snapshot(Connection nc, String stream, OutputStream out, LongConsumer received,
                             java.util.function.BooleanSupplier stop) throws IOException, InterruptedException {
        String inbox = nc.createInbox();
        Subscription sub = nc.subscribe(inbox);
        try {
            ObjectNode req = JSON.createObjectNode();
            req.put("deliver_subject", inbox);
            req.put("chunk_size", CHUNK);
            JsonNode meta = api(nc, "$JS.API.STREAM.SNAPSHOT." + stream, JSON.writeValueAsBytes(req), API_TIMEOUT);
            long total = 0;
            while (true) {
                if (stop.getAsBoolean()) {
                    throw new Stopped("snapshot of " + stream, total);
                }
                Message m = sub.nextMessage(CHUNK_TIMEOUT);
                if (m == null) {
                    throw new IOException("snapshot of " + stream + ": no chunk for " + CHUNK_TIMEOUT.toSeconds()
                            + " s after byte " + total);
                }
                byte[] data = m.getData();
                if (data == null || data.length == 0) {
                    int code = m.getStatus() == null ? 204 : m.getStatus().getCode();
                    if (code != 204) {
                        throw new IOException("snapshot of " + stream + " failed after byte " + total + ": status "
                                + code + " " + m.getStatus().getMessage());
                    }
                    return meta;
                }
                out.write(data);
                total += data.length;
                received.accept(total);
                if (m.getReplyTo() != null) {
                    nc.publish(m.getReplyTo(), null);
                }
            }
        } finally {
            sub.unsubscribe();
        }
    }

    private static JsonNode api(Connection nc, String subject, byte[] body, Duration timeout)
            throws IOException, InterruptedException {
        JsonNode resp = parse(request(nc, subject, body, timeout, subject));
        if (resp.has("error")) {
            throw new IOException(subject + ": " + error(resp));
        }
        return resp;
    }

    private static Message request(Connection nc, String subject, byte[] body, Duration timeout, String what)
            throws IOException, InterruptedException {
        try {
            Message m = nc.requestWithTimeout(subject, body, timeout).get();
            if (m.isStatusMessage() && m.getStatus().getCode() == 503) {
                throw new IOException(what + ": no responders (is JetStream enabled for this account?)");
            }
            return m;
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof TimeoutException || c instanceof java.util.concurrent.CancellationException) {
                throw new IOException(what + ": no answer within " + timeout.toSeconds() + " s", c);
            }
            throw new IOException(what + ": " + c.getMessage(), c);
        }
    }

    private static JsonNode parse(Message m) throws IOException {
        byte[] d = m.getData();
        if (d == null || d.length == 0) {
            return JSON.createObjectNode();
        }
        return JSON.readTree(d);
    }

    private static String error(JsonNode resp) {
        JsonNode e = resp.path("error");
        return e.path("description").asText("?") + " (code " + e.path("code").asInt() + ", err_code "
                + e.path("err_code").asInt() + ")";
    }
}
