package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.ConsumerStatus;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PullConsumer;
import io.jetstart.runtime.RuntimeOptions;
import io.nats.client.ConsumerContext;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * kill -9 while consuming with explicit acks: a child JVM ({@link ConsumeCrashChild}) publishes a
 * known set of messages into a {@code limits} or a {@code workqueue} stream with the embedded
 * runtime, then fetches and acks through a durable pull consumer and prints every ack, and every
 * ack it has seen in {@code o.dat} ("flushed"); it is killed at a random moment, again and again on
 * the same two stores (trials alternate between them). After each kill the store is copied twice:
 * the runtime opens one copy and nats-server 2.15.1 the other, and both are asked for the
 * consumer's info and for what the consumer delivers again (after its ack wait, redeliveries come
 * first, then the next new message). Proven after every kill:
 * <ul>
 *   <li>no flushed ack is lost: no message acknowledged in {@code o.dat} is delivered again, and on
 *       the work-queue stream none of them is in the stream any more;</li>
 *   <li>the runtime redelivers exactly what nats-server redelivers from the same files (acks the
 *       kill caught before {@code o.dat} was written come back on both, as the server's own cadence
 *       allows), with the same delivered, ack floor, ack-pending and pending counts;</li>
 *   <li>nothing is lost: every published message is acknowledged, redelivered, or after the
 *       delivered sequence (and the next delivery is the next message); the payloads are
 *       intact.</li>
 * </ul>
 *
 * <p>{@code -Djetstart.consume.crash.trials=N} (default 4, a CI-sized count: two kills per store,
 * the second on what the first left; 6 until 2026-12-06) sets the number of kills; each costs about
 * 8-10 s here, 5 s of it the two sides' waits for the ack wait. The seed is printed and replayed with
 * {@code -Djetstart.consume.crash.seed=S}.
 */
class ConsumeCrashIT {
    private final Path tmp = Repo.work("ConsumeCrashIT");

    /** What each store has seen over its trials. */
    private static final class History {
        final String retention;
        final Path store;
        long published;
        final TreeSet<Long> acked = new TreeSet<>();
        /** Acks begun ({@code acking}), returned or not: the one a kill cut may have taken its message. */
        final TreeSet<Long> acking = new TreeSet<>();
        final TreeSet<Long> flushed = new TreeSet<>();

        History(String retention, Path store) {
            this.retention = retention;
            this.store = store;
        }
    }

    /** Consumer state and re-deliveries as one side reports them. */
    private record Seen(long deliveredConsumer, long deliveredStream, long ackFloorConsumer, long ackFloorStream,
                        long ackPending, long pending, TreeSet<Long> redelivered, long nextNew, long streamMessages,
                        List<Long> flushedInStream) {
    }

    @Test
    void noFlushedAckIsLostAndTheRuntimeRedeliversWhatNatsServerRedeliversAfterKillNine() throws Exception {
        int trials = Integer.getInteger("jetstart.consume.crash.trials", 4);
        long seed = Long.getLong("jetstart.consume.crash.seed", System.nanoTime());
        System.out.println("[it] ConsumeCrashIT: " + trials + " trials, seed " + seed);
        Random random = new Random(seed);
        NatsServerBinary server = NatsServers.discover().require("2.15.x", v -> v.atLeast(2, 15));
        List<History> stores = List.of(new History("limits", tmp.resolve("limits")), new History("workqueue", tmp.resolve("workqueue")));
        for (History h : stores) {
            Files.createDirectories(h.store);
        }
        for (int t = 0; t < trials; t++) {
            History h = stores.get(t % 2);
            String context = h.retention + " trial " + t + " (seed " + seed + ")";
            Path out = tmp.resolve("child-" + t + ".stdout");
            Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                    System.getProperty("java.class.path"), ConsumeCrashChild.class.getName(), h.store.toString(), h.retention,
                    Long.toString(random.nextLong()))
                    .redirectOutput(out.toFile()).redirectError(tmp.resolve("child-" + t + ".stderr").toFile()).start();
            waitForFirstAck(p, out, context);
            // The same window on both sides: a work-queue removal reads one record, so that side keeps
            // pace (a later kill there drained all 200,000 messages in the first two trials).
            Thread.sleep(100 + random.nextInt(1_200));
            kill(p);
            readLines(out, h, context);
            assertThat(h.published).as(context + ": published").isEqualTo(ConsumeCrashChild.MESSAGES);
            Path trial = tmp.resolve("trial-" + t);
            Seen runtime = runtimeSees(copy(h.store, trial.resolve("runtime")), h, context);
            Seen natsServer = serverSees(server, copy(h.store, trial.resolve("server")), trial, h, context);
            System.out.printf("[it] ConsumeCrashIT %s: %d acked (%d flushed) so far; after the kill: ack floor %d, delivered %d, "
                            + "%d redelivered, of them %d acked before the kill%n", context, h.acked.size(), h.flushed.size(),
                    runtime.ackFloorStream(), runtime.deliveredStream(), runtime.redelivered().size(),
                    runtime.redelivered().stream().filter(h.acked::contains).count());
            System.out.println("[it]   runtime: " + brief(runtime) + "\n[it]   server:  " + brief(natsServer));
            check(h, runtime, natsServer, context);
        }
    }

    /** Only a work-queue ack removes its message (one MSG.GET per ack on the server side). */
    private static boolean workQueue(History h) {
        return h.retention.equals("workqueue");
    }

    private static String brief(Seen s) {
        return "delivered " + s.deliveredConsumer() + "/" + s.deliveredStream() + ", ack floor " + s.ackFloorConsumer() + "/"
                + s.ackFloorStream() + ", ack pending " + s.ackPending() + ", pending " + s.pending() + ", redelivered "
                + s.redelivered().size() + ", next " + s.nextNew() + ", stream messages " + s.streamMessages()
                + ", work-queue messages acked in o.dat still in the stream " + s.flushedInStream().size();
    }

    private void check(History h, Seen runtime, Seen server, String context) {
        TreeSet<Long> flushedBack = new TreeSet<>(runtime.redelivered());
        flushedBack.retainAll(h.flushed);
        assertThat(flushedBack).as(context + ": acks seen in o.dat before the kill, delivered again").isEmpty();
        assertThat(runtime.ackFloorStream()).as(context + ": ack floor").isLessThanOrEqualTo(runtime.deliveredStream());
        // The same state and the same redeliveries as nats-server on the same files.
        assertThat(runtime).as(context + ": the runtime's consumer after the kill (left) against nats-server 2.15's").isEqualTo(server);
        if (workQueue(h)) {
            assertThat(runtime.flushedInStream()).as(context + ": work-queue messages acked in o.dat before the kill, back in the stream")
                    .isEmpty();
        }
        // Nothing lost: every message is acked, redelivered, or still ahead of the consumer. An ack
        // the kill cut between its call and its "acked" line (at most one per kill) may have taken
        // its message: a work-queue removal writes its tombstone as soon as the ack reaches the writer.
        for (long seq = 1; seq <= h.published; seq++) {
            if (seq <= runtime.deliveredStream() && !h.acked.contains(seq) && !h.acking.contains(seq)) {
                assertThat(runtime.redelivered()).as(context + ": seq " + seq + " was never acked but does not come back").contains(seq);
            }
        }
        if (runtime.deliveredStream() < h.published) {
            assertThat(runtime.nextNew()).as(context + ": the next new message after delivered " + runtime.deliveredStream())
                    .isGreaterThan(runtime.deliveredStream());
        }
        if (h.retention.equals("limits")) {
            assertThat(runtime.nextNew() == 0 || runtime.nextNew() == runtime.deliveredStream() + 1)
                    .as(context + ": the next new message is " + runtime.nextNew() + ", delivered " + runtime.deliveredStream()).isTrue();
            assertThat(runtime.streamMessages()).as(context + ": a limits stream keeps every message").isEqualTo(h.published);
        }
    }

    private Path copy(Path store, Path to) throws IOException {
        StoreFiles.copy(store, to);
        Files.deleteIfExists(to.resolve("jetstart.lock"));
        return to;
    }

    private Seen runtimeSees(Path store, History h, String context) throws Exception {
        try (JetStartStore s = JetStart.open(store, RuntimeOptions.defaults().withBlockSize(ConsumeCrashChild.BLOCK_SIZE))) {
            s.recovery().join();
            JetStartStream stream = s.served().stream().filter(x -> x.name().equals("CRASH")).findFirst().orElseThrow();
            PullConsumer c = stream.consumer("C");
            ConsumerStatus st = c.status();
            long messages = stream.info().messages();
            // Acks seen in o.dat before the kill whose messages are still in the stream (on a work-queue
            // stream an ack removes the message with a tombstone).
            List<Long> flushedInStream = new java.util.ArrayList<>();
            for (long seq : workQueue(h) ? h.flushed : new TreeSet<Long>()) {
                if (stream.get(seq).isPresent()) {
                    flushedInStream.add(seq);
                }
            }
            // The restored pending messages are redelivered once their ack wait has passed (counted from the restore).
            Thread.sleep(ConsumeCrashChild.ACK_WAIT.toMillis() + 1_500);
            TreeSet<Long> again = new TreeSet<>();
            long nextNew = 0;
            outer:
            while (true) {
                List<ConsumedMessage> batch = c.fetch(200, 0, Duration.ofMillis(1_000));
                if (batch.isEmpty()) {
                    break;
                }
                for (ConsumedMessage m : batch) {
                    assertThat(m.payload()).as(context + ": payload of seq " + m.streamSeq())
                            .isEqualTo(ConsumeCrashChild.payload(m.streamSeq()));
                    if (m.streamSeq() > st.delivered().streamSeq()) {
                        nextNew = m.streamSeq();
                        break outer;
                    }
                    again.add(m.streamSeq());
                    m.ack();
                }
            }
            return new Seen(st.delivered().consumerSeq(), st.delivered().streamSeq(), st.ackFloor().consumerSeq(),
                    st.ackFloor().streamSeq(), st.numAckPending(), st.numPending(), again, nextNew, messages, flushedInStream);
        }
    }

    private Seen serverSees(NatsServerBinary binary, Path store, Path work, History h, String context) throws Exception {
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, work.resolve("server-log"), ServerAccounts.GLOBAL);
             NatsClient client = server.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            JsonNode info = api.consumerInfo("CRASH", "C");
            long messages = api.streamInfo("CRASH").path("state").path("messages").asLong();
            long delivered = info.path("delivered").path("stream_seq").asLong();
            List<Long> flushedInStream = new java.util.ArrayList<>();
            for (long seq : workQueue(h) ? h.flushed : new TreeSet<Long>()) {
                if (api.message("CRASH", seq).isPresent()) {
                    flushedInStream.add(seq);
                }
            }
            Thread.sleep(ConsumeCrashChild.ACK_WAIT.toMillis() + 1_500);
            ConsumerContext cc = client.connection().getConsumerContext("CRASH", "C");
            FetchConsumeOptions options = FetchConsumeOptions.builder().maxMessages(200).expiresIn(1_000).build();
            TreeSet<Long> again = new TreeSet<>();
            long nextNew = 0;
            outer:
            while (true) {
                int got = 0;
                try (FetchConsumer fc = cc.fetch(options)) {
                    for (Message m = fc.nextMessage(); m != null; m = fc.nextMessage()) {
                        got++;
                        long seq = m.metaData().streamSequence();
                        assertThat(m.getData()).as(context + ": nats-server's payload of seq " + seq)
                                .isEqualTo(ConsumeCrashChild.payload(seq));
                        if (seq > delivered) {
                            nextNew = seq;
                            break outer;
                        }
                        again.add(seq);
                        m.ack();
                    }
                }
                if (got == 0) {
                    break;
                }
            }
            return new Seen(info.path("delivered").path("consumer_seq").asLong(), delivered,
                    info.path("ack_floor").path("consumer_seq").asLong(), info.path("ack_floor").path("stream_seq").asLong(),
                    info.path("num_ack_pending").asLong(), info.path("num_pending").asLong(), again, nextNew, messages, flushedInStream);
        }
    }

    private static void waitForFirstAck(Process p, Path out, String context) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (text.contains("\nacked ") || text.startsWith("acked ") || text.contains("drained\n")) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError(context + ": the child exited " + p.exitValue() + " before its first ack:\n"
                        + Files.readString(out.resolveSibling(out.getFileName().toString().replace(".stdout", ".stderr"))));
            }
            Thread.sleep(20);
        }
        kill(p);
        throw new AssertionError(context + ": no ack within 120 s");
    }

    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /** The child's complete lines (one cut by the kill has no newline and does not count). */
    private static void readLines(Path out, History h, String context) throws IOException {
        String text = Files.readString(out, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        if (end < 0) {
            return;
        }
        for (String line : text.substring(0, end).split("\n")) {
            if (line.startsWith("acking ")) {
                h.acking.add(Long.parseLong(line.substring(7)));
            } else if (line.startsWith("acked ")) {
                h.acked.add(Long.parseLong(line.substring(6)));
            } else if (line.startsWith("flushed ")) {
                h.flushed.add(Long.parseLong(line.substring(8)));
            } else if (line.startsWith("published ")) {
                h.published = Long.parseLong(line.substring(10));
            } else if (line.startsWith("watcher failed")) {
                throw new AssertionError(context + ": " + line);
            }
        }
    }
}
