package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.backup.BackupLayout;
import io.jetstart.core.backup.SnapshotUnpacker;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamState;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PublishAck;
import io.jetstart.runtime.RuntimeOptions;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jetstart export} on a store a runtime holds: the lock says so, and the stream is exported
 * as a crash would leave it; every message acknowledged before the export began is in the backup,
 * byte for byte, and the backup's blocks rebuild to a state without a damaged record.
 */
class HeldExportTest {
    @TempDir
    Path dir;

    private static int run(StringWriter err, String... args) {
        return Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
    }

    private static StreamState recovered(Path streamDir, String name) throws Exception {
        return StreamOpener.open("$G", name, streamDir, MetaFiles.readStream(streamDir, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded()).state();
    }

    @Test
    void exportOfAHeldStoreHoldsEveryMessageAcknowledgedBeforeIt() throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        Path out = dir.resolve("backup");
        List<CompletableFuture<PublishAck>> later = new ArrayList<>();
        long ackedBefore;
        try (JetStartStore held = JetStart.open(store, RuntimeOptions.defaults().withBlockSize(4096))) {
            JetStartStream s = held.createStream("$G", io.jetstart.core.meta.StreamConfig.parse(
                    "{\"name\":\"H\",\"subjects\":[\"h.*\"]}".getBytes(StandardCharsets.UTF_8)));
            for (int i = 1; i <= 400; i++) {
                ackedBefore = s.publish("h." + (i % 4), ("message " + i).getBytes(StandardCharsets.UTF_8)).seq();
            }
            s.delete(10);
            ackedBefore = s.info().lastSeq();
            // More publishes in flight while the export copies the files.
            for (int i = 401; i <= 3_000; i++) {
                later.add(s.publishAsync("h.9", io.jetstart.runtime.Headers.EMPTY, ("message " + i).getBytes(StandardCharsets.UTF_8)));
            }
            StringWriter err = new StringWriter();
            assertThat(run(err, "export", store.toString(), "H", out.toString())).as(err.toString()).isZero();
            assertThat(err.toString()).contains("held by a jetstart runtime");
            CompletableFuture.allOf(later.toArray(CompletableFuture[]::new)).join();
        }
        Path streamDir = dir.resolve("restored/jetstream/$G/streams/H");
        try (InputStream in = Files.newInputStream(out.resolve(BackupLayout.DATA))) {
            SnapshotUnpacker.unpack(in, streamDir);
        }
        assertThat(Files.exists(streamDir.resolve("msgs/index.db"))).as("index.db is left to the restoring server").isFalse();
        StreamState state = recovered(streamDir, "H");
        assertThat(state.lastSeq()).isGreaterThanOrEqualTo(ackedBefore);
        assertThat(state.messages()).isEqualTo(state.lastSeq() - 1);
        try (JetStartStore copy = JetStart.open(dir.resolve("restored"), RuntimeOptions.defaults())) {
            JetStartStream h = copy.stream("H").await(java.time.Duration.ofSeconds(30));
            for (long seq = 1; seq <= ackedBefore; seq++) {
                if (seq == 10) {
                    assertThat(h.get(seq)).isEmpty();
                    continue;
                }
                assertThat(h.get(seq).orElseThrow().payload()).as("seq " + seq)
                        .isEqualTo(("message " + seq).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void theRuntimesLockIsSeenWhileItIsHeldAndNotAfter() throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        try (JetStartStore held = JetStart.open(store, RuntimeOptions.defaults())) {
            assertThat(HeldStreamCopy.heldByRuntime(store)).isTrue();
            assertThat(HeldStreamCopy.heldByRuntime(store.resolve("jetstream"))).isTrue();
        }
        assertThat(Files.exists(store.resolve("jetstart.lock"))).isTrue();
        assertThat(HeldStreamCopy.heldByRuntime(store)).isFalse();
        // A runtime opened on the jetstream/ folder locks that folder: seen from the store too.
        try (JetStartStore held = JetStart.open(store.resolve("jetstream"), RuntimeOptions.defaults())) {
            assertThat(HeldStreamCopy.heldByRuntime(store)).isTrue();
        }
    }

    @Test
    void exportWithTheKeyOfAHeldEncryptedStoreDecryptsItsBlocksAndItsConsumer() throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        Path out = dir.resolve("backup");
        RuntimeOptions opts = RuntimeOptions.defaults().withBlockSize(4096).withKey(io.jetstart.core.crypto.StoreKey.ofText("operator key"));
        try (JetStartStore held = JetStart.open(store, opts)) {
            JetStartStream s = held.createStream("$G", io.jetstart.core.meta.StreamConfig.parse(
                    "{\"name\":\"H\",\"subjects\":[\"h.*\"]}".getBytes(StandardCharsets.UTF_8)));
            for (int i = 1; i <= 400; i++) {
                s.publish("h." + (i % 4), ("message " + i).getBytes(StandardCharsets.UTF_8));
            }
            s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}").fetch(3, 0, java.time.Duration.ZERO)
                    .forEach(io.jetstart.runtime.ConsumedMessage::ack);
            // The consumer's state on disk before the export (o.dat is written at its cadence otherwise).
            held.stream("H").await(java.time.Duration.ofSeconds(5)).consumerInfo("C");
            StringWriter err = new StringWriter();
            assertThat(run(err, "export", store.toString(), "H", out.toString(), "--key", "operator key")).as(err.toString()).isZero();
            assertThat(err.toString()).contains("held by a jetstart runtime");
        }
        Path streamDir = dir.resolve("restored/jetstream/$G/streams/H");
        try (InputStream in = Files.newInputStream(out.resolve(BackupLayout.DATA))) {
            SnapshotUnpacker.unpack(in, streamDir);
        }
        StreamState state = recovered(streamDir, "H");
        assertThat(state.lastSeq()).as("every block, the last one decrypted to find its last record").isEqualTo(400);
        assertThat(state.messages()).isEqualTo(400);
        assertThat(Files.readString(streamDir.resolve("obs/C/meta.inf"))).as("the consumer, opened with its own key")
                .contains("\"durable_name\":\"C\"");
        try (JetStartStore copy = JetStart.open(dir.resolve("restored"), RuntimeOptions.defaults())) {
            JetStartStream h = copy.stream("H").await(java.time.Duration.ofSeconds(30));
            assertThat(h.get(400).orElseThrow().payload()).isEqualTo("message 400".getBytes(StandardCharsets.UTF_8));
            assertThat(h.consumerInfo("C").notDelivered()).isEmpty();
        }
    }
}
