package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer that runs out of memory, and runs out again while it names the failure, still fails
 * what it holds and what comes later: no publisher waits for ever. Seen with
 * {@code -Xmx32m} and four publishers of 1 MiB messages: the writer's thread ended on the second
 * error (building its message), and every publisher waited while the process printed its
 * progress. Here the first error comes from a commit listener, and its text is the second: an
 * {@code OutOfMemoryError} thrown when the writer makes its message. The timeouts turn the old
 * hang into a failure.
 */
class WriterOutOfMemoryTest {
    @TempDir
    Path dir;

    /** An error whose text cannot be made: as out of memory makes every allocation fail. */
    private static final class Unnameable extends Error {
        @Override
        public String toString() {
            throw new OutOfMemoryError("no memory left to name the failure (test)");
        }

        @Override
        public String getMessage() {
            throw new OutOfMemoryError("no memory left to name the failure (test)");
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aWriterOutOfMemoryWhileNamingItsFailureStillFailsItsCallersAndRefusesTheNext() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            s.publish("s", bytes("before"));
            store.addCommitListener(batch -> {
                throw new Unnameable();
            });
            CompletableFuture<PublishAck> first = s.publishAsync("s", Headers.EMPTY, bytes("1"));
            assertThatThrownBy(() -> first.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(JetStreamApiException.class)
                    .hasMessageContaining("out of memory").hasMessageContaining("10077");
            CompletableFuture<PublishAck> next = s.publishAsync("s", Headers.EMPTY, bytes("2"));
            assertThatThrownBy(() -> next.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        }
        // What was acknowledged before is there, and nothing after it.
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("S").await(java.time.Duration.ofSeconds(30));
            assertThat(s.get(1)).isPresent();
            assertThat(s.info().lastSeq()).isBetween(1L, 2L);
        }
    }
}
