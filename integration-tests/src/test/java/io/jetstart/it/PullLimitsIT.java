package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.ConsumerStatus;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PullConsumer;
import io.jetstart.runtime.PullRequestRefusedException;
import io.jetstart.runtime.RuntimeOptions;
import io.nats.client.Message;
import io.nats.client.Subscription;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * A pull consumer's request limits ({@code max_batch}, {@code max_expires}, {@code max_bytes},
 * {@code max_waiting}), a request's {@code max_bytes} against the messages' sizes, and
 * {@code no_wait}: the same requests on nats-server 2.14+ (raw {@code $JS.API.CONSUMER.MSG.NEXT}
 * requests, each answer's messages and status line read) and on the runtime
 * ({@link PullConsumer#fetch}), compared request by request: the stream sequences delivered, the
 * refusal (a 409 with no message, {@link PullRequestRefusedException} in the runtime) and the
 * consumer's delivered, ack pending and pending counts after it. Stream {@code L}: five messages
 * on {@code l.a} with 100-byte payloads. What the server answered is printed, status lines and all.
 */
class PullLimitsIT {
    private static final int PAYLOAD = 100;
    private static final String EMPTY_FILTER = "l.none";
    private final Path tmp = Repo.work("PullLimitsIT");
    private final ObjectMapper json = new ObjectMapper();

    /** One pull request; {@code expiresMillis} 0 with {@code noWait}, as the runtime's Duration.ZERO. */
    private record Request(String consumer, int batch, long maxBytes, long expiresMillis) {
        boolean noWait() {
            return expiresMillis == 0;
        }

        String body() {
            StringBuilder b = new StringBuilder("{\"batch\":").append(batch);
            if (maxBytes > 0) {
                b.append(",\"max_bytes\":").append(maxBytes);
            }
            if (noWait()) {
                b.append(",\"no_wait\":true");
            } else {
                b.append(",\"expires\":").append(Duration.ofMillis(expiresMillis).toNanos());
            }
            return b.append('}').toString();
        }
    }

    /**
     * What a side answered: the stream sequences delivered, the refusal ("409 ..." when nothing
     * was delivered and the answer was a 409; empty otherwise) and the consumer's state after it.
     */
    private record Answer(List<Long> delivered, String refusal, String state) {
    }

    /** The consumers, each with the limit it is about. */
    private static final Map<String, String> CONSUMERS = new LinkedHashMap<>();

    static {
        CONSUMERS.put("B", "\"max_batch\":3");
        CONSUMERS.put("E", "\"max_expires\":1500000000");
        CONSUMERS.put("Y", "\"max_bytes\":1000");
        CONSUMERS.put("Z", null);
        CONSUMERS.put("W", "\"max_waiting\":1,\"filter_subject\":\"" + EMPTY_FILTER + "\"");
        CONSUMERS.put("N", "\"filter_subject\":\"" + EMPTY_FILTER + "\"");
        CONSUMERS.put("R", null);
    }

    /**
     * The size nats-server counts against max_bytes for a first delivery by Z: subject, the v1 ack
     * reply {@code $JS.ACK.L.Z.1.<sseq>.<dseq>.<ts>.<pending>} with a 19-digit timestamp, payload.
     */
    private static long sizeForZ(long sseq, long dseq, long pendingAfter) {
        return "l.a".length() + ("$JS.ACK.L.Z.1." + sseq + "." + dseq + ".").length() + 19 + 1
                + Long.toString(pendingAfter).length() + PAYLOAD;
    }

    private static List<Request> requests() {
        long shortOfTwo = sizeForZ(3, 3, 1) + sizeForZ(4, 4, 0) - 1;
        long exactlyTwo = sizeForZ(4, 4, 1) + sizeForZ(5, 5, 0);
        return List.of(
                new Request("B", 4, 0, 0),          // over max_batch
                new Request("B", 3, 0, 0),          // at max_batch
                new Request("B", 3, 0, 0),          // no_wait: the two there are, then 404
                new Request("E", 1, 0, 2000),       // over max_expires
                new Request("E", 1, 0, 1500),       // at max_expires
                new Request("Y", 1, 1001, 0),       // over max_bytes
                new Request("Y", 1, 1000, 0),       // at max_bytes
                new Request("Z", 5, 50, 0),         // the first message larger than the request's max_bytes
                new Request("Z", 5, 2 * sizeForZ(1, 1, 4) + PAYLOAD / 2, 0), // two fit, the third does not
                new Request("Z", 5, shortOfTwo, 0), // a byte short of two: one, then 409
                new Request("Z", 5, exactlyTwo, 0), // exactly two: the request ends with them
                new Request("Z", 10, 0, 0),         // no_wait, nothing left: 404
                new Request("N", 1, 0, 0),          // no_wait, nothing: 404
                new Request("N", 1, 0, 300));       // expires, nothing: 408
    }

    @TestFactory
    Stream<DynamicNode> pullRequestsAreAnsweredAsTheServerAnswersThem() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            var b = NatsServers.discover().requireV214Plus();
            return Stream.of(dynamicTest(b + ": request limits", () -> {
                Path serverStore = Files.createDirectories(tmp.resolve("server").resolve("store"));
                List<Answer> server = new ArrayList<>();
                List<Answer> waitingServer = new ArrayList<>();
                try (NatsServerProcess nats = NatsServerProcess.start(b, serverStore, tmp.resolve("server").resolve("run"),
                        ServerAccounts.GLOBAL); NatsClient client = nats.connect(Account.GLOBAL)) {
                    raw(client, "$JS.API.STREAM.CREATE.L", "{\"name\":\"L\",\"subjects\":[\"l.*\"]}");
                    for (int i = 0; i < 5; i++) {
                        client.connection().jetStream().publish("l.a", payload());
                    }
                    for (var e : CONSUMERS.entrySet()) {
                        JsonNode a = raw(client, "$JS.API.CONSUMER.CREATE.L." + e.getKey(), "{\"stream_name\":\"L\",\"config\":{\"durable_name\":\""
                                + e.getKey() + "\",\"ack_policy\":\"explicit\"" + (e.getValue() == null ? "" : "," + e.getValue()) + "}}");
                        assertThat(a.has("error")).as(e.getKey() + ": " + a).isFalse();
                    }
                    for (Request r : requests()) {
                        server.add(serverRequest(client, r));
                    }
                    // max_waiting 1: one request waits (its filter matches nothing), the next is refused.
                    String inbox = client.connection().createInbox();
                    Subscription parked = client.connection().subscribe(inbox);
                    client.connection().publish("$JS.API.CONSUMER.MSG.NEXT.L.W", inbox,
                            new Request("W", 1, 0, 5000).body().getBytes(StandardCharsets.UTF_8));
                    client.connection().flush(Duration.ofSeconds(5));
                    waitUntil(() -> raw(client, "$JS.API.CONSUMER.INFO.L.W", "").path("num_waiting").asInt() == 1);
                    waitingServer.add(serverRequest(client, new Request("W", 1, 0, 1000)));
                    waitingServer.add(serverRequest(client, new Request("W", 1, 0, 0)));
                    parked.unsubscribe();
                    // A redelivery that does not fit: nak'd once, then a request too small for it, then one that takes it.
                    ServerPull r = new ServerPull(client.connection(), "L", "R");
                    assertThat(r.answer(r.fetchNoWait(1).get(0), "-NAK")).isTrue();
                    waitingServer.add(serverRequest(client, new Request("R", 1, 50, 0)));
                    List<ServerPull.Delivered> again = r.fetchNoWait(1);
                    waitingServer.add(new Answer(List.of(again.get(0).streamSeq(), again.get(0).deliveries()), "", ""));
                }

                Path runtimeStore = Files.createDirectories(tmp.resolve("runtime").resolve("store"));
                List<Answer> runtime = new ArrayList<>();
                List<Answer> waitingRuntime = new ArrayList<>();
                try (JetStartStore js = JetStart.open(runtimeStore, RuntimeOptions.defaults())) {
                    JetStartStream s = js.createStream("$G", io.jetstart.core.meta.StreamConfig.parse(
                            "{\"name\":\"L\",\"subjects\":[\"l.*\"]}".getBytes(StandardCharsets.UTF_8)));
                    for (int i = 0; i < 5; i++) {
                        s.publish("l.a", payload());
                    }
                    for (var e : CONSUMERS.entrySet()) {
                        s.createConsumer("{\"durable_name\":\"" + e.getKey() + "\",\"ack_policy\":\"explicit\""
                                + (e.getValue() == null ? "" : "," + e.getValue()) + "}");
                    }
                    for (Request r : requests()) {
                        runtime.add(runtimeRequest(s, r));
                    }
                    PullConsumer w = s.consumer("W");
                    CompletableFuture<List<ConsumedMessage>> parked = CompletableFuture.supplyAsync(() -> {
                        try {
                            return w.fetch(1, 0, Duration.ofSeconds(5));
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    waitUntil(() -> w.status().numWaiting() == 1);
                    waitingRuntime.add(runtimeRequest(s, new Request("W", 1, 0, 1000)));
                    waitingRuntime.add(runtimeRequest(s, new Request("W", 1, 0, 0)));
                    assertThat(parked.get()).isEmpty();
                    PullConsumer r = s.consumer("R");
                    r.fetch(1, 0, Duration.ZERO).get(0).nak();
                    waitingRuntime.add(runtimeRequest(s, new Request("R", 1, 50, 0)));
                    ConsumedMessage again = r.fetch(1, 0, Duration.ZERO).get(0);
                    waitingRuntime.add(new Answer(List.of(again.streamSeq(), again.deliveries()), "", ""));
                }

                List<Request> rs = requests();
                for (int i = 0; i < rs.size(); i++) {
                    System.out.println("PULL " + rs.get(i) + " " + rs.get(i).body() + "\n    server  " + server.get(i) + "\n    runtime " + runtime.get(i));
                }
                System.out.println("PULL max_waiting 1 (one waiting, then with expires, then no_wait); R's redelivery too large, then taken: server " + waitingServer + "\n    runtime " + waitingRuntime);
                for (int i = 0; i < rs.size(); i++) {
                    assertThat(runtime.get(i)).as(rs.get(i).toString()).isEqualTo(server.get(i));
                }
                assertThat(waitingRuntime).isEqualTo(waitingServer);
                assertThat(waitingServer.get(0).refusal()).isEqualTo("409 Exceeded MaxWaiting");
                assertThat(waitingServer.get(3).delivered()).as("R's message, its second delivery").containsExactly(1L, 2L);
                assertThat(server.get(0).refusal()).isEqualTo("409 Exceeded MaxRequestBatch of 3");
            }));
        });
    }

    private static byte[] payload() {
        return "x".repeat(PAYLOAD).getBytes(StandardCharsets.UTF_8);
    }

    /** Raw request on the server: every message of the answer, up to its status line or the batch. */
    private Answer serverRequest(NatsClient client, Request r) throws Exception {
        var connection = client.connection();
        String inbox = connection.createInbox();
        Subscription sub = connection.subscribe(inbox);
        List<Long> seqs = new ArrayList<>();
        String status = "";
        try {
            connection.publish("$JS.API.CONSUMER.MSG.NEXT.L." + r.consumer(), inbox, r.body().getBytes(StandardCharsets.UTF_8));
            connection.flush(Duration.ofSeconds(5));
            while (true) {
                // After a full batch the server may still send a status (409 Batch Completed with
                // bytes left); a request whose max_bytes the messages met exactly ends without one.
                Duration wait = seqs.size() < r.batch() ? Duration.ofMillis(r.expiresMillis() + 2000) : Duration.ofMillis(300);
                Message m = sub.nextMessage(wait);
                if (m == null) {
                    status = "(none)";
                    break;
                }
                if (m.isStatusMessage()) {
                    status = m.getStatus().getCode() + " " + m.getStatus().getMessage();
                    break;
                }
                seqs.add(ServerPull.parse(m).streamSeq());
            }
        } finally {
            sub.unsubscribe();
        }
        System.out.println("PULL server " + r.body() + " -> " + seqs + " status '" + status + "'");
        JsonNode info = raw(client, "$JS.API.CONSUMER.INFO.L." + r.consumer(), "");
        String state = "delivered " + info.path("delivered").path("stream_seq").asLong() + "/" + info.path("delivered").path("consumer_seq").asLong()
                + " ack_pending " + info.path("num_ack_pending").asLong() + " pending " + info.path("num_pending").asLong()
                + " redelivered " + info.path("num_redelivered").asLong();
        return new Answer(seqs, seqs.isEmpty() && status.startsWith("409") ? status : "", state);
    }

    private static Answer runtimeRequest(JetStartStream s, Request r) throws Exception {
        PullConsumer c = s.consumer(r.consumer());
        List<Long> seqs = new ArrayList<>();
        String refusal = "";
        try {
            for (ConsumedMessage m : c.fetch(r.batch(), r.maxBytes(), Duration.ofMillis(r.expiresMillis()))) {
                seqs.add(m.streamSeq());
            }
        } catch (PullRequestRefusedException e) {
            refusal = e.status() + " " + e.description();
        }
        ConsumerStatus st = c.status();
        String state = "delivered " + st.delivered().streamSeq() + "/" + st.delivered().consumerSeq()
                + " ack_pending " + st.numAckPending() + " pending " + st.numPending() + " redelivered " + st.numRedelivered();
        return new Answer(seqs, refusal, state);
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }

    private static void waitUntil(Check check) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!check.holds()) {
            assertThat(System.nanoTime()).as("waited 10 s for a parked pull request").isLessThan(end);
            Thread.sleep(20);
        }
    }

    private JsonNode raw(NatsClient client, String subject, String body) throws Exception {
        Message reply = client.connection().request(subject, body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
        assertThat(reply).as("an answer to " + subject).isNotNull();
        return json.readTree(reply.getData());
    }
}
