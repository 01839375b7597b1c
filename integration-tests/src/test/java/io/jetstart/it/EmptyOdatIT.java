package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * A consumer whose {@code o.dat} a clean stop left empty (2.10 rewrites it in place: truncate, then
 * write) or that has none. nats-server 2.10.x and 2.14+ write a store (a limits stream whose first
 * sequence has moved, consumers delivering all, new, and from a start sequence below the first,
 * each with delivered, acked and pending messages), stop; then one consumer of each kind has its
 * {@code o.dat} truncated to 0 bytes and another has it deleted. The server restarted on a copy,
 * {@code jetstart inspect}, and the runtime on another copy report the same state (an empty file is
 * a zero state; a missing one starts from the deliver policy, with the ack floor at that start only
 * on 2.14+) and deliver the same messages next. A second stream holds consumers of the other
 * policies, every {@code o.dat} deleted: {@code last}, {@code last_per_subject} and
 * {@code by_start_time}, without filters, with one, with several, with a wildcard, and a third
 * one {@code last_per_subject} on a stream with {@code max_msgs_per_subject: 1} (nats-server's
 * {@code selectStartingSeqNo}, core's {@code StartPosition}); the runtime creates the same
 * configs anew on its copy and must start them where the server restarted those without o.dat.
 */
class EmptyOdatIT {
    private static final List<String> EMPTY = List.of("EA", "EN", "ES");
    private static final List<String> MISSING = List.of("MA", "MN", "MS");
    /** Stream P's consumers, all with o.dat deleted. */
    private static final List<String> POLICIES = List.of("ML", "MLF", "MLM", "MLW", "MPS", "MPM", "MT", "MTF", "MTM");
    /** Stream Q's consumer (max_msgs_per_subject 1), its o.dat deleted. */
    private static final List<String> ONE_PER_SUBJECT = List.of("MQ");
    private final Path tmp = Repo.work("EmptyOdatIT");

    /** One consumer's reported state: delivered, ack floor, ack pending, redelivered, pending. */
    record State(long dc, long ds, long ac, long as, long ackPending, long redelivered, long pending) {
    }

    @TestFactory
    Stream<DynamicNode> anEmptyOrMissingOdatIsReadAsTheServerReadsIt() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            NatsServers servers = NatsServers.discover();
            return servers.requireV210AndV214Plus().stream()
                    .map(b -> dynamicTest(b + ": the server, inspect and the runtime agree", () -> agree(b, tmp.resolve(b.version().toString()))));
        });
    }

    private static void agree(NatsServerBinary b, Path dir) throws Exception {
        Path store = dir.resolve("store");
        Map<String, ConsumerConfiguration> policyConfigs;
        try (NatsServerProcess nats = NatsServerProcess.start(b, store, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = nats.connect(Account.GLOBAL)) {
            JetStreamManagement jsm = client.connection().jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("O").subjects("o.*").maxMessages(50).storageType(StorageType.File).build());
            publish(client, 1, 60);
            for (String c : List.of("EA", "MA")) {
                jsm.addOrUpdateConsumer("O", ConsumerConfiguration.builder().durable(c).ackPolicy(AckPolicy.Explicit).build());
            }
            for (String c : List.of("EN", "MN")) {
                jsm.addOrUpdateConsumer("O", ConsumerConfiguration.builder().durable(c).ackPolicy(AckPolicy.Explicit)
                        .deliverPolicy(DeliverPolicy.New).build());
            }
            for (String c : List.of("ES", "MS")) {
                jsm.addOrUpdateConsumer("O", ConsumerConfiguration.builder().durable(c).ackPolicy(AckPolicy.Explicit)
                        .deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(5).build());
            }
            publish(client, 61, 80);
            policyConfigs = policies(client, jsm);
            for (String c : List.of("EA", "MA", "EN", "MN", "ES", "MS")) {
                ServerPull p = new ServerPull(client.connection(), "O", c);
                List<ServerPull.Delivered> got = p.fetchNoWait(10);
                for (int i = 0; i < 3; i++) {
                    p.answer(got.get(i), "+ACK");
                }
            }
        }
        Path streamDir = store.resolve("jetstream/$G/streams/O/obs");
        for (String c : EMPTY) {
            Files.write(streamDir.resolve(c).resolve("o.dat"), new byte[0]);
        }
        for (String c : MISSING) {
            Files.delete(streamDir.resolve(c).resolve("o.dat"));
        }
        for (String c : ONE_PER_SUBJECT) {
            Files.deleteIfExists(store.resolve("jetstream/$G/streams/Q/obs").resolve(c).resolve("o.dat"));
        }
        for (String c : POLICIES) {
            // 2.10 does not store a start for `last` without filters (it returns first), so it may have none.
            Files.deleteIfExists(store.resolve("jetstream/$G/streams/P/obs").resolve(c).resolve("o.dat"));
        }
        Map<String, List<String>> all = new LinkedHashMap<>();
        all.put("O", List.of("EA", "EN", "ES", "MA", "MN", "MS"));
        all.put("P", POLICIES);
        all.put("Q", ONE_PER_SUBJECT);

        Map<String, State> serverStates = new LinkedHashMap<>();
        Map<String, List<String>> serverNext = new LinkedHashMap<>();
        try (NatsServerProcess nats = NatsServerProcess.start(b, StoreFiles.copy(store, dir.resolve("server-copy")),
                dir.resolve("server2"), ServerAccounts.GLOBAL);
             NatsClient client = nats.connect(Account.GLOBAL)) {
            for (Map.Entry<String, List<String>> stream : all.entrySet()) {
                for (String c : stream.getValue()) {
                    ServerPull p = new ServerPull(client.connection(), stream.getKey(), c);
                    var i = p.info();
                    serverStates.put(c, new State(i.getDelivered().getConsumerSequence(), i.getDelivered().getStreamSequence(),
                            i.getAckFloor().getConsumerSequence(), i.getAckFloor().getStreamSequence(), i.getNumAckPending(),
                            i.getRedelivered(), i.getNumPending()));
                }
            }
            for (Map.Entry<String, List<String>> stream : all.entrySet()) {
                for (String c : stream.getValue()) {
                    serverNext.put(c, new ServerPull(client.connection(), stream.getKey(), c).fetchNoWait(5).stream()
                            .map(d -> d.streamSeq() + "/" + d.consumerSeq() + "/" + d.deliveries()).toList());
                }
            }
        }

        JsonNode inspect = new Jetstart(dir.resolve("work")).inspect(store).json();
        Map<String, State> inspected = new LinkedHashMap<>();
        for (JsonNode s : inspect.path("streams")) {
            if (all.containsKey(s.path("name").asText())) {
                for (JsonNode c : s.path("consumers")) {
                    inspected.put(c.path("name").asText(), new State(c.path("delivered").path("consumer_seq").asLong(),
                            c.path("delivered").path("stream_seq").asLong(), c.path("ack_floor").path("consumer_seq").asLong(),
                            c.path("ack_floor").path("stream_seq").asLong(), c.path("num_ack_pending").asLong(),
                            c.path("num_redelivered").asLong(), c.path("num_pending").asLong()));
                    assertThat(c.path("problems")).as(c.path("name").asText()).isEmpty();
                }
            }
        }

        Map<String, State> runtimeStates = new LinkedHashMap<>();
        Map<String, List<String>> runtimeNext = new LinkedHashMap<>();
        Map<String, String> newStarts = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(StoreFiles.copy(store, dir.resolve("runtime-copy")), RuntimeOptions.defaults())) {
            for (Map.Entry<String, List<String>> stream : all.entrySet()) {
                JetStartStream s = js.stream(stream.getKey()).await(Duration.ofSeconds(30));
                for (String c : stream.getValue()) {
                    var i = s.consumerInfo(c);
                    runtimeStates.put(c, new State(i.delivered().consumerSeq(), i.delivered().streamSeq(), i.ackFloor().consumerSeq(),
                            i.ackFloor().streamSeq(), i.numAckPending(), i.numRedelivered(), i.numPending()));
                }
            }
            for (Map.Entry<String, List<String>> stream : all.entrySet()) {
                JetStartStream s = js.stream(stream.getKey()).await(Duration.ofSeconds(30));
                for (String c : stream.getValue()) {
                    runtimeNext.put(c, s.consumer(c).fetch(5, 0, Duration.ZERO).stream()
                            .map(m -> m.streamSeq() + "/" + m.consumerSeq() + "/" + m.deliveries()).toList());
                }
            }
            // The same configs created anew in the runtime: a missing o.dat is selected as a new
            // consumer is, so the runtime's new consumer starts where the restarted server did.
            for (Map.Entry<String, ConsumerConfiguration> c : policyConfigs.entrySet()) {
                JetStartStream p = js.stream(c.getKey().equals("MQ") ? "Q" : "P").await(Duration.ofSeconds(30));
                String name = "N" + c.getKey();
                p.createConsumer(ConsumerConfiguration.builder(c.getValue()).name(name).durable(name).build().toJson());
                var i = p.consumerInfo(name);
                newStarts.put(c.getKey(), i.delivered().streamSeq() + "/" + i.numPending() + " "
                        + p.consumer(name).fetch(5, 0, Duration.ZERO).stream()
                        .map(m -> m.streamSeq() + "/" + m.consumerSeq() + "/" + m.deliveries()).toList());
            }
        }
        System.out.println("[it] " + b + " server states " + serverStates + ", next " + serverNext);
        // The cases themselves, so a server that changed its rule shows here first.
        assertThat(serverStates.get("EA")).as(b + ": an empty o.dat is a zero state").isEqualTo(new State(0, 0, 0, 0, 0, 0, 50));
        assertThat(serverNext.get("EN")).as(b + ": an empty o.dat ignores deliver new").first().isEqualTo("31/1/1");
        assertThat(serverStates.get("MA").ds()).as(b + ": a missing o.dat starts from the deliver policy").isEqualTo(30);
        assertThat(serverStates.get("MA").as()).as(b + ": the ack floor of a missing o.dat").isEqualTo(b.version().atLeast(2, 14) ? 30 : 0);
        // Stream P: 34-83, p.0/p.1/p.2 to 80, then p.x at 81 and 82, p.0 at 83; the time is that of 61.
        assertThat(serverStates.get("ML").ds()).as(b + ": last, no filter").isEqualTo(82);
        assertThat(serverStates.get("MLF").ds()).as(b + ": last, one filter").isEqualTo(78);
        assertThat(serverStates.get("MLM").ds()).as(b + ": last, two filters").isEqualTo(82);
        assertThat(serverStates.get("MLW").ds()).as(b + ": last, a wildcard filter").isEqualTo(82);
        assertThat(serverStates.get("MPS").ds()).as(b + ": last_per_subject, a wildcard filter").isEqualTo(78);
        assertThat(serverNext.get("MPS")).as(b + ": last_per_subject's skip list").first().isEqualTo("79/1/1");
        assertThat(serverStates.get("MPM").ds()).as(b + ": last_per_subject, two filters").isEqualTo(78);
        assertThat(serverStates.get("MT").ds()).as(b + ": by_start_time").isEqualTo(60);
        assertThat(serverStates.get("MTF").ds()).as(b + ": by_start_time, a filter first matched after the time").isEqualTo(80);
        assertThat(serverStates.get("MTM").ds()).as(b + ": by_start_time, two filters").isEqualTo(80);
        // Stream Q: q.b at 2, q.a at 3, q.c at 4 (q.a at 1 replaced): last_per_subject starts at the first.
        assertThat(serverStates.get("MQ").ds()).as(b + ": last_per_subject, max_msgs_per_subject 1").isEqualTo(1);
        assertThat(serverNext.get("MQ")).as(b + ": last_per_subject, max_msgs_per_subject 1").containsExactly("4/1/1");
        assertThat(inspected).as("jetstart inspect reports " + b + "'s state").isEqualTo(serverStates);
        assertThat(runtimeStates).as("the runtime reports " + b + "'s state").isEqualTo(serverStates);
        assertThat(runtimeNext).as("the runtime delivers what " + b + " delivers next").isEqualTo(serverNext);
        Map<String, String> serverStarts = new LinkedHashMap<>();
        for (String c : policyConfigs.keySet()) {
            serverStarts.put(c, serverStates.get(c).ds() + "/" + serverStates.get(c).pending() + " " + serverNext.get(c));
        }
        assertThat(newStarts).as("the runtime's new consumers start where " + b + " restarts one without o.dat")
                .isEqualTo(serverStarts);
    }

    /**
     * Stream P (limits, 50 messages): p.0/p.1/p.2 in turn for 1-60, the consumers (by_start_time
     * from a time after 60), p.0/p.1/p.2 for 61-80, p.x at 81 and 82, p.0 at 83: first 34, last 83.
     */
    private static Map<String, ConsumerConfiguration> policies(NatsClient client, JetStreamManagement jsm) throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("P").subjects("p.*").maxMessages(50).storageType(StorageType.File).build());
        for (int i = 1; i <= 60; i++) {
            client.connection().jetStream().publish("p." + (i % 3), ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        Thread.sleep(5); // a start time strictly after message 60's
        ZonedDateTime time = ZonedDateTime.now(ZoneOffset.UTC);
        Thread.sleep(5);
        Map<String, ConsumerConfiguration.Builder> cs = new LinkedHashMap<>();
        cs.put("ML", ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.Last));
        cs.put("MLF", ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.Last).filterSubject("p.1"));
        cs.put("MLM", ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.Last).filterSubjects("p.0", "p.x"));
        cs.put("MLW", ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.Last).filterSubject("p.*"));
        cs.put("MPS", ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.LastPerSubject).filterSubject("p.*"));
        cs.put("MPM", ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.LastPerSubject).filterSubjects("p.1", "p.x"));
        cs.put("MT", ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.ByStartTime).startTime(time));
        cs.put("MTF", ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.ByStartTime).startTime(time).filterSubject("p.x"));
        cs.put("MTM", ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.ByStartTime).startTime(time)
                .filterSubjects("p.2", "p.x"));
        Map<String, ConsumerConfiguration> configs = new LinkedHashMap<>();
        for (Map.Entry<String, ConsumerConfiguration.Builder> c : cs.entrySet()) {
            configs.put(c.getKey(), c.getValue().durable(c.getKey()).ackPolicy(AckPolicy.Explicit).build());
            jsm.addOrUpdateConsumer("P", configs.get(c.getKey()));
        }
        for (int i = 61; i <= 80; i++) {
            client.connection().jetStream().publish("p." + (i % 3), ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        client.connection().jetStream().publish("p.x", "x81".getBytes(StandardCharsets.UTF_8));
        client.connection().jetStream().publish("p.x", "x82".getBytes(StandardCharsets.UTF_8));
        client.connection().jetStream().publish("p.0", "m83".getBytes(StandardCharsets.UTF_8));

        // Stream Q keeps one message per subject: every message is its subject's last.
        jsm.addStream(StreamConfiguration.builder().name("Q").subjects("q.*").maxMessagesPerSubject(1)
                .storageType(StorageType.File).build());
        for (String subject : List.of("q.a", "q.b", "q.a", "q.c")) {
            client.connection().jetStream().publish(subject, subject.getBytes(StandardCharsets.UTF_8));
        }
        configs.put("MQ", ConsumerConfiguration.builder().durable("MQ").ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.LastPerSubject).filterSubject("q.c").build());
        jsm.addOrUpdateConsumer("Q", configs.get("MQ"));
        return configs;
    }

    private static void publish(NatsClient client, int from, int to) throws Exception {
        for (int i = from; i <= to; i++) {
            client.connection().jetStream().publish("o." + (i % 3), ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
    }
}
