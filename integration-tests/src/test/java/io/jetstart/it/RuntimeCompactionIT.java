package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.it.RuntimeStoreOnServer.Expected;
import io.jetstart.it.RuntimeStoreOnServer.Written;
import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
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
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Streams whose sealed blocks the runtime compacted (issue 11: a KV bucket with a pinned key, and
 * streams of plain and S2-compressed blocks with ~60 % of their messages removed at random), read
 * back by nats-server 2.10.27 and 2.15.1 with the runtime's {@code index.db} and without it: the
 * same messages, bytes, first, last, deleted count and next sequence as the runtime reported, every
 * live message served with its payload, nothing served the runtime removed, and a publish accepted
 * after. Also the files a kill -9 leaves around a compaction: the blocks before it beside the
 * {@code index.db} before it (a temp file left too), the compacted blocks beside the {@code index.db}
 * before it (killed after the rename, before the next one), the blocks before it beside the
 * {@code index.db} after it (an {@code index.db} current when the compaction began, killed before the
 * rename); all come back to the same state. The runtime writes 2 KiB blocks.
 */
class RuntimeCompactionIT {
    private final Path tmp = Repo.work("RuntimeCompactionIT");

    /** The store as the runtime left it, and the kill copies around its last compaction. */
    record Stores(Written written, List<Written> killed) {
    }

    @TestFactory
    Stream<DynamicNode> serversReadWhatTheRuntimeLeftAfterCompactingBlocks() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        Once<Stores> stores = new Once<>(() -> write(tmp.resolve("written")));
        return RuntimeStoreOnServer.tests(tmp, NatsServers.discover().requireV210AndV214Plus(),
                new Once<>(() -> stores.get().written()), new Once<>(() -> stores.get().killed()),
                "killed before, in and after a compaction, with and without index.db: the same state");
    }

    private static StreamConfig config(String json) throws Exception {
        return StreamConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The message's payload: its sequence, then up to ~100 hex digits that S2 does not shrink much. */
    private static String payload(String stream, long i) {
        StringBuilder b = new StringBuilder(stream + " message " + i + " ");
        long x = i * 0x9E3779B97F4A7C15L;
        for (int k = 0; k < i % 7; k++) {
            x ^= x >>> 29;
            x *= 0xBF58476D1CE4E5B9L;
            b.append(Long.toHexString(x));
        }
        return b.toString();
    }

    private static long blockBytes(Path store) throws IOException {
        try (Stream<Path> all = Files.walk(store)) {
            return all.filter(p -> p.toString().endsWith(".blk")).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static Path indexDb(JetStartStream s) {
        return s.info().blocks().getLast().file().getParent().resolve("index.db");
    }

    /**
     * Publishes {@code n} messages and removes about 60 % of them at random as it goes (a removal of
     * an earlier message of the round after most publishes), so that every block holds message
     * records beside its tombstones. (Blocks of tombstones only, which a burst of removals leaves,
     * send nats-server 2.10.27's binary search over more than 32 blocks astray without
     * {@code index.db}, compaction or not: a finding of issue 11, docs/benchmarks-passes.md.)
     */
    private static void randomDeletes(JetStartStream s, String prefix, int n, Random random) throws Exception {
        long first = s.info().lastSeq() + 1;
        for (int i = 0; i < n; i++) {
            long seq = s.info().lastSeq() + 1;
            s.publish(prefix + (i % 10), bytes(payload(s.name(), seq)));
            if (random.nextInt(100) < 60) {
                long victim = first + random.nextInt((int) (seq - first + 1));
                if (s.get(victim).isPresent()) {
                    s.delete(victim);
                } else {
                    s.delete(seq);
                }
            }
        }
    }

    private Stores write(Path dir) throws Exception {
        Path store = dir.resolve("store");
        Files.createDirectories(store);
        Map<String, Expected> expected = new LinkedHashMap<>();
        RuntimeOptions opts = RuntimeOptions.defaults().withBlockSize(2048).withSync(SyncPolicy.ALWAYS);
        List<Written> killed = new ArrayList<>();
        long seed = 20261206;
        Random random = new Random(seed);
        try (JetStartStore js = JetStart.open(store, opts)) {
            JetStartStream kv = js.createStream("$G", config("{\"name\":\"KV\",\"subjects\":[\"kv.>\"],\"max_msgs_per_subject\":1}"));
            JetStartStream rand = js.createStream("$G", config("{\"name\":\"RAND\",\"subjects\":[\"r.*\"]}"));
            JetStartStream zip = js.createStream("$G", config("{\"name\":\"ZIP\",\"subjects\":[\"z.*\"],\"compression\":\"s2\"}"));
            List<JetStartStream> all = List.of(kv, rand, zip);
            kv.publish("kv.pinned", bytes(payload("KV", 1)));
            for (int i = 2; i <= 2001; i++) {
                kv.publish("kv.k" + (i % 50), bytes(payload("KV", i)));
            }
            randomDeletes(rand, "r.", 1500, random);
            randomDeletes(zip, "z.", 1500, random);
            for (JetStartStream s : all) {
                // index.db now names the blocks as they are, compacted; later removals make it stale.
                s.flush();
            }
            for (int i = 2002; i <= 4001; i++) {
                kv.publish("kv.k" + (i % 50), bytes(payload("KV", i)));
            }
            randomDeletes(rand, "r.", 1500, random);
            randomDeletes(zip, "z.", 1500, random);
            Path before = StoreFiles.copy(store, dir.resolve("before"));
            long bytesBefore = blockBytes(before);
            for (JetStartStream s : all) {
                s.flush();
                expected.put(s.name(), RuntimeStoreOnServer.expected(s));
            }
            Path after = StoreFiles.copy(store, dir.resolve("after"));
            assertThat(blockBytes(after)).as("block bytes after the compaction, seed %d", seed).isLessThan(bytesBefore * 9 / 10);
            // Killed before the compaction (its temp file written): the files and index.db before it.
            for (JetStartStream s : all) {
                Path msgs = before.resolve(store.relativize(indexDb(s).getParent()).toString());
                Files.write(msgs.resolve(".1.blk.8417.tmp"), new byte[] {1, 2, 3});
            }
            killed.add(new Written(before, expected));
            // Killed after the rename, before the next index.db: the compacted blocks, index.db before.
            Path renamed = StoreFiles.copy(after, dir.resolve("renamed"));
            // An index.db current when a compaction began, killed before the rename: blocks before, index.db after.
            Path current = StoreFiles.copy(before, dir.resolve("current"));
            for (JetStartStream s : all) {
                Path rel = store.relativize(indexDb(s));
                copyOrDelete(before.resolve(rel.toString()), renamed.resolve(rel.toString()));
                copyOrDelete(after.resolve(rel.toString()), current.resolve(rel.toString()));
            }
            killed.add(new Written(renamed, expected));
            killed.add(new Written(current, expected));
        }
        assertThat(expected.get("KV").messages()).isEqualTo(51);
        assertThat(expected.get("KV").firstSeq()).isEqualTo(1);
        return new Stores(new Written(store, expected), killed);
    }

    private static void copyOrDelete(Path from, Path to) throws IOException {
        if (Files.exists(from)) {
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.deleteIfExists(to);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
