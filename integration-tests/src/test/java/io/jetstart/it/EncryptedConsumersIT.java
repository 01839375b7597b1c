package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.it.ConsumerRestartIT.State;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * {@link ConsumerRestartIT}'s proof on encrypted stores, both ciphers, with nats-server 2.10.x and
 * 2.14+ given the same key and cipher in their {@code jetstream} block (as
 * {@link RuntimeCryptS2ServerIT} does):
 * <ul>
 *   <li>consumers the runtime created on an encrypted stream (their own {@code meta.key}, sealed
 *       {@code meta.inf} and {@code o.dat}) after fetches, acks, naks and a term: the server reports
 *       the runtime's state for each and a jnats pull consumer ({@code ConsumerContext.fetch})
 *       gets from it what the runtime delivers next;</li>
 *   <li>the other way: the server runs the same scenario on its encrypted stream, and the runtime
 *       with the key reports the server's state and delivers what the server delivers next;</li>
 *   <li>the server line's own encrypted fixtures: the runtime serves their consumers, fetches and
 *       acks on them, and the server restarted on the result reports the runtime's state.</li>
 * </ul>
 */
class EncryptedConsumersIT {
    private static final String KEY = "encrypted consumers: jetstart integration test key";

    private final Path tmp = Repo.work("EncryptedConsumersIT");

    @TestFactory
    Stream<DynamicNode> encryptedConsumerStateMovesBetweenTheRuntimeAndTheServer() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            NatsServers servers = NatsServers.discover();
            List<NatsServerBinary> targets = servers.requireV210AndV214Plus();
            List<DynamicNode> nodes = new ArrayList<>();
            for (NatsServerBinary b : targets) {
                List<DynamicNode> perServer = new ArrayList<>();
                for (StoreCipher cipher : StoreCipher.values()) {
                    String c = cipher == StoreCipher.AES ? "aes" : "chacha";
                    Path dir = tmp.resolve(b.version() + "-" + c);
                    perServer.add(dynamicContainer(c, Stream.of(
                            dynamicTest("reports the state the runtime left and continues where the runtime stopped",
                                    () -> runtimeToServer(b, cipher, dir.resolve("from-runtime"))),
                            dynamicTest("the runtime reports the state the server left and continues where the server stopped",
                                    () -> serverToRuntime(b, cipher, dir.resolve("from-server"))))));
                    String fixture = "nats-" + b.version() + "-" + c;
                    if (Files.isDirectory(Fixtures.dir().resolve(fixture))) {
                        perServer.add(dynamicTest("its own " + fixture + ": the runtime serves its consumers and "
                                + "the server restarted reports the runtime's state", () -> fixture(b, fixture, cipher, dir.resolve("fixture"))));
                    }
                }
                nodes.add(dynamicContainer(b.toString(), perServer.stream()));
            }
            return nodes.stream();
        });
    }

    private static RuntimeOptions options(String key, StoreCipher cipher) {
        return RuntimeOptions.defaults().withKey(StoreKey.ofText(key), cipher);
    }

    private void runtimeToServer(NatsServerBinary b, StoreCipher cipher, Path dir) throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        Map<String, State> runtimeStates = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(store, options(KEY, cipher))) {
            JetStartStream s = ConsumerRestartIT.createInRuntime(js);
            ConsumerRestartIT.scenario(new ConsumerRestartIT.RuntimeSide(s));
            for (String c : ConsumerRestartIT.CONSUMERS) {
                runtimeStates.put(c, State.of(s.consumerInfo(c)));
            }
        }
        for (String c : ConsumerRestartIT.CONSUMERS) {
            Path cd = store.resolve("jetstream/$G/streams/R/obs").resolve(c);
            assertThat(cd.resolve("meta.key")).as("the runtime wrote consumer " + c + " encrypted").hasSize(cipher.keyFileBytes());
            assertThat(Files.readString(cd.resolve("meta.inf"), StandardCharsets.ISO_8859_1)).doesNotContain("durable_name");
        }
        Path serverCopy = StoreFiles.copy(store, dir.resolve("server-store"));
        Map<String, State> serverStates = new LinkedHashMap<>();
        Map<String, List<String>> serverNext = new LinkedHashMap<>();
        String log;
        try (NatsServerProcess nats = NatsServerProcess.start(b, serverCopy, dir.resolve("server"), ServerAccounts.GLOBAL,
                RuntimeCryptS2ServerIT.jetstreamBlock(KEY, cipher));
             NatsClient client = nats.connect(Account.GLOBAL)) {
            for (String c : ConsumerRestartIT.CONSUMERS) {
                serverStates.put(c, State.of(new ServerPull(client.connection(), "R", c).info()));
                serverNext.put(c, jnatsFetch(client.connection(), c));
            }
            log = nats.log();
        }
        Map<String, List<String>> runtimeNext = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(store, options(KEY, cipher))) {
            JetStartStream s = js.stream("R").await(Duration.ofSeconds(30));
            for (String c : ConsumerRestartIT.CONSUMERS) {
                runtimeNext.put(c, s.consumer(c).fetch(100, 0, Duration.ZERO).stream()
                        .map(m -> m.streamSeq() + "/" + m.deliveries()).toList());
            }
        }
        System.out.println("[it] " + b + " " + cipher + " runtime states " + runtimeStates + ", next " + runtimeNext);
        assertThat(log).as(b + " opened every consumer the runtime sealed").doesNotContain("decrypt").doesNotContain("Error adding consumer");
        assertThat(serverStates).as(b + " reports the runtime's encrypted consumers' state").isEqualTo(runtimeStates);
        assertThat(serverNext).as(b + " continues where the runtime stopped").isEqualTo(runtimeNext);
    }

    private void serverToRuntime(NatsServerBinary b, StoreCipher cipher, Path dir) throws Exception {
        Path store = dir.resolve("store");
        String config = RuntimeCryptS2ServerIT.jetstreamBlock(KEY, cipher);
        Map<String, State> running = new LinkedHashMap<>();
        try (NatsServerProcess nats = NatsServerProcess.start(b, store, dir.resolve("server"), ServerAccounts.GLOBAL, config);
             NatsClient client = nats.connect(Account.GLOBAL)) {
            ConsumerRestartIT.createOnServer(client.connection());
            ConsumerRestartIT.scenario(new ConsumerRestartIT.ServerSide(client.connection()));
            for (String c : ConsumerRestartIT.CONSUMERS) {
                running.put(c, State.of(new ServerPull(client.connection(), "R", c).info()));
            }
        }
        assertThat(store.resolve("jetstream/$G/streams/R/obs/E/meta.key")).as(b + " encrypted its consumer").exists();
        Path serverCopy = StoreFiles.copy(store, dir.resolve("server-again"));
        ConsumerRestartIT.ServerView left;
        try (NatsServerProcess nats = NatsServerProcess.start(b, serverCopy, dir.resolve("server2"), ServerAccounts.GLOBAL, config);
             NatsClient client = nats.connect(Account.GLOBAL)) {
            left = ConsumerRestartIT.ServerView.of(client.connection(), running);
        }
        Map<String, State> runtimeStates = new LinkedHashMap<>();
        Map<String, List<String>> runtimeNext = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(store, options(KEY, cipher))) {
            JetStartStream s = js.stream("R").await(Duration.ofSeconds(30));
            for (String c : ConsumerRestartIT.CONSUMERS) {
                runtimeStates.put(c, State.of(s.consumerInfo(c)));
                runtimeNext.put(c, s.consumer(c).fetch(100, 0, Duration.ZERO).stream()
                        .map(m -> m.streamSeq() + "/" + m.deliveries()).toList());
            }
        }
        System.out.println("[it] " + b + " " + cipher + " server states " + left.states() + ", next " + left.next());
        assertThat(runtimeStates).as("the runtime reports " + b + "'s encrypted consumers' state").isEqualTo(left.states());
        assertThat(runtimeNext).as("the runtime continues where " + b + " stopped").isEqualTo(left.next());
    }

    /** The server's own encrypted store: the runtime fetches and acks on its consumers, the server restarted agrees. */
    private void fixture(NatsServerBinary b, String fixture, StoreCipher cipher, Path dir) throws Exception {
        Path store = io.jetstart.core.testing.Fixtures.copyStore(fixture, dir);
        String key = io.jetstart.core.testing.Fixtures.key(fixture).orElseThrow();
        Map<String, State> runtimeStates = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(store, options(key, cipher))) {
            JetStartStream s = js.stream("LIM1").await(Duration.ofSeconds(30));
            for (String c : s.consumerNames()) {
                assertThat(s.consumerInfo(c).notDelivered()).as(fixture + " LIM1 > " + c + " is served").isEmpty();
                List<ConsumedMessage> got = s.consumer(c).fetch(6, 0, Duration.ZERO);
                for (int i = 0; i < got.size(); i++) {
                    if (i % 3 != 2) {
                        got.get(i).ack();
                    }
                }
                runtimeStates.put(c, State.of(s.consumerInfo(c)));
            }
        }
        assertThat(runtimeStates).as("consumers of " + fixture + " LIM1").isNotEmpty();
        Path serverCopy = StoreFiles.copy(store, dir.resolve("server-store"));
        Map<String, State> serverStates = new LinkedHashMap<>();
        String log;
        try (NatsServerProcess nats = NatsServerProcess.start(b, serverCopy, dir.resolve("server"), ServerAccounts.GLOBAL,
                RuntimeCryptS2ServerIT.jetstreamBlock(key, cipher));
             NatsClient client = nats.connect(Account.GLOBAL)) {
            for (String c : runtimeStates.keySet()) {
                serverStates.put(c, State.of(new ServerPull(client.connection(), "LIM1", c).info()));
            }
            log = nats.log();
        }
        System.out.println("[it] " + b + " " + fixture + " runtime states " + runtimeStates);
        assertThat(log).doesNotContain("decrypt");
        assertThat(serverStates).as(b + " reports the state the runtime left in " + fixture).isEqualTo(runtimeStates);
    }

    /**
     * What a jnats pull consumer (its simplified API) gets next: stream sequence / delivery count of
     * each message. A no-wait fetch, as the runtime's side ({@code fetch(100, 0, Duration.ZERO)}):
     * what is deliverable now. The batch of 100 never fills (the stream holds 30), so a fetch with an
     * expiry waited all of it out, 1 s per consumer; nothing can fall due within it (the consumers'
     * ack wait is the default 30 s).
     */
    private static List<String> jnatsFetch(io.nats.client.Connection connection, String consumer) throws Exception {
        io.nats.client.ConsumerContext cc = connection.getConsumerContext("R", consumer);
        List<String> got = new ArrayList<>();
        try (io.nats.client.FetchConsumer fc = cc.fetch(io.nats.client.FetchConsumeOptions.builder().maxMessages(100)
                .noWait().build())) {
            for (io.nats.client.Message m = fc.nextMessage(); m != null; m = fc.nextMessage()) {
                got.add(m.metaData().streamSequence() + "/" + m.metaData().deliveredCount());
            }
        }
        return got;
    }

}
