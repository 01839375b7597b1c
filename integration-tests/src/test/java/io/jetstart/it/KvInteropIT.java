package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStreamApiException;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
import io.jetstart.runtime.kv.KeyValueConfig;
import io.jetstart.runtime.kv.KeyValueEntry;
import io.jetstart.runtime.kv.KeyValueWatch;
import io.jetstart.runtime.kv.KeyValueWatcher;
import io.jetstart.runtime.kv.WatchOption;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueWatchOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * KV interop: the same seeded script of puts, creates, updates (right and wrong revisions),
 * deletes and purges runs on a bucket of the runtime's KV view and, through nats-server 2.10.x and
 * 2.14+, on a bucket jnats's KeyValue creates. Both give the same answer to every operation; the
 * bucket the runtime wrote is read by jnats through the server with the keys, values, revisions,
 * created times, history (markers included), gets and watches the runtime reads; the bucket jnats
 * wrote is opened by the runtime, which reads what jnats read; both buckets' stream configs agree.
 * A runtime watch running during the script sees the updates in revision order.
 */
class KvInteropIT {
    static final String BUCKET = "INTEROP";
    static final int HISTORY = 5;
    static final List<String> KEYS = List.of("k0", "k1", "k2", "k3", "k4", "app.cfg", "app.db.host", "a/b=c", "x_y-z", "deep.er.key");
    /** Stream config fields jnats/nats.go set for a bucket, compared between the two buckets' meta.inf. */
    static final List<String> CONFIG_FIELDS = List.of("name", "subjects", "retention", "max_consumers", "max_msgs", "max_bytes",
            "max_age", "max_msgs_per_subject", "max_msg_size", "discard", "storage", "num_replicas", "duplicate_window",
            "allow_rollup_hdrs", "deny_delete", "deny_purge", "allow_direct", "mirror_direct", "sealed");

    private final Path tmp = Repo.work("KvInteropIT");
    private final long seed = Long.getLong("jetstart.kv.seed", System.nanoTime());
    private final int ops = Integer.getInteger("jetstart.kv.ops", 300);

    /** One bucket operation, whatever client runs it. */
    interface Kv {
        long put(String key, byte[] value) throws Exception;

        long create(String key, byte[] value) throws Exception;

        long update(String key, byte[] value, long rev) throws Exception;

        void delete(String key) throws Exception;

        void purge(String key) throws Exception;

        /** The latest revision of the key, markers included; 0 when none. */
        long lastRevision(String key) throws Exception;

        /** A side's bucket from its own methods (the runtime's and jnats's have the same names, not a common type). */
        static Kv of(Write put, Write create, Update update, KeyOp delete, KeyOp purge, Revision lastRevision) {
            return new Kv() {
                public long put(String key, byte[] value) throws Exception {
                    return put.apply(key, value);
                }

                public long create(String key, byte[] value) throws Exception {
                    return create.apply(key, value);
                }

                public long update(String key, byte[] value, long rev) throws Exception {
                    return update.apply(key, value, rev);
                }

                public void delete(String key) throws Exception {
                    delete.apply(key);
                }

                public void purge(String key) throws Exception {
                    purge.apply(key);
                }

                public long lastRevision(String key) throws Exception {
                    return lastRevision.of(key);
                }
            };
        }

        interface Write {
            long apply(String key, byte[] value) throws Exception;
        }

        interface Update {
            long apply(String key, byte[] value, long rev) throws Exception;
        }

        interface KeyOp {
            void apply(String key) throws Exception;
        }

        interface Revision {
            long of(String key) throws Exception;
        }
    }

    /** The last of a key's history entries' revisions; 0 for an empty history. */
    private static <E> long lastRevision(List<E> history, java.util.function.ToLongFunction<E> revision) {
        return history.isEmpty() ? 0 : revision.applyAsLong(history.get(history.size() - 1));
    }

    /** What one side read from a bucket. */
    record View(List<String> keys, List<String> history, List<String> gets, List<String> watchLatest, List<String> watchAll) {
    }

    record Written(Path store, List<String> answers, View view, List<Long> watched, List<Long> acked) {
    }

    @TestFactory
    Stream<DynamicNode> bucketsCrossBetweenTheRuntimeAndJnatsThroughNatsServer() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        NatsServers servers = NatsServers.discover();
        List<NatsServerBinary> targets = servers.requireV210AndV214Plus();
        System.out.println("KvInteropIT seed " + seed + " (-Djetstart.kv.seed=" + seed + "), " + ops + " operations");
        Once<Written> runtime = new Once<>(() -> writeWithRuntime(tmp.resolve("runtime")));
        List<DynamicNode> nodes = new ArrayList<>();
        nodes.add(dynamicTest("a runtime watch sees every update in revision order", () -> {
            Written w = runtime.get();
            for (String kind : List.of(": put ", ": create ", ": update ", ": delete ok", ": purge ok", ": refused 10071 ")) {
                assertThat(w.answers()).as("seed %d: the script has '%s'", seed, kind.strip()).anyMatch(a -> a.contains(kind));
            }
            assertThat(w.watched()).as("seed %d: strictly increasing", seed).isSorted().doesNotHaveDuplicates();
            assertThat(w.acked()).as("seed %d: every delivered revision was acked", seed).containsAll(w.watched());
            assertThat(w.watched()).as("seed %d: every revision still stored was delivered", seed)
                    .containsAll(revisionsOf(w.view().history()));
            assertThat(w.watched().get(w.watched().size() - 1)).isEqualTo(w.acked().get(w.acked().size() - 1));
        }));
        for (NatsServerBinary b : targets) {
            Once<View> serverReadsRuntime = new Once<>(() -> readWithJnats(b, runtime.get().store(), tmp.resolve("read-" + b.version())));
            Once<Written> jnats = new Once<>(() -> writeWithJnats(b, tmp.resolve("jnats-" + b.version())));
            nodes.add(dynamicContainer(b.toString(), Stream.of(
                    dynamicTest("jnats through the server gives the runtime's answer to every operation of the script",
                            () -> assertThat(jnats.get().answers()).as("seed %d", seed).isEqualTo(runtime.get().answers())),
                    dynamicTest("jnats reads the runtime's bucket as the runtime does: keys, history, gets, watches",
                            () -> sameView("jnats through " + b + " on the runtime's bucket", runtime.get().view(), serverReadsRuntime.get())),
                    dynamicTest("the runtime reads the bucket jnats wrote as jnats did",
                            () -> sameView("the runtime on the bucket jnats wrote through " + b, jnats.get().view(),
                                    readWithRuntime(jnats.get().store()))),
                    dynamicTest("both buckets hold the same keys, values and revisions (created times aside)",
                            () -> assertThat(withoutTimes(jnats.get().view().history())).as("seed %d", seed)
                                    .isEqualTo(withoutTimes(runtime.get().view().history()))),
                    dynamicTest("the runtime's bucket stream config is the one jnats has the server create",
                            () -> sameConfig(runtime.get().store(), jnats.get().store())),
                    dynamicTest("the runtime opens the bucket jnats wrote with its settings and continues it: create after a delete, update at jnats's revision",
                            () -> continueWithRuntime(jnats.get().store(), tmp.resolve("continue-" + b.version()))))));
        }
        return nodes.stream();
    }

    // ---- the script

    private List<String> script(Kv kv, List<Long> acked) throws Exception {
        Random r = new Random(seed);
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < ops; i++) {
            String key = KEYS.get(r.nextInt(KEYS.size()));
            byte[] value = new byte[r.nextInt(48)];
            r.nextBytes(value);
            int op = r.nextInt(100);
            String answer;
            try {
                if (op < 50) {
                    answer = "put " + record(acked, kv.put(key, value));
                } else if (op < 62) {
                    answer = "create " + record(acked, kv.create(key, value));
                } else if (op < 74) {
                    answer = "update " + record(acked, kv.update(key, value, kv.lastRevision(key)));
                } else if (op < 80) {
                    answer = "update-wrong " + record(acked, kv.update(key, value, kv.lastRevision(key) + 1 + r.nextInt(3)));
                } else if (op < 92) {
                    kv.delete(key);
                    answer = "delete ok";
                    acked.add(kv.lastRevision(key));
                } else {
                    kv.purge(key);
                    answer = "purge ok";
                    acked.add(kv.lastRevision(key));
                }
            } catch (JetStreamApiException e) {
                answer = "refused " + e.errCode() + " " + e.description();
            } catch (io.nats.client.JetStreamApiException e) {
                answer = "refused " + e.getApiErrorCode() + " " + e.getErrorDescription();
            }
            answers.add(i + " " + key + ": " + answer);
        }
        return answers;
    }

    private static long record(List<Long> acked, long rev) {
        acked.add(rev);
        return rev;
    }

    // ---- the runtime's side

    private Written writeWithRuntime(Path store) throws Exception {
        Files.createDirectories(store);
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS))) {
            io.jetstart.runtime.kv.KeyValue kv = js.createKeyValue(KeyValueConfig.of(BUCKET).withHistory(HISTORY));
            List<Long> watched = Collections.synchronizedList(new ArrayList<>());
            List<Long> acked = new ArrayList<>();
            List<String> answers;
            try (KeyValueWatch w = kv.watch(">", e -> watched.add(e.revision()), WatchOption.UPDATES_ONLY)) {
                answers = script(runtimeKv(kv), acked);
                long last = acked.get(acked.size() - 1);
                while (w.lastRevision() < last && w.isActive()) {
                    Thread.sleep(5);
                }
                assertThat(w.failure()).isEmpty();
            }
            return new Written(store, answers, runtimeView(kv), List.copyOf(watched), acked);
        }
    }

    private static Kv runtimeKv(io.jetstart.runtime.kv.KeyValue kv) {
        return Kv.of(kv::put, kv::create, kv::update, kv::delete, kv::purge,
                key -> lastRevision(kv.history(key), KeyValueEntry::revision));
    }

    private static String line(String key, long rev, Object op, byte[] value, Instant created, long delta) {
        return key + " @" + rev + " " + op + " " + Base64.getEncoder().encodeToString(value == null ? new byte[0] : value)
                + " " + created + " delta " + delta;
    }

    private static String line(KeyValueEntry e) {
        return line(e.key(), e.revision(), e.operation(), e.value(), e.created(), e.delta());
    }

    private static View runtimeView(io.jetstart.runtime.kv.KeyValue kv) throws Exception {
        List<String> history = new ArrayList<>();
        List<String> gets = new ArrayList<>();
        for (String k : KEYS) {
            kv.history(k).forEach(e -> history.add(line(e)));
            gets.add(kv.get(k).map(e -> line(e)).orElse(k + " none"));
        }
        return new View(kv.keys(), history, gets, runtimeWatch(kv), runtimeWatch(kv, WatchOption.INCLUDE_HISTORY));
    }

    private static List<String> runtimeWatch(io.jetstart.runtime.kv.KeyValue kv, WatchOption... options) throws Exception {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch end = new CountDownLatch(1);
        try (KeyValueWatch w = kv.watch(">", new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry e) {
                out.add(line(e));
            }

            @Override
            public void endOfData() {
                end.countDown();
            }
        }, options)) {
            assertThat(end.await(60, TimeUnit.SECONDS)).as("runtime watch reached its end of data").isTrue();
        }
        return List.copyOf(out);
    }

    private View readWithRuntime(Path written) throws Exception {
        Path store = StoreFiles.copy(written, written.resolveSibling(written.getFileName() + "-opened"));
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
            return runtimeView(js.keyValue(BUCKET));
        }
    }

    private void continueWithRuntime(Path written, Path dir) throws Exception {
        Path store = StoreFiles.copy(written, dir.resolve("store"));
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
            io.jetstart.runtime.kv.KeyValue kv = js.keyValue(BUCKET);
            assertThat(js.createKeyValue(KeyValueConfig.of(BUCKET).withHistory(HISTORY)).stream())
                    .as("the same settings again open the bucket jnats created").isSameAs(kv.stream());
            long last = kv.stream().info().lastSeq();
            assertThat(kv.put("k0", new byte[] {1})).isEqualTo(last + 1);
            kv.delete("k1");
            assertThat(kv.create("k1", new byte[] {2})).isEqualTo(last + 3);
            assertThat(kv.update("k1", new byte[] {3}, last + 3)).isEqualTo(last + 4);
            assertThat(kv.get("k1").orElseThrow().value()).containsExactly(3);
        }
    }

    // ---- jnats's side, through a real server

    /**
     * The script's last revision of a key from the stream's last message on its subject (a direct
     * get): jnats's {@code history} makes an ephemeral consumer per call, and past ~1,500 operations
     * the server refused them (10026, maximum consumers) before it had removed the earlier ones.
     */
    private static Kv jnatsKv(KeyValue kv, io.nats.client.JetStreamManagement jsm) {
        return Kv.of(kv::put, kv::create, kv::update, kv::delete, kv::purge, key -> {
            try {
                return jsm.getLastMessage("KV_" + BUCKET, "$KV." + BUCKET + "." + key).getSeq();
            } catch (io.nats.client.JetStreamApiException e) {
                if (e.getApiErrorCode() == 10037) {
                    return 0; // no message on the key's subject: an empty history
                }
                throw e;
            }
        });
    }

    private Written writeWithJnats(NatsServerBinary binary, Path dir) throws Exception {
        Path store = dir.resolve("store");
        List<Long> acked = new ArrayList<>();
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, dir, ServerAccounts.GLOBAL);
             NatsClient client = server.connect(Account.GLOBAL)) {
            client.connection().keyValueManagement().create(KeyValueConfiguration.builder().name(BUCKET)
                    .maxHistoryPerKey(HISTORY).build());
            KeyValue kv = client.connection().keyValue(BUCKET);
            List<String> answers = script(jnatsKv(kv, client.connection().jetStreamManagement()), acked);
            return new Written(store, answers, jnatsView(kv), List.of(), acked);
        }
    }

    private View readWithJnats(NatsServerBinary binary, Path written, Path dir) throws Exception {
        Path store = StoreFiles.copy(written, dir.resolve("store"));
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, dir, ServerAccounts.GLOBAL);
             NatsClient client = server.connect(Account.GLOBAL)) {
            return jnatsView(client.connection().keyValue(BUCKET));
        }
    }

    private static String line(io.nats.client.api.KeyValueEntry e) {
        // jnats names the marker DELETE; its header value, and the runtime's name, is DEL.
        String op = e.getOperation() == io.nats.client.api.KeyValueOperation.DELETE ? "DEL" : e.getOperation().name();
        return line(e.getKey(), e.getRevision(), op, e.getValue(), e.getCreated().toInstant(), e.getDelta());
    }

    private static View jnatsView(KeyValue kv) throws Exception {
        List<String> history = new ArrayList<>();
        List<String> gets = new ArrayList<>();
        for (String k : KEYS) {
            kv.history(k).forEach(e -> history.add(line(e)));
            io.nats.client.api.KeyValueEntry e = kv.get(k);
            gets.add(e == null ? k + " none" : line(e));
        }
        return new View(kv.keys(), history, gets, jnatsWatch(kv), jnatsWatch(kv, KeyValueWatchOption.INCLUDE_HISTORY));
    }

    private static List<String> jnatsWatch(KeyValue kv, KeyValueWatchOption... options) throws Exception {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch end = new CountDownLatch(1);
        var sub = kv.watchAll(new io.nats.client.api.KeyValueWatcher() {
            @Override
            public void watch(io.nats.client.api.KeyValueEntry e) {
                out.add(line(e));
            }

            @Override
            public void endOfData() {
                end.countDown();
            }
        }, options);
        try {
            assertThat(end.await(60, TimeUnit.SECONDS)).as("jnats watch reached its end of data").isTrue();
        } finally {
            sub.unsubscribe();
        }
        return List.copyOf(out);
    }

    // ---- comparisons

    private void sameView(String what, View expected, View actual) {
        assertThat(actual.keys()).as("%s (seed %d): keys", what, seed).isEqualTo(expected.keys());
        assertThat(actual.history()).as("%s (seed %d): history of every key", what, seed).isEqualTo(expected.history());
        assertThat(actual.gets()).as("%s (seed %d): get of every key", what, seed).isEqualTo(expected.gets());
        assertThat(actual.watchLatest()).as("%s (seed %d): watch of the latest values", what, seed).isEqualTo(expected.watchLatest());
        assertThat(actual.watchAll()).as("%s (seed %d): watch with history", what, seed).isEqualTo(expected.watchAll());
    }

    private static List<String> withoutTimes(List<String> lines) {
        return lines.stream().map(l -> l.replaceAll(" \\S+ delta ", " delta ")).toList();
    }

    private static List<Long> revisionsOf(List<String> history) {
        return history.stream().map(l -> Long.parseLong(l.substring(l.indexOf(" @") + 2, l.indexOf(' ', l.indexOf(" @") + 2)))).toList();
    }

    private static void sameConfig(Path runtimeStore, Path jnatsStore) throws Exception {
        JsonNode a = meta(runtimeStore);
        JsonNode b = meta(jnatsStore);
        for (String f : CONFIG_FIELDS) {
            assertThat(a.path(f)).as("meta.inf %s: runtime %s, jnats through the server %s", f, a.path(f), b.path(f)).isEqualTo(b.path(f));
        }
    }

    private static JsonNode meta(Path store) throws Exception {
        return Json.mapper().readTree(Files.readAllBytes(store.resolve("jetstream/$G/streams/KV_" + BUCKET + "/meta.inf")));
    }
}
