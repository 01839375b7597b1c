package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code consume} handler that stops its own loop (after N messages), deletes its consumer or
 * closes the store: each of those joins the loop's thread, which is the handler's own, so it waited
 * for itself for ever. The loop now ends once the handler returns, the rest of its batch is not
 * handed out, and what the handler asked for is done. The timeouts, on a thread of their own, turn
 * the old hang into a failure.
 */
class ConsumeHandlerCloseTest {
    @TempDir
    Path dir;

    private static JetStartStream tenMessages(JetStartStore store) throws Exception {
        JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
        for (int i = 1; i <= 10; i++) {
            s.publish("s.x", bytes("m" + i));
        }
        return s;
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHandlerThatClosesItsLoopAfterThreeMessagesGetsNoFourth() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            PullConsumer c = tenMessages(store).createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            List<Long> seen = new CopyOnWriteArrayList<>();
            // The handle, once consume has returned it: the loop can hand over three messages before that.
            CompletableFuture<AutoCloseable> self = new CompletableFuture<>();
            CompletableFuture<Throwable> closed = new CompletableFuture<>();
            self.complete(c.consume(m -> {
                seen.add(m.streamSeq());
                m.ack();
                if (seen.size() == 3) {
                    try {
                        self.get(30, TimeUnit.SECONDS).close();
                        closed.complete(null);
                    } catch (Throwable t) {
                        closed.complete(t);
                    }
                }
            }));
            assertThat(closed.get(30, TimeUnit.SECONDS)).as("the close returned, without an error").isNull();
            self.join().close(); // from outside too: joins the ended loop
            assertThat(seen).containsExactly(1L, 2L, 3L);
            assertThat(c.status().ackFloor().streamSeq()).isEqualTo(3);
            assertThat(c.status().numAckPending()).as("the rest of the fetched batch, left to the ack wait").isEqualTo(7);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHandlerThatDeletesItsConsumerOrClosesTheStoreReturns() throws Exception {
        CompletableFuture<Throwable> deleted = new CompletableFuture<>();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = tenMessages(store);
            PullConsumer d = s.createConsumer("{\"durable_name\":\"D\",\"ack_policy\":\"explicit\"}");
            d.consume(m -> {
                try {
                    s.deleteConsumer("D");
                    deleted.complete(null);
                } catch (Throwable t) {
                    deleted.complete(t);
                }
            });
            assertThat(deleted.get(30, TimeUnit.SECONDS)).isNull();
            assertThat(s.consumerNames()).isEmpty();
        }

        CompletableFuture<Throwable> storeClosed = new CompletableFuture<>();
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        PullConsumer e = store.stream("S").await(java.time.Duration.ofSeconds(30))
                .createConsumer("{\"durable_name\":\"E\",\"ack_policy\":\"explicit\"}");
        e.consume(m -> {
            try {
                store.close();
                storeClosed.complete(null);
            } catch (Throwable t) {
                storeClosed.complete(t);
            }
        });
        assertThat(storeClosed.get(30, TimeUnit.SECONDS)).isNull();
        assertThat(store.isClosed()).isTrue();
        try (JetStartStore again = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(again.stream("S").await(java.time.Duration.ofSeconds(30)).consumerNames()).containsExactly("E");
        }
    }
}
