package io.jetstart.runtime;

import io.jetstart.core.store.StoredMessage;
import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.recovered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.backup.BackupLayout;
import io.jetstart.core.backup.SnapshotUnpacker;
import io.jetstart.core.backup.StreamExport;
import io.jetstart.core.store.StreamState;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export from an open runtime: publishers (and a deleter) keep writing while the stream is
 * exported; the backup holds exactly the state at the writer's point, which the files show when
 * unpacked and recovered, with every message byte for byte as the runtime serves it.
 */
class OpenExportTest {
    @TempDir
    Path dir;

    @Test
    void anExportWhilePublishersRunHoldsExactlyTheStateAtItsPoint() throws Exception {
        Path out = dir.resolve("backup");
        StreamExport.Result exported;
        List<byte[]> served = new ArrayList<>();
        try (JetStartStore store = JetStart.open(Files.createDirectories(dir.resolve("store")), RuntimeOptions.defaults().withBlockSize(4096))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"X\",\"subjects\":[\"x.*\"]}"));
            for (int i = 0; i < 500; i++) {
                s.publish("x." + (i % 3), bytes("before " + i));
            }
            s.delete(7);
            s.erase(9);
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> publishers = new ArrayList<>();
            // Publishers on x.0, x.1, x.3, x.4 (never x.2, which is purged after the point).
            for (int p : new int[] {0, 1, 3, 4}) {
                int id = p;
                publishers.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; !stop.get() && i < 5_000; i++) {
                            s.publish("x." + id, bytes("publisher " + id + " message " + i));
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            // Let the publishers get going: wait until the stream has grown (no time involved).
            while (s.info().lastSeq() < 1_000) {
                Thread.onSpinWait();
            }
            exported = s.export(out);
            long lastAtPoint = exported.state().lastSeq();
            // Changes after the point: removals and more messages, none of which the backup may hold.
            s.delete(100);
            s.purge(new PurgeRequest("x.2", 0, 0));
            while (s.info().lastSeq() < lastAtPoint + 200) {
                Thread.onSpinWait();
            }
            stop.set(true);
            for (Thread t : publishers) {
                t.join();
            }
            s.flush();
            assertThat(s.info().lastSeq()).as("the writer went on after the point").isGreaterThan(lastAtPoint);
            assertThat(s.get(100)).isEmpty();
            // What the point held: the first 500 are known, the publishers' messages are read now
            // (only x.2's were removed after the point, and no publisher writes to x.2).
            for (long seq = 1; seq <= lastAtPoint; seq++) {
                if (seq <= 500) {
                    served.add(seq == 7 || seq == 9 ? null : bytes("before " + (seq - 1)));
                } else {
                    served.add(s.get(seq).map(StoredMessage::payload).orElseThrow());
                }
            }
        }
        assertThat(Files.exists(out.resolve(BackupLayout.METADATA))).isTrue();
        Path restored = dir.resolve("restored");
        Path streamDir = restored.resolve("jetstream/$G/streams/X");
        try (InputStream in = Files.newInputStream(out.resolve(BackupLayout.DATA))) {
            SnapshotUnpacker.unpack(in, streamDir);
        }
        StreamState point = exported.state();
        StreamState fromIndex = recovered(restored, "X");
        assertThat(fromIndex.messages()).isEqualTo(point.messages());
        assertThat(fromIndex.lastSeq()).isEqualTo(point.lastSeq());
        assertThat(fromIndex.firstSeq()).isEqualTo(point.firstSeq());
        assertThat(fromIndex.bytes()).isEqualTo(point.bytes());
        // The blocks alone say the same (the copied tail ends where the point was, not later).
        Files.delete(streamDir.resolve("msgs/index.db"));
        StreamState rebuilt = recovered(restored, "X");
        assertThat(rebuilt.messages()).isEqualTo(point.messages());
        assertThat(rebuilt.lastSeq()).isEqualTo(point.lastSeq());
        assertThat(rebuilt.bytes()).isEqualTo(point.bytes());
        try (JetStartStore copy = JetStart.open(restored, RuntimeOptions.defaults())) {
            JetStartStream x = RuntimeTestSupport.open(copy, "X");
            for (long seq = 1; seq <= point.lastSeq(); seq++) {
                byte[] expected = served.get((int) seq - 1);
                assertThat(x.get(seq).map(StoredMessage::payload).orElse(null)).as("seq " + seq).isEqualTo(expected);
            }
            assertThat(x.get(7)).isEmpty();
            assertThat(x.get(9)).isEmpty();
        }
    }

    @Test
    void anEncryptedStreamIsNotExportedFromTheOpenRuntimeAsCiphertext() throws Exception {
        Path out = dir.resolve("backup");
        RuntimeOptions opts = RuntimeOptions.defaults().withKey(io.jetstart.core.crypto.StoreKey.ofText("operator key"));
        try (JetStartStore store = JetStart.open(Files.createDirectories(dir.resolve("store")), opts)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"SECRET\",\"subjects\":[\"s.*\"]}"));
            s.publish("s.1", bytes("confidential"));
            assertThatThrownBy(() -> s.export(out)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("SECRET").hasMessageContaining("jetstart export --key");
            // The stream goes on: a refused export changes nothing.
            assertThat(s.publish("s.2", bytes("more")).seq()).isEqualTo(2);
        }
        assertThat(out.resolve("stream.tar.s2")).doesNotExist();
    }
}
