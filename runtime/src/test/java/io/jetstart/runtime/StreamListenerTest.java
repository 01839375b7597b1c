package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store tells its stream listeners of every real stream (recovering ones included, which per-stream
 * readiness metrics need), of created and deleted streams, and never of a name someone merely
 * asked for. The recovering stream is held by a named pipe as its {@code meta.inf} (as in
 * {@link PerStreamReadinessTest}); no timing is involved.
 */
class StreamListenerTest {
    @TempDir
    Path dir;

    /** Remembers the last handle of each stream, and the removals. */
    static final class Recorder implements StreamListener {
        final Map<String, StreamHandle> handles = new ConcurrentHashMap<>();
        final List<String> removed = new CopyOnWriteArrayList<>();
        final CountDownLatch heardOfB = new CountDownLatch(1);

        @Override
        public void streamKnown(StreamHandle handle) {
            handles.put(handle.name(), handle);
            if (handle.name().equals("B")) {
                heardOfB.countDown();
            }
        }

        @Override
        public void streamRemoved(String account, String name) {
            removed.add(account + " > " + name);
        }
    }

    @Test
    void aStreamStillRecoveringIsKnownAsRecoveringAndItsHandleTurnsReady() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkfifo")) || Files.isExecutable(Path.of("/bin/mkfifo")), "needs mkfifo");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.createStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a\"]}")).publish("a", bytes("1"));
            store.createStream("$G", config("{\"name\":\"B\",\"subjects\":[\"b\"]}")).publish("b", bytes("1"));
        }
        Path meta = dir.resolve("jetstream/$G/streams/B/meta.inf");
        byte[] metaBytes = Files.readAllBytes(meta);
        Files.delete(meta);
        assertThat(new ProcessBuilder("mkfifo", meta.toString()).inheritIO().start().waitFor()).isZero();

        Recorder r = new Recorder();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.addStreamListener(r);
            store.stream("A").await(Duration.ofSeconds(30));
            assertThat(r.heardOfB.await(30, TimeUnit.SECONDS)).as("told of B while it recovers").isTrue();
            assertThat(r.handles.get("B").state()).isEqualTo(StreamHandle.State.RECOVERING);
            assertThat(store.streamStates()).isEqualTo(new StreamCounts(1, 1, 0, 0));

            try (OutputStream out = Files.newOutputStream(meta)) {
                out.write(metaBytes);
            }
            store.recovery().get(30, TimeUnit.SECONDS);
            assertThat(r.handles.get("A").state()).isEqualTo(StreamHandle.State.READY);
            assertThat(r.handles.get("B").state()).isEqualTo(StreamHandle.State.READY);
            assertThat(r.handles.get("B").ready().get().info().messages()).isEqualTo(1);
        }
    }

    @Test
    void createdAndDeletedStreamsAreToldAndANameOnlyAskedForIsNot() throws Exception {
        Recorder r = new Recorder();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.recovery().get(30, TimeUnit.SECONDS);
            store.createStream("$G", config("{\"name\":\"OLD\",\"subjects\":[\"old\"]}"));
            store.addStreamListener(r);
            assertThat(r.handles).as("told of the streams known before it was added").containsOnlyKeys("OLD");

            assertThat(store.stream("NOPE").state()).isEqualTo(StreamHandle.State.FAILED);
            store.createStream("$G", config("{\"name\":\"X\",\"subjects\":[\"x\"]}"));
            assertThat(r.handles).containsOnlyKeys("OLD", "X");
            assertThat(r.handles.get("X").state()).isEqualTo(StreamHandle.State.READY);

            store.deleteStream("$G", "X");
            assertThat(r.removed).containsExactly("$G > X");
        }
    }
}
