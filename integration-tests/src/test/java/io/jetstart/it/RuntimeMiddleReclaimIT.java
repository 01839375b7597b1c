package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.it.RuntimeStoreOnServer.Expected;
import io.jetstart.it.RuntimeStoreOnServer.Written;
import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PurgeRequest;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Streams whose emptied middle blocks the runtime removed (issue 11: a KV key never rewritten, a
 * work queue's first message never taken, a middle block whose tombstones the runtime copied into
 * the tail before it went), read back by nats-server 2.10.27 and 2.15.1 with the runtime's
 * {@code index.db} and without it: the same messages, bytes, first, last and next sequence as the
 * runtime reported, every live message served with its payload, nothing served the runtime removed.
 * Also copies of a KV store taken right after a batch that removed middle blocks, before any later
 * {@code index.db} (what a kill -9 there leaves): the servers come back to the state after it.
 * The runtime writes 2 KiB blocks.
 */
class RuntimeMiddleReclaimIT {
    private final Path tmp = Repo.work("RuntimeMiddleReclaimIT");

    @TestFactory
    Stream<DynamicNode> serversReadWhatTheRuntimeLeftAfterRemovingMiddleBlocks() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        return RuntimeStoreOnServer.tests(tmp, NatsServers.discover().requireV210AndV214Plus(),
                new Once<>(() -> write(tmp.resolve("written"))), new Once<>(() -> killCopies(tmp.resolve("killed"))),
                "killed right after middle blocks went, index.db as it was then: the state after the removal");
    }

    private static StreamConfig config(String json) throws Exception {
        return StreamConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String payload(String stream, long i) {
        return stream + " message " + i + " " + "x".repeat((int) (i % 97));
    }

    private static int blockFiles(JetStartStream s) throws IOException {
        try (Stream<Path> l = Files.list(s.info().blocks().getLast().file().getParent())) {
            return (int) l.filter(p -> p.toString().endsWith(".blk")).count();
        }
    }

    private static final String KV = "{\"name\":\"KV\",\"subjects\":[\"kv.>\"],\"max_msgs_per_subject\":1}";

    private Written write(Path store) throws Exception {
        Files.createDirectories(store);
        Map<String, Expected> expected = new LinkedHashMap<>();
        RuntimeOptions opts = RuntimeOptions.defaults().withBlockSize(2048).withSync(SyncPolicy.ALWAYS);
        Map<String, Integer> most = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(store, opts)) {
            // A KV bucket's shape: one key never rewritten, 4,000 updates over 50 keys.
            JetStartStream kv = js.createStream("$G", config(KV));
            kv.publish("kv.pinned", bytes(payload("KV", 1)));
            for (int i = 2; i <= 4001; i++) {
                kv.publish("kv.k" + (i % 50), bytes(payload("KV", i)));
                if (i % 50 == 0) {
                    most.merge("KV", blockFiles(kv), Math::max);
                }
            }
            // A work queue whose first message is never taken: every later one is removed two
            // publishes after it (deletes, as acks under work-queue retention remove them).
            JetStartStream work = js.createStream("$G", config("{\"name\":\"WORK\",\"subjects\":[\"wq.*\"],"
                    + "\"retention\":\"workqueue\"}"));
            for (int i = 1; i <= 1500; i++) {
                work.publish("wq." + (i % 3), bytes(payload("WORK", i)));
                if (i > 3) {
                    work.delete(i - 2);
                }
                if (i % 50 == 0) {
                    most.merge("WORK", blockFiles(work), Math::max);
                }
            }
            // Message 1 stays; a purge of the rest puts tombstones of block 1's records into the
            // purged tail and blocks of tombstones only; a publish later, those tombstones are
            // copied into the tail and that block goes.
            JetStartStream copied = js.createStream("$G", config("{\"name\":\"COPIED\",\"subjects\":[\"co.*\"]}"));
            copied.publish("co.keep", bytes(payload("COPIED", 1)));
            for (int i = 2; i <= 300; i++) {
                copied.publish("co.x", bytes(payload("COPIED", i)));
            }
            copied.purge(new PurgeRequest("co.x", 0, 0));
            for (int i = 301; i <= 320; i++) {
                copied.publish("co.keep", bytes(payload("COPIED", i)));
            }
            for (JetStartStream s : List.of(kv, work, copied)) {
                s.flush();
                expected.put(s.name(), RuntimeStoreOnServer.expected(s));
                most.merge(s.name(), blockFiles(s), Math::max);
            }
        }
        assertThat(expected.get("KV").messages()).isEqualTo(51);
        assertThat(expected.get("KV").firstSeq()).isEqualTo(1);
        assertThat(expected.get("WORK").messages()).isEqualTo(3);
        assertThat(expected.get("WORK").firstSeq()).isEqualTo(1);
        assertThat(expected.get("COPIED").messages()).isEqualTo(21);
        // Before: every block from the one holding the message that stays (KV ~190, WORK ~90).
        assertThat(most.get("KV")).as("KV block files").isLessThanOrEqualTo(12);
        assertThat(most.get("WORK")).as("WORK block files").isLessThanOrEqualTo(6);
        assertThat(most.get("COPIED")).as("COPIED block files").isLessThanOrEqualTo(6);
        return new Written(store, expected);
    }

    /**
     * Copies of a store taken right after publishes whose batch removed middle blocks: sync always,
     * and no {@code index.db} is written after a removal, so each copy is what a kill -9 there leaves.
     * Two kinds, two copies each: the batch wrote {@code index.db} before removing the blocks (the
     * one on disk named one of them as its last block; this one names them empty), or it did not
     * (the one on disk names them with messages and is stale: its last block has grown since).
     */
    private List<Written> killCopies(Path dir) throws Exception {
        Path store = dir.resolve("store");
        Files.createDirectories(store);
        List<Written> out = new ArrayList<>();
        int[] kinds = new int[2];
        RuntimeOptions opts = RuntimeOptions.defaults().withBlockSize(2048).withSync(SyncPolicy.ALWAYS);
        try (JetStartStore js = JetStart.open(store, opts)) {
            JetStartStream kv = js.createStream("$G", config(KV));
            kv.publish("kv.pinned", bytes(payload("KV", 1)));
            Path indexDb = kv.info().blocks().getLast().file().getParent().resolve("index.db");
            int files = blockFiles(kv);
            for (int i = 2; i <= 4000 && (kinds[0] < 2 || kinds[1] < 2); i++) {
                boolean flush = i % 97 == 0;
                byte[] before = Files.exists(indexDb) ? Files.readAllBytes(indexDb) : new byte[0];
                kv.publish("kv.k" + (i % 20), bytes(payload("KV", i)));
                if (flush) {
                    // index.db now names the blocks of the moment, some of which go later.
                    kv.flush();
                }
                int now = blockFiles(kv);
                boolean firstStays = kv.info().blocks().getFirst().index() == 1;
                int kind = java.util.Arrays.equals(before, Files.exists(indexDb) ? Files.readAllBytes(indexDb) : new byte[0]) ? 1 : 0;
                if (!flush && now < files && firstStays && kinds[kind] < 2) {
                    kinds[kind]++;
                    Path copy = StoreFiles.copy(store, dir.resolve("copy" + out.size()));
                    out.add(new Written(copy, Map.of("KV", RuntimeStoreOnServer.expected(kv))));
                }
                files = now;
            }
        }
        assertThat(kinds).as("copies with index.db written before the removal, and with a stale one").containsExactly(2, 2);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
