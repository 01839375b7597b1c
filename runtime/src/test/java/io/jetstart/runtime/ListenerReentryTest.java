package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code resumeStream}, {@code deleteStream} and {@code close} wait for the threads that call the
 * store's listeners (the recovery's, a stream's writer), so a listener that calls them waited for
 * itself for ever. They are refused on a listener's call with a clear exception instead, and the
 * store goes on. The timeouts, on a thread of their own, turn the old hang into a failure (the test's
 * own close then waited for ever too: measured with the refusal switched off).
 */
class ListenerReentryTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aStreamListenerThatResumesAStreamDuringTheOpenIsRefusedAndTheOpenEnds() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.createStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a\"]}")).publish("a", bytes("1"));
        }
        CompletableFuture<Throwable> refused = new CompletableFuture<>();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.addStreamListener(handle -> {
                try {
                    store.resumeStream(handle.account(), handle.name());
                    refused.complete(null);
                } catch (Throwable t) {
                    refused.complete(t);
                }
            });
            assertThat(refused.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("resumeStream").hasMessageContaining("Listener");
            store.recovery().get(30, TimeUnit.SECONDS);
            assertThat(store.stream("A").await(Duration.ofSeconds(30)).publish("a", bytes("2")).seq()).isEqualTo(2);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCommitListenerThatClosesTheStoreOrDeletesItsStreamIsRefusedAndTheWriterGoesOn() throws Exception {
        CompletableFuture<Throwable> closeRefused = new CompletableFuture<>();
        CompletableFuture<Throwable> deleteRefused = new CompletableFuture<>();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream a = store.createStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a\"]}"));
            store.addCommitListener(batch -> {
                try {
                    store.deleteStream("$G", "A");
                    deleteRefused.complete(null);
                } catch (Throwable t) {
                    deleteRefused.complete(t);
                }
                try {
                    store.close();
                    closeRefused.complete(null);
                } catch (Throwable t) {
                    closeRefused.complete(t);
                }
            });
            assertThat(a.publish("a", bytes("1")).seq()).isEqualTo(1);
            assertThat(deleteRefused.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("deleteStream").hasMessageContaining("Listener");
            assertThat(closeRefused.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("close").hasMessageContaining("Listener");
            assertThat(a.publish("a", bytes("2")).seq()).as("the writer went on").isEqualTo(2);
            assertThat(store.isClosed()).isFalse();
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCommitListenerThatWritesToItsOwnStreamAndWaitsIsRefusedWhileAnAsyncPublishThereIsAcked() throws Exception {
        CompletableFuture<Throwable> publishRefused = new CompletableFuture<>();
        CompletableFuture<Throwable> purgeRefused = new CompletableFuture<>();
        CompletableFuture<Throwable> consumerDeleteRefused = new CompletableFuture<>();
        CompletableFuture<CompletableFuture<PublishAck>> asyncFromListener = new CompletableFuture<>();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream a = store.createStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a\"],\"retention\":\"interest\"}"));
            a.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            store.addCommitListener(batch -> {
                if (publishRefused.isDone()) {
                    return;
                }
                try {
                    a.publish("a", bytes("from the listener"));
                    publishRefused.complete(null);
                } catch (Throwable t) {
                    publishRefused.complete(t);
                }
                try {
                    a.purge(PurgeRequest.all());
                    purgeRefused.complete(null);
                } catch (Throwable t) {
                    purgeRefused.complete(t);
                }
                try {
                    a.deleteConsumer("C");
                    consumerDeleteRefused.complete(null);
                } catch (Throwable t) {
                    consumerDeleteRefused.complete(t);
                }
                asyncFromListener.complete(a.publishAsync("a", Headers.EMPTY, bytes("async")));
            });
            assertThat(a.publish("a", bytes("1")).seq()).isEqualTo(1);
            assertThat(publishRefused.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("publish").hasMessageContaining("writer's own thread");
            assertThat(purgeRefused.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("purge").hasMessageContaining("writer's own thread");
            assertThat(consumerDeleteRefused.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("consumer delete").hasMessageContaining("writer's own thread");
            assertThat(a.consumerNames()).containsExactly("C");
            assertThat(asyncFromListener.get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS).seq())
                    .as("queued from the listener, acked by the next batch").isEqualTo(2);
            assertThat(a.info().messages()).as("nothing refused was written, nothing purged").isEqualTo(2);
        }
    }
}
