package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.it.RuntimeStoreOnServer.Expected;
import io.jetstart.it.RuntimeStoreOnServer.Written;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PurgeRequest;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Streams whose first blocks the runtime removed once they held no live message (issue 11), read
 * back by nats-server 2.10.27 and 2.15.1, with the runtime's {@code index.db} and without it: the
 * same messages, first, last and next sequence as the runtime reported, every live message served
 * with its payload, and the next publish taken at the runtime's next sequence. The runtime writes
 * 2 KiB blocks, so each stream went through many blocks, most of them removed.
 */
class RuntimeReclaimIT {
    private final Path tmp = Repo.work("RuntimeReclaimIT");

    @TestFactory
    Stream<DynamicNode> serversReadWhatTheRuntimeLeftAfterRemovingBlocks() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        return RuntimeStoreOnServer.tests(tmp, NatsServers.discover().requireV210AndV214Plus(),
                new Once<>(() -> write(tmp.resolve("written"))));
    }

    private static StreamConfig config(String json) throws Exception {
        return StreamConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String payload(String stream, long i) {
        return stream + " message " + i + " " + "x".repeat((int) (i % 97));
    }

    private Written write(Path store) throws Exception {
        Files.createDirectories(store);
        Map<String, Expected> expected = new LinkedHashMap<>();
        Map<String, Integer> blockFiles = new LinkedHashMap<>();
        RuntimeOptions opts = RuntimeOptions.defaults().withBlockSize(2048).withSync(SyncPolicy.ALWAYS);
        try (JetStartStore js = JetStart.open(store, opts)) {
            // Far past max_msgs: ~2,000 messages through ~150 blocks, 10 live at the end.
            JetStartStream limits = js.createStream("$G", config("{\"name\":\"LIMITS\",\"subjects\":[\"lim.*\"],\"max_msgs\":10}"));
            for (int i = 1; i <= 2000; i++) {
                limits.publish("lim." + (i % 7), bytes(payload("LIMITS", i)));
            }
            // max_bytes with a subject limit: the oldest go by both rules.
            JetStartStream bytesLimit = js.createStream("$G", config("{\"name\":\"BYTES\",\"subjects\":[\"by.*\"],"
                    + "\"max_bytes\":6000,\"max_msgs_per_subject\":20}"));
            for (int i = 1; i <= 1500; i++) {
                bytesLimit.publish("by." + (i % 3), bytes(payload("BYTES", i)));
            }
            // Everything purged: the stream is empty and its next sequence must survive.
            JetStartStream purged = js.createStream("$G", config("{\"name\":\"PURGED\",\"subjects\":[\"pu.*\"]}"));
            for (int i = 1; i <= 300; i++) {
                purged.publish("pu." + (i % 4), bytes(payload("PURGED", i)));
            }
            assertThat(purged.purge(new PurgeRequest(null, 0, 0))).isEqualTo(300);
            // A purge up to a sequence, then deletes of the new first blocks' messages one by one.
            JetStartStream deleted = js.createStream("$G", config("{\"name\":\"DELETED\",\"subjects\":[\"de.*\"]}"));
            for (int i = 1; i <= 400; i++) {
                deleted.publish("de." + (i % 5), bytes(payload("DELETED", i)));
            }
            deleted.purge(new PurgeRequest(null, 0, 200));
            for (long seq = 200; seq <= 300; seq++) {
                deleted.delete(seq);
            }
            // A large purge up to a sequence and one keeping the newest (issue 11): the blocks below
            // the cut go whole, only the block it falls in gets tombstones.
            JetStartStream large = js.createStream("$G", config("{\"name\":\"LARGE\",\"subjects\":[\"la.*\"]}"));
            for (int i = 1; i <= 3000; i++) {
                large.publish("la." + (i % 6), bytes(payload("LARGE", i)));
            }
            // The cut two messages into the tail: their two tombstones fit in it (with more than the
            // tail holds the purge writes a tombstone per message, as before; docs/runtime.md).
            long largeCut = large.info().blocks().getLast().firstSeq() + 2;
            large.purge(new PurgeRequest(null, 0, largeCut));
            JetStartStream kept = js.createStream("$G", config("{\"name\":\"KEPT\",\"subjects\":[\"ke.*\"]}"));
            for (int i = 1; i <= 3000; i++) {
                kept.publish("ke." + (i % 6), bytes(payload("KEPT", i)));
            }
            // Keeping the messages from the first of the block before the tail on: no tombstone at all.
            List<io.jetstart.core.store.StreamView.Block> keptBlocks = kept.info().blocks();
            long keep = 3000 - keptBlocks.get(keptBlocks.size() - 2).firstSeq() + 1;
            kept.purge(new PurgeRequest(null, keep, 0));
            // A queue: each publish deletes the message ten before it, so the blocks go as they empty.
            JetStartStream queue = js.createStream("$G", config("{\"name\":\"QUEUE\",\"subjects\":[\"qu.*\"]}"));
            for (int i = 1; i <= 1500; i++) {
                queue.publish("qu." + (i % 2), bytes(payload("QUEUE", i)));
                if (i > 10) {
                    queue.delete(i - 10);
                }
            }
            // Every message expired by max_age (applied by the update), then the age limit lifted again.
            JetStartStream aged = js.createStream("$G", config("{\"name\":\"AGED\",\"subjects\":[\"ag.*\"]}"));
            for (int i = 1; i <= 300; i++) {
                aged.publish("ag.1", bytes(payload("AGED", i)));
            }
            // Older than 100 ms, the shortest max_age nats-server restores (and so the runtime writes).
            Thread.sleep(150);
            js.updateStream("$G", config("{\"name\":\"AGED\",\"subjects\":[\"ag.*\"],\"max_age\":100000000}"));
            js.updateStream("$G", config("{\"name\":\"AGED\",\"subjects\":[\"ag.*\"]}"));
            for (JetStartStream s : List.of(limits, bytesLimit, purged, deleted, large, kept, queue, aged)) {
                s.flush();
                expected.put(s.name(), RuntimeStoreOnServer.expected(s));
                try (Stream<Path> l = Files.list(s.info().blocks().getLast().file().getParent())) {
                    blockFiles.put(s.name(), (int) l.filter(p -> p.toString().endsWith(".blk")).count());
                }
            }
        }
        assertThat(counts(expected.get("LIMITS"))).isEqualTo("10 msgs, first 1991, last 2000");
        assertThat(counts(expected.get("PURGED"))).isEqualTo("0 msgs, first 301, last 300");
        assertThat(counts(expected.get("AGED"))).isEqualTo("0 msgs, first 301, last 300");
        assertThat(expected.get("DELETED").firstSeq()).isEqualTo(301);
        assertThat(counts(expected.get("QUEUE"))).isEqualTo("10 msgs, first 1491, last 1500");
        assertThat(expected.get("LARGE").lastSeq()).isEqualTo(3000);
        assertThat(expected.get("LARGE").firstSeq()).isGreaterThan(2900);
        assertThat(expected.get("KEPT").lastSeq()).isEqualTo(3000);
        assertThat(expected.get("KEPT").firstSeq()).isGreaterThan(2900);
        // The purges of DELETED, LARGE and KEPT removed the blocks below their cut whole, without a
        // block of tombstones that would hold them back (2.10.27's rebuild would start the stream there).
        for (String name : List.of("LIMITS", "BYTES", "PURGED", "LARGE", "KEPT", "QUEUE", "AGED")) {
            assertThat(blockFiles.get(name)).as(name).isLessThanOrEqualTo(6);
        }
        // DELETED keeps its 100 live messages and the tombstones of its 101 deletes after them.
        assertThat(blockFiles.get("DELETED")).isLessThanOrEqualTo(9);
        return new Written(store, expected);
    }

    private static String counts(Expected x) {
        return x.messages() + " msgs, first " + x.firstSeq() + ", last " + x.lastSeq();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
