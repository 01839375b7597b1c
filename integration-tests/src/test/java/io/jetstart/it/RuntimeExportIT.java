package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.backup.BackupLayout;
import io.jetstart.core.backup.SnapshotUnpacker;
import io.jetstart.core.backup.StreamExport;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StreamState;
import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PurgeRequest;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.core.store.StoredMessage;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * #14, export from a consistent point of an open runtime: while publishers run (and after the
 * point, a delete and a purge), {@code JetStartStream.export} writes a backup; {@code jetstart push}
 * restores it through nats-server 2.14+'s own restore API, and the server reports exactly the
 * state at the point (messages, bytes, first and last sequence) and serves every message of the
 * point byte for byte, nothing written after it.
 */
class RuntimeExportIT {
    private final Path tmp = Repo.work("RuntimeExportIT");

    @Test
    void aBackupTakenWhilePublishersRunRestoresInTheServerWithTheStateAtItsPoint() throws Exception {
        Optional<NatsServerBinary> newest = NatsServers.discover().all().stream().filter(b -> b.version().atLeast(2, 14))
                .reduce((a, b) -> b);
        org.junit.jupiter.api.Assumptions.assumeTrue(newest.isPresent() || NatsServers.isCi(), "no nats-server 2.14+");
        Path store = Files.createDirectories(tmp.resolve("runtime"));
        Path backup = tmp.resolve("backup");
        StreamExport.Result exported;
        TreeMap<Long, String> atPoint = new TreeMap<>();
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults().withBlockSize(64 << 10))) {
            JetStartStream s = js.createStream("$G", StreamConfig.parse(
                    "{\"name\":\"EXP\",\"subjects\":[\"exp.*\"]}".getBytes(StandardCharsets.UTF_8)));
            for (int i = 1; i <= 1_000; i++) {
                s.publish("exp." + (i % 5), Headers.of("X-I", Integer.toString(i)), ("first " + i).getBytes(StandardCharsets.UTF_8));
            }
            s.delete(5);
            s.erase(6);
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> publishers = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                int id = p;
                publishers.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; !stop.get() && i < 20_000; i++) {
                            s.publish("exp.p" + id, ("publisher " + id + " " + i).getBytes(StandardCharsets.UTF_8));
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            while (s.info().lastSeq() < 3_000) {
                Thread.onSpinWait();
            }
            exported = s.export(backup);
            long point = exported.state().lastSeq();
            // After the point: removals of messages the point holds, and more messages.
            s.delete(100);
            s.purge(new PurgeRequest("exp.1", 0, 0));
            while (s.info().lastSeq() < point + 1_000) {
                Thread.onSpinWait();
            }
            stop.set(true);
            for (Thread t : publishers) {
                t.join();
            }
            // What the point held: messages removed after it were known before (first 1,000) or are
            // the publishers' (never removed), read now.
            for (long seq = 1; seq <= point; seq++) {
                if (seq <= 1_000) {
                    if (seq != 5 && seq != 6) {
                        atPoint.put(seq, Base64.getEncoder().encodeToString(("first " + seq).getBytes(StandardCharsets.UTF_8)));
                    }
                } else {
                    atPoint.put(seq, Base64.getEncoder().encodeToString(s.get(seq).map(StoredMessage::payload).orElseThrow()));
                }
            }
            assertThat(s.info().lastSeq()).isGreaterThan(point);
        }
        StreamState point = exported.state();
        assertThat(point.messages()).isEqualTo(atPoint.size());

        // push takes a store: the backup's files, unpacked as they are, are one.
        Path restoredStore = tmp.resolve("from-backup");
        try (InputStream in = Files.newInputStream(backup.resolve(BackupLayout.DATA))) {
            SnapshotUnpacker.unpack(in, restoredStore.resolve("jetstream/$G/streams/EXP"));
        }
        Jetstart jetstart = new Jetstart(tmp.resolve("work"));
        try (NatsServerProcess server = NatsServerProcess.start(newest.get(), tmp.resolve("server-store"), tmp.resolve("server"),
                ServerAccounts.GLOBAL)) {
            Jetstart.Result push = jetstart.run("push", restoredStore.toString(), "EXP", "--server", "nats://127.0.0.1:" + server.port());
            assertThat(push.exitCode()).as(push::toString).isZero();
            try (NatsClient c = server.connect(Account.GLOBAL)) {
                JsApi api = new JsApi(c.connection(), Json.mapper());
                JsonNode state = api.streamInfo("EXP").path("state");
                assertThat(state.path("messages").asLong()).as("messages").isEqualTo(point.messages());
                assertThat(state.path("bytes").asLong()).as("bytes").isEqualTo(point.bytes());
                assertThat(state.path("first_seq").asLong()).as("first seq").isEqualTo(point.firstSeq());
                assertThat(state.path("last_seq").asLong()).as("last seq").isEqualTo(point.lastSeq());
                List<String> problems = new ArrayList<>();
                for (long seq = 1; seq <= point.lastSeq() + 5 && problems.size() < 20; seq++) {
                    Optional<JsonNode> m = api.message("EXP", seq);
                    String expected = atPoint.get(seq);
                    String served = m.map(n -> n.path("data").asText()).orElse(null);
                    if (expected == null ? served != null : !expected.equals(served)) {
                        problems.add("seq " + seq + ": at the point " + expected + ", served " + served);
                    }
                }
                assertThat(problems).as(newest.get() + " serving the restored backup").isEmpty();
            }
        }
    }
}
