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
 * A purge up to a sequence beyond the last, written by the runtime, read back by nats-server.
 * nats-server's {@code Compact(seq)} past the last (2.10.27 and 2.15.1 alike) moves the stream to
 * first {@code seq}, last {@code seq - 1}: it leaves a block whose only record is a tombstone for
 * {@code seq - 1} and an {@code index.db} saying so, and restarted with or without that
 * {@code index.db} it reports the same and gives the next message {@code seq}. The runtime writes
 * such a store (its purge's tombstones in the earlier block, which it removes once emptied); both
 * server lines start on it, with its {@code index.db} and without, and must report the messages,
 * bytes, first, last and deleted count the runtime reported, serve what it kept, and take the next
 * publish at the runtime's next sequence ({@link RuntimeStoreOnServer}).
 */
class RuntimePurgeSeqIT {
    private final Path tmp = Repo.work("RuntimePurgeSeqIT");

    @TestFactory
    Stream<DynamicNode> serversReadTheMovedSequencesTheRuntimeWrote() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        return RuntimeStoreOnServer.tests(tmp, NatsServers.discover().requireV210AndV214Plus(),
                new Once<>(() -> write(tmp.resolve("written"))));
    }

    private static StreamConfig config(String name, String subjects) throws Exception {
        return StreamConfig.parse(("{\"name\":\"" + name + "\",\"subjects\":[\"" + subjects + "\"]}").getBytes(StandardCharsets.UTF_8));
    }

    private Written write(Path store) throws Exception {
        Files.createDirectories(store);
        Map<String, Expected> expected = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS))) {
            // RuntimeCornersIT's scenario: 1..2 purged up to 10.
            JetStartStream moved = js.createStream("$G", config("MOVED", "mv.>"));
            moved.publish("mv.1", bytes("a"));
            moved.publish("mv.2", bytes("b"));
            assertThat(moved.purge(new PurgeRequest(null, 0, 10))).isEqualTo(2);
            // A stream that never held a message.
            JetStartStream empty = js.createStream("$G", config("EMPTY", "em.>"));
            assertThat(empty.purge(new PurgeRequest(">", 0, 5))).isZero();
            // Messages after a move, then a second move past them, then a message after that.
            JetStartStream again = js.createStream("$G", config("AGAIN", "ag.>"));
            again.publish("ag.1", bytes("a"));
            again.purge(new PurgeRequest("", 0, 10));
            assertThat(again.publish("ag.1", bytes("b")).seq()).isEqualTo(10);
            again.publish("ag.2", bytes("c"));
            assertThat(again.purge(new PurgeRequest(null, 0, 20))).isEqualTo(2);
            assertThat(again.publish("ag.1", bytes("d")).seq()).isEqualTo(20);
            for (JetStartStream s : List.of(moved, empty, again)) {
                s.flush();
                expected.put(s.name(), RuntimeStoreOnServer.expected(s));
            }
        }
        assertThat(expected.get("MOVED").state()).isEqualTo("0 msgs, 0 bytes, first 10, last 9, next 10");
        assertThat(expected.get("EMPTY").state()).isEqualTo("0 msgs, 0 bytes, first 5, last 4, next 5");
        assertThat(expected.get("AGAIN").state()).startsWith("1 msgs, ").endsWith(" bytes, first 20, last 20, next 21");
        return new Written(store, expected);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
