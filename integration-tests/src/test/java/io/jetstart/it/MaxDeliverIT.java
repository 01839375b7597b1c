package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.ConsumerStatus;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Messages reaching {@code max_deliver}, step by step on nats-server 2.14+ (raw pull requests) and
 * on the runtime side by side, on a limits, an interest and a work-queue stream with three
 * consumers: {@code E} (ack wait 1 s, {@code max_deliver} 2), {@code B} ({@code max_deliver} 3,
 * {@code backoff} 1 s, 2 s) and {@code O} (ack wait 1 s, {@code max_deliver} 1). After every step
 * both report the same deliveries (stream seq / delivery count), consumer info (delivered, ack
 * floor, ack pending, redelivered, pending) and stream (messages, first, last, the live
 * sequences): a fetch once a message's last allowed delivery expired (nothing comes, and only then
 * does the message leave the pending list), a late ack of such a message, and a message still
 * pending at its last delivery when both close. Then the restart: the server started on its own
 * files, the runtime reopened, and the server started on a copy of the runtime's files report the
 * same, and nothing at max_deliver is delivered again after the ack wait; then an ack that leaves
 * E with nothing pending (its stored ack floor moves to delivered, past the messages at
 * max_deliver) and a second restart the same way.
 *
 * <p>{@code -Djetstart.maxdeliver.server=2.10} runs the server side on a 2.10.x build instead
 * (a measurement: the runtime answers as 2.14+ do, so differences there are 2.10's).
 */
class MaxDeliverIT {
    private static final Duration ACK_WAIT = Duration.ofSeconds(1);
    /** Past an ack wait of 1 s, with room for either side's timer. */
    private static final long PAST_ONE = 1400;
    private static final List<String> CONSUMERS = List.of("E", "B", "O");

    /** One side of the comparison: the server through jnats, or the runtime. */
    private interface Side {
        String publish(String subject) throws Exception;

        String fetch(String consumer) throws Exception;

        /** Acks the {@code index}th delivery (from the first) of {@code consumer}. */
        void ack(String consumer, int index) throws Exception;

        String info(String consumer) throws Exception;

        String stream() throws Exception;

        /** A purge of the stream up to (not including) {@code seq}; what it removed. */
        String purgeUpTo(long seq) throws Exception;

        /** Naks the {@code index}th delivery (from the first) of {@code consumer}. */
        void nak(String consumer, int index) throws Exception;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"limits", "interest", "workqueue"})
    void messagesAtMaxDeliverLeaveAndStayGoneAsOnTheServer(String retention) throws Exception {
        String wanted = System.getProperty("jetstart.maxdeliver.server", "");
        NatsServers servers = NatsServers.discover();
        NatsServerBinary binary = wanted.equals("2.10") ? servers.requireV210() : servers.requireV214Plus();
        Path dir = Repo.work("MaxDeliverIT/" + retention + "-" + binary.version());
        Path runtimeStore = Files.createDirectories(dir.resolve("runtime"));
        Path serverStore = dir.resolve("server-store");
        List<String> differences = new ArrayList<>();
        List<String> log = new ArrayList<>();
        NatsServerProcess nats = NatsServerProcess.start(binary, serverStore, dir.resolve("server"), ServerAccounts.GLOBAL);
        NatsClient client = nats.connect(Account.GLOBAL);
        JetStartStore store = JetStart.open(runtimeStore, RuntimeOptions.defaults());
        try {
            JetStreamManagement jsm = client.connection().jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("M").subjects("m.*").storageType(StorageType.File)
                    .retentionPolicy(RetentionPolicy.get(retention)).build());
            JetStartStream rt = store.createStream("$G", StreamConfig.parse(("{\"name\":\"M\",\"subjects\":[\"m.*\"],"
                    + "\"retention\":\"" + retention + "\"}").getBytes(StandardCharsets.UTF_8)));
            jsm.addOrUpdateConsumer("M", ConsumerConfiguration.builder().durable("E").ackPolicy(AckPolicy.Explicit)
                    .ackWait(ACK_WAIT).maxDeliver(2).filterSubject("m.e").build());
            jsm.addOrUpdateConsumer("M", ConsumerConfiguration.builder().durable("B").ackPolicy(AckPolicy.Explicit)
                    .maxDeliver(3).backoff(Duration.ofSeconds(1), Duration.ofSeconds(2)).filterSubject("m.b").build());
            jsm.addOrUpdateConsumer("M", ConsumerConfiguration.builder().durable("O").ackPolicy(AckPolicy.Explicit)
                    .ackWait(ACK_WAIT).maxDeliver(1).filterSubject("m.o").build());
            rt.createConsumer("{\"durable_name\":\"E\",\"ack_policy\":\"explicit\",\"ack_wait\":1000000000,\"max_deliver\":2,"
                    + "\"filter_subject\":\"m.e\"}");
            rt.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\",\"max_deliver\":3,"
                    + "\"backoff\":[1000000000,2000000000],\"filter_subject\":\"m.b\"}");
            rt.createConsumer("{\"durable_name\":\"O\",\"ack_policy\":\"explicit\",\"ack_wait\":1000000000,\"max_deliver\":1,"
                    + "\"filter_subject\":\"m.o\"}");
            Pair both = new Pair(new ServerSide(client), new RuntimeSide(rt), differences, log);
            for (String s : List.of("m.e", "m.e", "m.e", "m.b", "m.b", "m.b", "m.o", "m.o")) {
                both.step("publish " + s, x -> x.publish(s));
            }
            both.fetchAll("first deliveries");
            both.step("ack E 1", x -> ack(x, "E", 0));
            both.step("ack B 4", x -> ack(x, "B", 0));
            both.step("ack O 7", x -> ack(x, "O", 0));
            both.sleep(PAST_ONE, "past the first ack wait (O's only delivery expires: max_deliver 1)");
            both.fetchAll("second deliveries (E and B; O has none)");
            both.sleep(PAST_ONE, "past E's second ack wait (its max_deliver)");
            both.fetch("E", "E after its last delivery expired");
            both.sleep(2400 - PAST_ONE, "past B's second backoff step (2 s)");
            both.fetch("B", "B's third and last delivery");
            both.step("late ack E 2 (its first delivery)", x -> ack(x, "E", 1));
            both.step("late ack O 8", x -> ack(x, "O", 1));
            both.sleep(2400, "past B's last backoff step");
            both.fetch("B", "B after its last delivery expired");
            both.step("late ack B 5 (its second delivery)", x -> ack(x, "B", 3));
            both.step("publish m.e", x -> x.publish("m.e"));
            both.fetch("E", "E's first delivery of 9");
            both.sleep(PAST_ONE, "past 9's first ack wait");
            both.fetch("E", "E's last delivery of 9, left pending at the close");

            // Two restarts: the first with 3 (E) and 6 (B) past max_deliver and unacked, 9 pending at
            // its last delivery; the second after an ack emptied E's pending list, which moves its
            // stored ack floor to delivered, past 3 and 9 (what an interest stream's restart then does).
            for (int restart = 1; restart <= 2; restart++) {
                Map<String, String> runtimeBefore = new LinkedHashMap<>();
                for (String c : CONSUMERS) {
                    runtimeBefore.put(c, both.runtime.info(c));
                }
                client.close();
                nats.close();
                store.close();
                store = null;
                Path copy = StoreFiles.copy(runtimeStore, dir.resolve("server-on-runtime-" + restart));
                Map<String, String> serverOnRuntime = new LinkedHashMap<>();
                try (NatsServerProcess other = NatsServerProcess.start(binary, copy, dir.resolve("server-on-runtime-log-" + restart),
                        ServerAccounts.GLOBAL); NatsClient oc = other.connect(Account.GLOBAL)) {
                    ServerSide s = new ServerSide(oc);
                    for (String c : CONSUMERS) {
                        serverOnRuntime.put(c, s.info(c));
                    }
                    serverOnRuntime.put("stream", s.stream());
                }
                nats = NatsServerProcess.start(binary, serverStore, dir.resolve("server"), ServerAccounts.GLOBAL);
                client = nats.connect(Account.GLOBAL);
                store = JetStart.open(runtimeStore, RuntimeOptions.defaults());
                rt = store.stream("M").await(Duration.ofSeconds(30));
                both = both.restarted(new ServerSide(client), new RuntimeSide(rt));
                Map<String, String> reopened = new LinkedHashMap<>();
                for (String c : CONSUMERS) {
                    reopened.put(c, both.runtime.info(c));
                }
                reopened.put("stream", both.runtime.stream());
                both.compareState("restart " + restart + " (the server on its own files, the runtime reopened)");
                log.add("runtime before the close " + runtimeBefore + ", reopened " + reopened);
                log.add(binary + " on the runtime's files " + serverOnRuntime);
                compare(differences, "restart " + restart + ": " + binary + " started on the runtime's files, against the runtime reopened",
                        serverOnRuntime.toString(), reopened.toString());
                both.sleep(PAST_ONE, "past the ack wait after restart " + restart);
                both.fetchAll("after restart " + restart + ": nothing at max_deliver comes again");
                if (restart == 1) {
                    // E, B and O have nothing pending now: a purge (of 1 and 2 on the limits stream, of
                    // nothing where acks removed them) resets their redelivery counts (consumer.purge).
                    both.step("purge up to 3", x -> x.purgeUpTo(3));
                    both.step("publish m.e", x -> x.publish("m.e"));
                    both.fetch("E", "E after the restart: the new message only");
                    both.step("ack E 10: E has nothing pending", x -> ack(x, "E", 0));
                }
            }
        } finally {
            client.close();
            nats.close();
            if (store != null) {
                store.close();
            }
            System.out.println("[it] MaxDeliverIT " + retention + " against " + binary + ":\n  " + String.join("\n  ", log));
        }
        assertThat(differences).as(retention + " against " + binary).isEmpty();
    }

    /**
     * The stored ack floor moves to just below the next pending message, so it can stop on a
     * message that left the pending list at max_deliver: {@code o.dat} stores each redelivery count
     * as its distance from the floor's stream sequence, and the decoder drops a distance of 0, so
     * that message's count is gone after a restart, on 2.15.1 as in the runtime (found by
     * {@code PullConsumerHammerTest}, seed 7681418267185020241). Ack wait 30 s: naks redeliver.
     */
    @org.junit.jupiter.api.Test
    void aCountAtTheStoredAckFloorIsLostAtARestartAsOnTheServer() throws Exception {
        NatsServerBinary binary = NatsServers.discover().requireV214Plus();
        Path dir = Repo.work("MaxDeliverIT/at-the-floor-" + binary.version());
        Path runtimeStore = Files.createDirectories(dir.resolve("runtime"));
        Path serverStore = dir.resolve("server-store");
        List<String> differences = new ArrayList<>();
        List<String> log = new ArrayList<>();
        NatsServerProcess nats = NatsServerProcess.start(binary, serverStore, dir.resolve("server"), ServerAccounts.GLOBAL);
        NatsClient client = nats.connect(Account.GLOBAL);
        JetStartStore store = JetStart.open(runtimeStore, RuntimeOptions.defaults());
        try {
            JetStreamManagement jsm = client.connection().jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("M").subjects("m.*").storageType(StorageType.File).build());
            JetStartStream rt = store.createStream("$G", StreamConfig.parse("{\"name\":\"M\",\"subjects\":[\"m.*\"]}"
                    .getBytes(StandardCharsets.UTF_8)));
            for (String c : CONSUMERS) {
                // The same three names as the other test's (Pair compares all three); only E is used.
                jsm.addOrUpdateConsumer("M", ConsumerConfiguration.builder().durable(c).ackPolicy(AckPolicy.Explicit)
                        .maxDeliver(2).filterSubject("m." + c.toLowerCase(java.util.Locale.ROOT)).build());
                rt.createConsumer("{\"durable_name\":\"" + c + "\",\"ack_policy\":\"explicit\",\"max_deliver\":2,"
                        + "\"filter_subject\":\"m." + c.toLowerCase(java.util.Locale.ROOT) + "\"}");
            }
            Pair both = new Pair(new ServerSide(client), new RuntimeSide(rt), differences, log);
            for (int i = 0; i < 3; i++) {
                both.step("publish m.e", x -> x.publish("m.e"));
            }
            both.fetch("E", "1, 2 and 3");
            both.step("nak 2", x -> nak(x, "E", 1));
            both.fetch("E", "2 again: its last delivery");
            both.step("nak 2 again", x -> nak(x, "E", 3));
            both.fetch("E", "2 past max_deliver: nothing");
            both.step("ack 1: the stored floor stops below 3, on 2", x -> ack(x, "E", 0));
            client.close();
            nats.close();
            store.close();
            store = null;
            Path copy = StoreFiles.copy(runtimeStore, dir.resolve("server-on-runtime"));
            String serverOnRuntime;
            try (NatsServerProcess other = NatsServerProcess.start(binary, copy, dir.resolve("server-on-runtime-log"),
                    ServerAccounts.GLOBAL); NatsClient oc = other.connect(Account.GLOBAL)) {
                serverOnRuntime = new ServerSide(oc).info("E");
            }
            nats = NatsServerProcess.start(binary, serverStore, dir.resolve("server"), ServerAccounts.GLOBAL);
            client = nats.connect(Account.GLOBAL);
            store = JetStart.open(runtimeStore, RuntimeOptions.defaults());
            both = both.restarted(new ServerSide(client), new RuntimeSide(store.stream("M").await(Duration.ofSeconds(30))));
            both.compareState("restarted");
            log.add(binary + " on the runtime's files: E " + serverOnRuntime);
            compare(differences, binary + " on the runtime's files", serverOnRuntime, both.runtime.info("E"));
            both.fetchAll("after the restart");
        } finally {
            client.close();
            nats.close();
            if (store != null) {
                store.close();
            }
            System.out.println("[it] MaxDeliverIT count at the floor against " + binary + ":\n  " + String.join("\n  ", log));
        }
        assertThat(differences).as("against " + binary).isEmpty();
    }

    private static String nak(Side side, String consumer, int index) throws Exception {
        side.nak(consumer, index);
        return "naked";
    }

    private static String ack(Side side, String consumer, int index) throws Exception {
        side.ack(consumer, index);
        return "acked";
    }

    @FunctionalInterface
    private interface Step {
        String run(Side side) throws Exception;
    }

    /** Both sides, each step run on the server first; every answer and state compared and logged. */
    private record Pair(Side server, Side runtime, List<String> differences, List<String> log) {
        Pair restarted(Side s, Side r) {
            log.add("-- restart");
            return new Pair(s, r, differences, log);
        }

        void step(String what, Step step) throws Exception {
            String a = step.run(server);
            String b = step.run(runtime);
            log.add(what + ": " + a + (a.equals(b) ? "" : "   # runtime: " + b));
            compare(differences, what, a, b);
            compareState(what);
        }

        void fetch(String consumer, String what) throws Exception {
            step(what + ": fetch " + consumer, x -> x.fetch(consumer));
        }

        void fetchAll(String what) throws Exception {
            for (String c : CONSUMERS) {
                fetch(c, what);
            }
        }

        void sleep(long millis, String why) throws Exception {
            log.add("sleep " + millis + " ms: " + why);
            Thread.sleep(millis);
            compareState("after " + why);
        }

        void compareState(String what) throws Exception {
            for (String c : CONSUMERS) {
                String b = runtime.info(c);
                String a = ConsumerModelIT.settled(() -> server.info(c), b);
                log.add("    " + c + " " + a + (a.equals(b) ? "" : "   # runtime: " + b));
                compare(differences, what + ", info " + c, a, b);
            }
            String b = runtime.stream();
            String a = ConsumerModelIT.settled(server::stream, b);
            log.add("    stream " + a + (a.equals(b) ? "" : "   # runtime: " + b));
            compare(differences, what + ", stream", a, b);
        }
    }

    private static void compare(List<String> differences, String what, String server, String runtime) {
        if (!server.equals(runtime)) {
            differences.add(what + ": server " + server + ", runtime " + runtime);
        }
    }

    private static final class ServerSide implements Side {
        private final NatsClient client;
        private final Map<String, List<ServerPull.Delivered>> delivered = new LinkedHashMap<>();

        ServerSide(NatsClient client) {
            this.client = client;
        }

        @Override
        public String publish(String subject) throws Exception {
            return "" + client.connection().jetStream().publish(subject, new byte[] {1}).getSeqno();
        }

        @Override
        public String fetch(String consumer) throws Exception {
            List<ServerPull.Delivered> got = new ServerPull(client.connection(), "M", consumer).fetchNoWait(10);
            delivered.computeIfAbsent(consumer, k -> new ArrayList<>()).addAll(got);
            return got.stream().map(d -> d.streamSeq() + "/" + d.deliveries()).toList().toString();
        }

        @Override
        public void ack(String consumer, int index) throws Exception {
            new ServerPull(client.connection(), "M", consumer).answer(delivered.get(consumer).get(index), "+ACK");
        }

        @Override
        public String info(String consumer) throws Exception {
            var i = new ServerPull(client.connection(), "M", consumer).info();
            return "delivered " + i.getDelivered().getConsumerSequence() + "/" + i.getDelivered().getStreamSequence()
                    + " ack floor " + i.getAckFloor().getConsumerSequence() + "/" + i.getAckFloor().getStreamSequence()
                    + " ack pending " + i.getNumAckPending() + " redelivered " + i.getRedelivered()
                    + " pending " + i.getNumPending();
        }

        @Override
        public String stream() throws Exception {
            var s = client.connection().jetStreamManagement().getStreamInfo("M").getStreamState();
            JsApi api = new JsApi(client.connection(), Json.mapper());
            List<Long> live = new ArrayList<>();
            for (long seq = 1; seq <= s.getLastSequence(); seq++) {
                if (api.message("M", seq).isPresent()) {
                    live.add(seq);
                }
            }
            return s.getMsgCount() + " msgs, last " + s.getLastSequence() + ", live " + live;
        }

        @Override
        public void nak(String consumer, int index) throws Exception {
            new ServerPull(client.connection(), "M", consumer).answer(delivered.get(consumer).get(index), "-NAK");
        }

        @Override
        public String purgeUpTo(long seq) throws Exception {
            io.nats.client.Message m = client.connection().request("$JS.API.STREAM.PURGE.M",
                    ("{\"seq\":" + seq + "}").getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
            var answer = Json.mapper().readTree(m.getData());
            return answer.has("error") ? answer.path("error").toString() : "purged " + answer.path("purged").asLong();
        }
    }

    private static final class RuntimeSide implements Side {
        private final JetStartStream stream;
        private final Map<String, List<ConsumedMessage>> delivered = new LinkedHashMap<>();

        RuntimeSide(JetStartStream stream) {
            this.stream = stream;
        }

        @Override
        public String publish(String subject) throws Exception {
            return "" + stream.publish(subject, new byte[] {1}).seq();
        }

        @Override
        public String fetch(String consumer) throws Exception {
            List<ConsumedMessage> got = stream.consumer(consumer).fetch(10, 0, Duration.ZERO);
            delivered.computeIfAbsent(consumer, k -> new ArrayList<>()).addAll(got);
            return got.stream().map(m -> m.streamSeq() + "/" + m.deliveries()).toList().toString();
        }

        @Override
        public void ack(String consumer, int index) {
            delivered.get(consumer).get(index).ack();
        }

        @Override
        public String info(String consumer) throws Exception {
            ConsumerStatus s = stream.consumerInfo(consumer);
            return "delivered " + s.delivered().consumerSeq() + "/" + s.delivered().streamSeq()
                    + " ack floor " + s.ackFloor().consumerSeq() + "/" + s.ackFloor().streamSeq()
                    + " ack pending " + s.numAckPending() + " redelivered " + s.numRedelivered()
                    + " pending " + s.numPending();
        }

        @Override
        public String stream() throws Exception {
            stream.flush();
            var v = stream.info();
            List<Long> live = new ArrayList<>();
            for (long seq = 1; seq <= v.lastSeq(); seq++) {
                if (stream.get(seq).isPresent()) {
                    live.add(seq);
                }
            }
            return v.messages() + " msgs, last " + v.lastSeq() + ", live " + live;
        }

        @Override
        public void nak(String consumer, int index) {
            delivered.get(consumer).get(index).nak();
        }

        @Override
        public String purgeUpTo(long seq) throws Exception {
            return "purged " + stream.purge(new io.jetstart.runtime.PurgeRequest(null, 0, seq));
        }
    }
}
