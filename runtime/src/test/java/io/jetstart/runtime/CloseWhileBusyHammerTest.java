package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jetstart.core.testing.ThreadDump;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The store's close, a consumer's delete and its stream's delete while the consumer is busy:
 * fetches waiting, acks, naks and in-progress answers in flight, a consume handler running and
 * publishers publishing. Every call returns or fails with a clear exception (the API's
 * {@link JetStreamApiException}, or {@link IllegalStateException} saying what is closed), every
 * thread of ours ends, and no thread the runtime made for the stream or the consumer is left. The
 * timeout is a hang guard only.
 */
class CloseWhileBusyHammerTest {
    private static final String STREAM = "BUSYCLOSE";

    @TempDir
    Path root;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"close store", "delete consumer", "delete stream"})
    void aCloseOrDeleteWhileFetchesAcksAndAHandlerRunEndsEveryCallCleanly(String action) throws Exception {
        for (long seed : HammerRuns.seeds()) {
            Path dir = Files.createTempDirectory(root, "r");
            assertTimeoutPreemptively(Duration.ofMinutes(2), () -> round(action, seed, dir), "hang guard, " + action + ", seed " + seed);
        }
    }

    private static void round(String action, long seed, Path dir) throws Exception {
        String at = action + ", seed " + seed;
        Random random = new Random(seed);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        // Acks that returned: whatever the close, each is kept (an ack the close overtook is refused).
        java.util.Set<Long> acked = java.util.concurrent.ConcurrentHashMap.newKeySet();
        String retention = List.of("limits", "interest", "workqueue").get(random.nextInt(3));
        JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults());
        AutoCloseable consume;
        try {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"" + STREAM + "\",\"subjects\":[\"b.*\"],"
                    + "\"retention\":\"" + retention + "\"}"));
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"ack_wait\":30000000}");
            for (int p = 0; p < 4; p++) {
                int publisher = p;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; !done.get(); i++) {
                            s.publish("b." + (i % 4), ("p" + publisher + "." + i).getBytes(StandardCharsets.UTF_8));
                            if (i % 8 == 0) {
                                Thread.sleep(1);
                            }
                        }
                    } catch (Throwable e) {
                        expected("publisher", e, problems);
                    }
                }));
            }
            for (int f = 0; f < 4; f++) {
                Random own = new Random(seed + f);
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        while (true) {
                            // Until the action ends the consumer: a fetch then fails, it never returns empty for ever.
                            for (ConsumedMessage m : c.fetch(1 + own.nextInt(20), 0, Duration.ofMillis(own.nextInt(80)))) {
                                switch (own.nextInt(4)) {
                                    case 0 -> m.nak();
                                    case 1 -> m.inProgress();
                                    case 2 -> { } // to the ack wait
                                    default -> {
                                        m.ack();
                                        acked.add(m.streamSeq());
                                    }
                                }
                            }
                        }
                    } catch (Throwable e) {
                        expected("fetcher", e, problems);
                    }
                }));
            }
            consume = c.consume(m -> {
                try {
                    Thread.sleep(1);
                    m.ack();
                    acked.add(m.streamSeq());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Throwable e) {
                    expected("handler's ack", e, problems);
                }
            });
            Thread.sleep(20 + random.nextInt(100));
            switch (action) {
                case "close store" -> store.close();
                case "delete consumer" -> s.deleteConsumer("C");
                default -> store.deleteStream("$G", STREAM);
            }
            Throwable after = org.assertj.core.api.Assertions.catchThrowable(() -> c.fetch(1, 0, Duration.ZERO));
            assertThat(after).as("a fetch after the " + at).isNotNull();
            expected("a fetch after it", after, problems);
            if (!action.equals("delete consumer")) {
                done.set(true);
            }
            // The fetchers end on their own (the consumer is gone); the publishers of a consumer's
            // delete are stopped once the fetchers have ended.
            for (Thread t : threads.subList(4, threads.size())) {
                t.join();
            }
            done.set(true);
            for (Thread t : threads) {
                t.join();
            }
            consume.close();
            if (action.equals("delete consumer") && !retention.equals("limits")) {
                // Each removal the deleted consumer's acks released is written (the flush queues behind them).
                s.flush();
                for (long seq : acked) {
                    assertThat(s.get(seq)).as("acked " + seq + " still held after the delete, " + at).isEmpty();
                }
            }
        } finally {
            store.close();
        }
        assertThat(problems).as(at).isEmpty();
        if (action.equals("close store")) {
            reopenKeepsTheAcks(dir, retention, acked, at);
        }
        assertThat(ThreadDump.names()).as("threads of the stream or its consumer left, " + at)
                .noneMatch(n -> n.contains(STREAM));
    }

    /**
     * After a close while busy: no message whose ack returned is delivered again, and an interest
     * or work-queue stream whose only consumer acked a message no longer holds it.
     */
    private static void reopenKeepsTheAcks(Path dir, String retention, java.util.Set<Long> acked, String at) throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream(STREAM).await(Duration.ofSeconds(30));
            PullConsumer c = s.consumer("C");
            int empty = 0;
            while (empty < 2) {
                // Past the ack wait (30 ms) twice: everything pending at the close is redelivered by then.
                List<ConsumedMessage> got = c.fetch(500, 0, Duration.ofMillis(100));
                empty = got.isEmpty() ? empty + 1 : 0;
                for (ConsumedMessage m : got) {
                    assertThat(acked).as("redelivered after a reopen though its ack returned before the close: "
                            + m.streamSeq() + ", " + at).doesNotContain(m.streamSeq());
                    m.ack();
                }
            }
            if (!retention.equals("limits")) {
                for (long seq : acked) {
                    assertThat(s.get(seq)).as("acked " + seq + " still held after a reopen, " + at).isEmpty();
                }
            }
        }
    }

    /** A clear failure: the API's own exception, or one saying what is closed or gone. */
    private static void expected(String who, Throwable e, ConcurrentLinkedQueue<String> problems) {
        boolean clear = e instanceof JetStreamApiException
                || (e instanceof IllegalStateException && e.getMessage() != null && !e.getMessage().isBlank());
        if (!clear) {
            problems.add(who + ": " + e);
        }
    }
}
