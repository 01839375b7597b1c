package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream is served as soon as its own recovery finishes. Stream B's {@code meta.inf} is replaced
 * by a named pipe, so B's recovery blocks on reading it until the test writes the same bytes into
 * the pipe: while it waits, A is served and written to, B is still recovering and so is the store;
 * then B comes back too. No timing is involved.
 */
class PerStreamReadinessTest {
    @TempDir
    Path dir;

    @Test
    void aStreamIsServedWhileAnotherIsStillRecovering() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkfifo")) || Files.isExecutable(Path.of("/bin/mkfifo")), "needs mkfifo");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.createStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a\"]}")).publish("a", bytes("1"));
            store.createStream("$G", config("{\"name\":\"B\",\"subjects\":[\"b\"]}")).publish("b", bytes("1"));
        }
        Path meta = dir.resolve("jetstream/$G/streams/B/meta.inf");
        byte[] metaBytes = Files.readAllBytes(meta);
        Files.delete(meta);
        Process mkfifo = new ProcessBuilder("mkfifo", meta.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();

        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream a = store.stream("A").await(Duration.ofSeconds(30));
            assertThat(a.publish("a", bytes("2")).seq()).isEqualTo(2);
            assertThat(store.stream("B").state()).isEqualTo(StreamHandle.State.RECOVERING);
            assertThat(store.recovery()).isNotDone();

            try (OutputStream out = Files.newOutputStream(meta)) {
                out.write(metaBytes);
            }
            JetStartStream b = store.stream("B").await(Duration.ofSeconds(30));
            assertThat(b.publish("b", bytes("2")).seq()).isEqualTo(2);
            assertThat(store.recovery().get().streams()).hasSize(2);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // waiting for B's recovery, as the check first did, never ends here
    void aStreamCreatedWhileAnotherRecoversIsCheckedForOverlapOnItsMetaInfWithoutWaiting() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkfifo")) || Files.isExecutable(Path.of("/bin/mkfifo")), "needs mkfifo");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.createStream("$G", config("{\"name\":\"B\",\"subjects\":[\"b.*\"]}")).publish("b.1", bytes("1"));
        }
        // B's only block is a named pipe and its index.db is gone: its rebuild blocks opening the
        // block until the test opens the pipe to write; its meta.inf is there to read.
        Path msgs = dir.resolve("jetstream/$G/streams/B/msgs");
        Files.delete(msgs.resolve("index.db"));
        byte[] block = Files.readAllBytes(msgs.resolve("1.blk"));
        Files.delete(msgs.resolve("1.blk"));
        assertThat(new ProcessBuilder("mkfifo", msgs.resolve("1.blk").toString()).inheritIO().start().waitFor()).isZero();

        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(store.stream("B").state()).isEqualTo(StreamHandle.State.RECOVERING);
            assertThatThrownBy(() -> store.createStream("$G", config("{\"name\":\"C\",\"subjects\":[\"b.>\"]}")))
                    .isInstanceOf(JetStreamApiException.class).hasMessageContaining("overlap");
            JetStartStream d = store.createStream("$G", config("{\"name\":\"D\",\"subjects\":[\"d\"]}"));
            assertThat(d.publish("d", bytes("1")).seq()).isEqualTo(1);
            assertThat(store.stream("B").state()).isEqualTo(StreamHandle.State.RECOVERING);
            try (OutputStream out = Files.newOutputStream(msgs.resolve("1.blk"))) {
                out.write(block);
            } catch (java.io.IOException e) {
                // The rebuild read the 0 bytes discovery listed for the pipe and closed it: released all the same.
            }
            assertThat(store.recovery()).succeedsWithin(Duration.ofSeconds(30));
            assertThat(store.stream("B").state()).isNotEqualTo(StreamHandle.State.RECOVERING);
        }
    }
}
