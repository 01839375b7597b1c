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
import io.nats.client.api.DeliverPolicy;
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
 * and delivers what the server delivers next. On 2.14+ also a {@code last_per_subject} consumer
 * past its skip list, whose num_pending the restarted server counts afresh by subjects: the runtime
 * restored from its own store and from the server's gives the same numbers.
 */
class ConsumerRestartIT {
    private final Path tmp = Repo.work("ConsumerRestartIT");
    static final List<String> CONSUMERS = List.of("E", "F", "A", "N");
    /** Seq 1-5, l.a l.b l.a l.b l.c: a last_per_subject consumer's skip list is 3, 4, 5. */
    private static final List<String> SKIP_LIST_SUBJECTS = List.of("l.a", "l.b", "l.a", "l.b", "l.c");
    /** Seq 6-9, published after the skip list's deliveries: 6 is delivered before the restart. */
    private static final List<String> AFTER_SUBJECTS = List.of("l.a", "l.b", "l.a", "l.b");

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
                List<DynamicNode> tests = new ArrayList<>(List.of(
                        dynamicTest("reports the state the runtime left and continues where the runtime stopped",
                                () -> runtimeToServer(b, dir.resolve("from-runtime"))),
                        dynamicTest("the runtime reports the state the server left and continues where the server stopped",
                                () -> serverToRuntime(b, dir.resolve("from-server")))));
                if (b.version().atLeast(2, 14)) {
                    tests.add(dynamicTest("a restored last_per_subject consumer is counted afresh by subjects, on both",
                            () -> lastPerSubjectRestored(b, dir.resolve("last-per-subject"))));
                }
                nodes.add(dynamicContainer(b.toString(), tests.stream()));
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
     * A {@code last_per_subject} consumer past its skip list with three messages of two subjects
     * ahead (7 l.b, 8 l.a, 9 l.b): running, both count it by messages (3); restarted, nats-server
     * 2.15.1 counts it afresh by subjects (setLeader's {@code streamNumPending} with
     * {@code lastPerSubject}: 2) and goes on from there with each delivery (1, 0, 0). The runtime
     * runs the same steps on its own store, closes and reopens it, and is also opened on a copy of
     * the store the server stopped on; both must give the server's numbers at each step. Only on
     * 2.14+: the recount at a restore was measured on 2.15.1, the 2.10 line is not claimed.
     */
    private void lastPerSubjectRestored(NatsServerBinary b, Path dir) throws Exception {
        Path store = dir.resolve("store");
        List<String> serverBefore = new ArrayList<>();
        try (NatsServerProcess nats = NatsServerProcess.start(b, store, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = nats.connect(Account.GLOBAL)) {
            Connection nc = client.connection();
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("L").subjects("l.*").storageType(StorageType.File).build());
            ServerPull p = new ServerPull(nc, "L", "LP");
            for (String subject : SKIP_LIST_SUBJECTS) {
                nc.jetStream().publish(subject, subject.getBytes(StandardCharsets.UTF_8));
            }
            jsm.addOrUpdateConsumer("L", ConsumerConfiguration.builder().durable("LP").ackPolicy(AckPolicy.Explicit)
                    .deliverPolicy(DeliverPolicy.LastPerSubject).filterSubject("l.*").build());
            p.fetchNoWait(3).forEach(d -> serverBefore.add(d.streamSeq() + "/" + pending(d)));
            for (String subject : AFTER_SUBJECTS) {
                nc.jetStream().publish(subject, subject.getBytes(StandardCharsets.UTF_8));
            }
            p.fetchNoWait(1).forEach(d -> serverBefore.add(d.streamSeq() + "/" + pending(d)));
            serverBefore.add("info " + p.info().getNumPending());
        }
        List<String> serverAfter = new ArrayList<>();
        try (NatsServerProcess nats = NatsServerProcess.start(b, StoreFiles.copy(store, dir.resolve("server-again")),
                dir.resolve("server2"), ServerAccounts.GLOBAL);
             NatsClient client = nats.connect(Account.GLOBAL)) {
            ServerPull p = new ServerPull(client.connection(), "L", "LP");
            serverAfter.add("info " + p.info().getNumPending());
            p.fetchNoWait(10).forEach(d -> serverAfter.add(d.streamSeq() + "/" + pending(d)));
            serverAfter.add("info " + p.info().getNumPending());
        }
        List<String> onServerFiles;
        try (JetStartStore js = JetStart.open(StoreFiles.copy(store, dir.resolve("runtime-copy")), RuntimeOptions.defaults())) {
            onServerFiles = restoredSteps(js);
        }

        Path own = java.nio.file.Files.createDirectories(dir.resolve("runtime"));
        List<String> runtimeBefore = new ArrayList<>();
        try (JetStartStore js = JetStart.open(own, RuntimeOptions.defaults())) {
            JetStartStream s = js.createStream("$G", StreamConfig.parse(
                    "{\"name\":\"L\",\"subjects\":[\"l.*\"]}".getBytes(StandardCharsets.UTF_8)));
            for (String subject : SKIP_LIST_SUBJECTS) {
                s.publish(subject, subject.getBytes(StandardCharsets.UTF_8));
            }
            PullConsumer c = s.createConsumer("{\"durable_name\":\"LP\",\"ack_policy\":\"explicit\","
                    + "\"deliver_policy\":\"last_per_subject\",\"filter_subject\":\"l.*\"}");
            c.fetch(3, 0, Duration.ZERO).forEach(m -> runtimeBefore.add(m.streamSeq() + "/" + m.pending()));
            for (String subject : AFTER_SUBJECTS) {
                s.publish(subject, subject.getBytes(StandardCharsets.UTF_8));
            }
            c.fetch(1, 0, Duration.ZERO).forEach(m -> runtimeBefore.add(m.streamSeq() + "/" + m.pending()));
            runtimeBefore.add("info " + s.consumerInfo("LP").numPending());
        }
        List<String> runtimeAfter;
        try (JetStartStore js = JetStart.open(own, RuntimeOptions.defaults())) {
            runtimeAfter = restoredSteps(js);
        }
        System.out.println("[it] " + b + " last_per_subject before the restart " + serverBefore + ", after " + serverAfter
                + "; runtime " + runtimeBefore + ", " + runtimeAfter + ", on the server's files " + onServerFiles);
        assertThat(onServerFiles).as("the runtime on the files " + b + " stopped on, as " + b + " restarted").isEqualTo(serverAfter);
        if (serverAfter.size() > 1 && serverAfter.get(1).startsWith("6/")) {
            // The server's consumer flusher lost the delivery of 6 at its stop (ServerView's note):
            // its restart then starts from another position, which the files say and the runtime
            // on them followed above; the numbers below hold only for the update kept.
            System.out.println("[it] " + b + " lost the last delivery's update at stop; only the files' comparison holds");
            return;
        }
        // The case itself, so a server that changed its rule shows here first.
        assertThat(serverBefore).as(b + ": the skip list, then one past it with 3 left").containsExactly("3/2", "4/1", "5/0", "6/3", "info 3");
        assertThat(serverAfter).as(b + " restarted: counted by subjects (b and a), then one less each delivery")
                .containsExactly("info 2", "7/1", "8/0", "9/0", "info 0");
        assertThat(runtimeBefore).as("the runtime before its restart, as " + b + " before its").isEqualTo(serverBefore);
        assertThat(runtimeAfter).as("the runtime reopened on its own store, as " + b + " restarted").isEqualTo(serverAfter);
    }

    /** A restored {@code LP}'s num_pending, its next deliveries (seq/pending), then its num_pending again. */
    private static List<String> restoredSteps(JetStartStore js) throws Exception {
        JetStartStream s = js.stream("L").await(Duration.ofSeconds(30));
        List<String> out = new ArrayList<>();
        out.add("info " + s.consumerInfo("LP").numPending());
        s.consumer("LP").fetch(10, 0, Duration.ZERO).forEach(m -> out.add(m.streamSeq() + "/" + m.pending()));
        out.add("info " + s.consumerInfo("LP").numPending());
        return out;
    }

    /** The num_pending token of an ack reply (v1, or v2 with domain and account hash). */
    private static long pending(ServerPull.Delivered d) {
        String[] t = d.reply().split("\\.");
        return Long.parseLong(t[(t.length == 9 ? 4 : 6) + 4]);
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
