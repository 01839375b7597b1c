package io.jetstart.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.StreamStore;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.recovery.Readiness;
import io.jetstart.recovery.RecoveryReport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs every example of docs/embedding.md on a copy of the 2.15.1 fixture and checks what it returns. */
class ExamplesTest {
    @Test
    void recoverStoreBringsBackEveryStream(@TempDir Path tmp) throws Exception {
        RecoveryReport report = RecoverStore.recover(Fixtures.copyStore("nats-2.15.1-small", tmp));

        assertThat(report.allRecovered()).isTrue();
        assertThat(report.messages()).isEqualTo(685 + 990 + 800);
    }

    @Test
    void recoverWithMetricsIsReadyAndCountedItsStreams(@TempDir Path tmp) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        Readiness state = RecoverWithMetrics.recover(Fixtures.copyStore("nats-2.15.1-small", tmp), registry);

        assertThat(state).isInstanceOfSatisfying(Readiness.Ready.class, r -> assertThat(r.streams()).isEqualTo(3));
        assertThat(registry.getMeters()).isNotEmpty()
                .allSatisfy(m -> assertThat(m.getId().getTag("app")).isEqualTo("orders"));
    }

    @Test
    void readMessagesHandsOutTheStreamAndOneMessageBySequence(@TempDir Path tmp) throws Exception {
        Path store = Fixtures.copyStore("nats-2.15.1-small", tmp);
        StreamStore lim1 = ReadMessages.open(store, "LIM1");

        assertThat(ReadMessages.printAll(lim1)).isEqualTo(990);
        assertThat(ReadMessages.get(lim1, 1)).startsWith("lim1.0: s1:m1:");
        assertThat(ReadMessages.get(lim1, 97)).isEqualTo("no message 97");
        Path blk = store.resolve("jetstream/$G/streams/LIM1/msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        b[200] ^= 1; // inside seq 2's record
        Files.write(blk, b);
        assertThat(ReadMessages.get(lim1, 2)).startsWith("damaged: ").contains("1.blk at offset 136");
    }

    @Test
    void publishAndReadWritesAMessageThatAReopenedStoreServes(@TempDir Path tmp) throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store")); // an empty store_dir, as a new server starts on

        io.jetstart.core.store.StoredMessage first = PublishAndRead.publishOne(store, "o-1", "first order");
        io.jetstart.core.store.StoredMessage again = PublishAndRead.publishOne(store, "o-1", "first order");

        assertThat(first.seq()).isEqualTo(1);
        assertThat(new String(first.payload(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("first order");
        assertThat(again.seq()).as("Nats-Msg-Id de-duplicates across a reopen").isEqualTo(1);
        assertThat(PublishAndRead.lastOrder(store)).get().extracting(io.jetstart.core.store.StoredMessage::seq).isEqualTo(1L);
    }

    @Test
    void theRuntimeExamplesRunFromTheirMainOnANewStore(@TempDir Path tmp) throws Exception {
        // What a reader of docs/embedding.md runs first: each example's main on an empty directory.
        Path store = Files.createDirectories(tmp.resolve("store"));

        PublishAndRead.main(new String[] {store.toString()});
        KeyValueBucket.main(new String[] {store.toString()});

        assertThat(PublishAndRead.lastOrder(store)).get().extracting(io.jetstart.core.store.StoredMessage::seq).isEqualTo(1L);
        assertThat(store.resolve("jetstream/$G/streams/KV_settings")).isDirectory();
    }

    @Test
    void theKeyValueExampleSeesItsWritesInOrderAndTheCreateIsRefused(@TempDir Path tmp) throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));

        assertThat(KeyValueBucket.configure(store)).containsExactly("app.mode=fast @1", "app.mode=safe @2");
    }
}
