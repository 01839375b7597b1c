package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.ConsumerStatus;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PullConsumer;
import io.jetstart.runtime.RuntimeOptions;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Consumer state across a change of owner, both ways. The runtime runs a scenario (publishes,
 * fetches, acks, naks, a term, ack policies explicit, all and none, a filter), closes, and
 * nats-server 2.10.x and 2.14+ started on the store report for every consumer exactly the state
 * the runtime reported (delivered, ack floor, ack pending, redelivered, pending), and a pull from
 * the server delivers what the runtime would have delivered next. Then the other way: the server
 * runs the scenario through raw pull requests, stops, and the runtime reports the server's state
 * and delivers what the server delivers next.
 */
class ConsumerRestartIT {
    private final Path tmp = Repo.work("ConsumerRestartIT");
    static final List<String> CONSUMERS = List.of("E", "F", "A", "N");

    /** One delivered message on either side: stream seq, delivery count, and how to answer it. */
    interface Side {
        List<long[]> fetch(String consumer, int batch) throws Exception;

        void answer(String consumer, int index, String how) throws Exception;
    }

    /** A consumer's state as both report it. */
    record State(long dc, long ds, long ac, long as, long ackPending, long redelivered, long pending) {
        static State of(ConsumerStatus s) {
            return new State(s.delivered().consumerSeq(), s.delivered().streamSeq(), s.ackFloor().consumerSeq(),
                    s.ackFloor().streamSeq(), s.numAckPending(), s.numRedelivered(), s.numPending());
        }

        static State of(ConsumerInfo i) {
            return new State(i.getDelivered().getConsumerSequence(), i.getDelivered().getStreamSequence(),
                    i.getAckFloor().getConsumerSequence(), i.getAckFloor().getStreamSequence(), i.getNumAckPending(),
                    i.getRedelivered(), i.getNumPending());
        }
    }

    @TestFactory
    Stream<DynamicNode> consumerStateMovesBetweenTheRuntimeAndTheServer() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            NatsServers servers = NatsServers.discover();
            List<NatsServerBinary> targets = servers.requireV210AndV214Plus();
            List<DynamicNode> nodes = new ArrayList<>();
            for (NatsServerBinary b : targets) {
                Path dir = tmp.resolve(b.version().toString());
                nodes.add(dynamicContainer(b.toString(), Stream.of(
                        dynamicTest("reports the state the runtime left and continues where the runtime stopped",
                                () -> runtimeToServer(b, dir.resolve("from-runtime"))),
                        dynamicTest("the runtime reports the state the server left and continues where the server stopped",
                                () -> serverToRuntime(b, dir.resolve("from-server"))))));
            }
            return nodes.stream();
        });
    }

    /** The same operations on either side; leaves pending, redelivered and acked messages behind. */
    static void scenario(Side s) throws Exception {
        s.fetch("E", 10);
        for (int i : new int[] {0, 1, 2, 4}) {
            s.answer("E", i, "+ACK");
        }
        s.answer("E", 6, "-NAK");
        s.fetch("E", 2);
        s.answer("E", 11, "+ACK");
        s.fetch("F", 5);
        s.answer("F", 0, "+ACK");
        s.answer("F", 1, "+ACK");
        s.answer("F", 2, "+TERM");
        s.fetch("A", 8);
        s.answer("A", 4, "+ACK");
        s.fetch("N", 4);
    }

    private void runtimeToServer(NatsServerBinary b, Path dir) throws Exception {
        Path store = java.nio.file.Files.createDirectories(dir.resolve("store"));
        Map<String, State> runtimeStates = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = createInRuntime(js);
            scenario(new RuntimeSide(s));
            for (String c : CONSUMERS) {
                runtimeStates.put(c, State.of(s.consumerInfo(c)));
            }
        }
        Path serverCopy = StoreFiles.copy(store, dir.resolve("server-store"));
        Map<String, State> serverStates = new LinkedHashMap<>();
        Map<String, List<String>> serverNext = new LinkedHashMap<>();
        try (NatsServerProcess nats = NatsServerProcess.start(b, serverCopy, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = nats.connect(Account.GLOBAL)) {
            for (String c : CONSUMERS) {
                ServerPull p = new ServerPull(client.connection(), "R", c);
                serverStates.put(c, State.of(p.info()));
                serverNext.put(c, p.fetchNoWait(100).stream().map(d -> d.streamSeq() + "/" + d.deliveries()).toList());
            }
        }
        Map<String, List<String>> runtimeNext = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = js.stream("R").await(Duration.ofSeconds(30));
            for (String c : CONSUMERS) {
                runtimeNext.put(c, s.consumer(c).fetch(100, 0, Duration.ZERO).stream()
                        .map(m -> m.streamSeq() + "/" + m.deliveries()).toList());
            }
        }
        System.out.println("[it] " + b + " runtime states " + runtimeStates + ", next " + runtimeNext);
        assertThat(serverStates).as(b + " reports the runtime's consumer state").isEqualTo(runtimeStates);
        assertThat(serverNext).as(b + " continues where the runtime stopped").isEqualTo(runtimeNext);
    }

    private void serverToRuntime(NatsServerBinary b, Path dir) throws Exception {
        Path store = dir.resolve("store");
        Map<String, State> running = new LinkedHashMap<>();
        try (NatsServerProcess nats = NatsServerProcess.start(b, store, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = nats.connect(Account.GLOBAL)) {
            createOnServer(client.connection());
            scenario(new ServerSide(client.connection()));
            for (String c : CONSUMERS) {
                running.put(c, State.of(new ServerPull(client.connection(), "R", c).info()));
            }
        }
        Path serverCopy = StoreFiles.copy(store, dir.resolve("server-again"));
        ServerView left;
        try (NatsServerProcess nats = NatsServerProcess.start(b, serverCopy, dir.resolve("server2"), ServerAccounts.GLOBAL);
             NatsClient client = nats.connect(Account.GLOBAL)) {
            left = ServerView.of(client.connection(), running);
        }
        Map<String, State> runtimeStates = new LinkedHashMap<>();
        Map<String, List<String>> runtimeNext = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = js.stream("R").await(Duration.ofSeconds(30));
            for (String c : CONSUMERS) {
                runtimeStates.put(c, State.of(s.consumerInfo(c)));
                runtimeNext.put(c, s.consumer(c).fetch(100, 0, Duration.ZERO).stream()
                        .map(m -> m.streamSeq() + "/" + m.deliveries()).toList());
            }
        }
        System.out.println("[it] " + b + " server states " + left.states() + ", next " + left.next());
        assertThat(runtimeStates).as("the runtime reports " + b + "'s consumer state").isEqualTo(left.states());
        assertThat(runtimeNext).as("the runtime continues where " + b + " stopped").isEqualTo(left.next());
    }

    /**
     * What a server left on disk for the scenario's consumers: the state a server restarted on the
     * store reports, and what it delivers next. Not the stopped server's last report: nats-server's
     * consumer flusher encodes the state, unlocks, and then clears the dirty flag when it writes, so
     * a delivery made in between is neither in that write nor written at stop (its {@code Stop}
     * writes only when dirty). Seen on 2.15.1 with the ack-none consumer: reported 4 delivered just
     * before SIGTERM, left 3 in o.dat, and a restarted server delivered from 4. The two views are
     * printed when they differ, so the server's lost update stays visible.
     */
    record ServerView(Map<String, State> states, Map<String, List<String>> next) {
        static ServerView of(Connection nc, Map<String, State> running) throws Exception {
            Map<String, State> states = new LinkedHashMap<>();
            Map<String, List<String>> next = new LinkedHashMap<>();
            for (String c : CONSUMERS) {
                ServerPull p = new ServerPull(nc, "R", c);
                states.put(c, State.of(p.info()));
                next.put(c, p.fetchNoWait(100).stream().map(d -> d.streamSeq() + "/" + d.deliveries()).toList());
            }
            if (!states.equals(running)) {
                System.out.println("[it] the server's last report " + running + " differs from what it left on disk "
                        + states + " (nats-server's consumer flusher lost an update at stop)");
            }
            return new ServerView(states, next);
        }
    }

    private static String subject(int i) {
        return i % 2 == 0 ? "r.b" : "r.a";
    }

    /** The scenario's stream {@code R} (30 messages over r.a and r.b) and its four consumers, made in the runtime. */
    static JetStartStream createInRuntime(JetStartStore js) throws Exception {
        JetStartStream s = js.createStream("$G", StreamConfig.parse(
                "{\"name\":\"R\",\"subjects\":[\"r.*\"]}".getBytes(StandardCharsets.UTF_8)));
        for (int i = 1; i <= 30; i++) {
            s.publish(subject(i), ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        s.createConsumer("{\"durable_name\":\"E\",\"ack_policy\":\"explicit\"}");
        s.createConsumer("{\"durable_name\":\"F\",\"ack_policy\":\"explicit\",\"filter_subject\":\"r.b\"}");
        s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"all\"}");
        s.createConsumer("{\"durable_name\":\"N\",\"ack_policy\":\"none\"}");
        return s;
    }

    /** The same stream and consumers, made through a server with jnats. */
    static void createOnServer(Connection nc) throws Exception {
        JetStreamManagement jsm = nc.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name("R").subjects("r.*").storageType(StorageType.File).build());
        for (int i = 1; i <= 30; i++) {
            nc.jetStream().publish(subject(i), ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        jsm.addOrUpdateConsumer("R", ConsumerConfiguration.builder().durable("E").ackPolicy(AckPolicy.Explicit).build());
        jsm.addOrUpdateConsumer("R", ConsumerConfiguration.builder().durable("F").ackPolicy(AckPolicy.Explicit)
                .filterSubject("r.b").build());
        jsm.addOrUpdateConsumer("R", ConsumerConfiguration.builder().durable("A").ackPolicy(AckPolicy.All).build());
        jsm.addOrUpdateConsumer("R", ConsumerConfiguration.builder().durable("N").ackPolicy(AckPolicy.None).build());
    }

    /** The runtime side: answers by index into everything the consumer delivered so far. */
    static final class RuntimeSide implements Side {
        private final JetStartStream stream;
        private final Map<String, List<ConsumedMessage>> delivered = new LinkedHashMap<>();

        RuntimeSide(JetStartStream stream) {
            this.stream = stream;
        }

        @Override
        public List<long[]> fetch(String consumer, int batch) throws Exception {
            PullConsumer c = stream.consumer(consumer);
            List<ConsumedMessage> got = c.fetch(batch, 0, Duration.ZERO);
            delivered.computeIfAbsent(consumer, k -> new ArrayList<>()).addAll(got);
            return got.stream().map(m -> new long[] {m.streamSeq(), m.deliveries()}).toList();
        }

        @Override
        public void answer(String consumer, int index, String how) {
            ConsumedMessage m = delivered.get(consumer).get(index);
            switch (how) {
                case "+ACK" -> m.ack();
                case "-NAK" -> m.nak();
                case "+TERM" -> m.term();
                case "+WPI" -> m.inProgress();
                default -> {
                    if (how.startsWith("-NAK {\"delay\":")) {
                        m.nak(Duration.ofNanos(Long.parseLong(how.replaceAll("\\D", ""))));
                    } else {
                        throw new IllegalArgumentException(how);
                    }
                }
            }
        }
    }

    /** The server side, through raw pull requests and acks with replies. */
    static final class ServerSide implements Side {
        private final io.nats.client.Connection connection;
        private final Map<String, List<ServerPull.Delivered>> delivered = new LinkedHashMap<>();

        ServerSide(io.nats.client.Connection connection) {
            this.connection = connection;
        }

        @Override
        public List<long[]> fetch(String consumer, int batch) throws Exception {
            List<ServerPull.Delivered> got = new ServerPull(connection, "R", consumer).fetchNoWait(batch);
            delivered.computeIfAbsent(consumer, k -> new ArrayList<>()).addAll(got);
            return got.stream().map(d -> new long[] {d.streamSeq(), d.deliveries()}).toList();
        }

        @Override
        public void answer(String consumer, int index, String how) throws Exception {
            new ServerPull(connection, "R", consumer).answer(delivered.get(consumer).get(index), how);
        }
    }
}
