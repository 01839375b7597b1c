package io.jetstart.it;

import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PullConsumer;
import io.jetstart.runtime.RuntimeOptions;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The process {@link ConsumeCrashIT} kills: opens the store with the embedded runtime, creates
 * stream {@code CRASH} ({@code limits} or {@code workqueue} retention) with {@value #MESSAGES}
 * known messages when it is not there yet, then consumes through durable pull consumer {@code C}
 * (explicit acks) until killed, in batches of random size, acking each batch in random order.
 *
 * <p>Its stdout, one line each, every line flushed before the next:
 * <ul>
 *   <li>{@code published <last seq>} once the stream holds every message;</li>
 *   <li>{@code acking <seq>} just before {@code ack()} of that message is called;</li>
 *   <li>{@code acked <seq>} when {@code ack()} of that message returned;</li>
 *   <li>{@code flushed <seq>} when the consumer's {@code o.dat}, read back from the disk, holds that
 *       ack (at or below its ack floor, or delivered and no longer pending): the runtime writes
 *       {@code o.dat} at nats-server's cadence (at most every 100 ms), so an ack is durable only
 *       from then on, on the server as here;</li>
 *   <li>{@code drained} when a fetch found nothing left.</li>
 * </ul>
 *
 * <p>Arguments: {@code <store dir> <limits|workqueue> <seed>}.
 */
public final class ConsumeCrashChild {
    /** Messages in the stream (each payload says its sequence, {@link #payload}). */
    static final int MESSAGES = 200_000;
    /** The consumer's ack wait: short, so that the checks after a kill see redeliveries quickly. */
    static final Duration ACK_WAIT = Duration.ofSeconds(1);
    static final int BLOCK_SIZE = 128 * 1024;

    private ConsumeCrashChild() {
    }

    /** The payload of stream sequence {@code seq} (sequences start at 1 in a fresh stream). */
    static byte[] payload(long seq) {
        return ("crash message " + seq + " " + "x".repeat((int) (seq % 50))).getBytes(StandardCharsets.UTF_8);
    }

    static String consumerConfig() {
        return "{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"deliver_policy\":\"all\",\"ack_wait\":"
                + ACK_WAIT.toNanos() + "}";
    }

    public static void main(String[] args) throws Exception {
        Path storeDir = Path.of(args[0]);
        String retention = args[1];
        Random random = new Random(Long.parseLong(args[2]));
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false,
                StandardCharsets.UTF_8);
        // 128 KiB blocks: the stream spans about a hundred of them, and a work-queue removal (which
        // today reads the whole block of the message it removes) stays cheap enough for o.dat to
        // keep up with the acks between two kills.
        try (JetStartStore store = JetStart.open(storeDir, RuntimeOptions.defaults().withBlockSize(BLOCK_SIZE))) {
            store.recovery().join();
            JetStartStream stream;
            if (store.served().stream().noneMatch(s -> s.name().equals("CRASH"))) {
                stream = store.createStream(JetStartStore.DEFAULT_ACCOUNT, StreamConfig.parse(("{\"name\":\"CRASH\",\"subjects\":"
                        + "[\"crash.*\"],\"storage\":\"file\",\"retention\":\"" + retention + "\"}").getBytes(StandardCharsets.UTF_8)));
                for (long seq = 1; seq <= MESSAGES; seq++) {
                    stream.publishAsync("crash." + (seq % 7), null, payload(seq));
                }
                stream.flush();
                line(out, "published " + stream.info().lastSeq());
            } else {
                stream = store.served().stream().filter(s -> s.name().equals("CRASH")).findFirst().orElseThrow();
            }
            PullConsumer c = stream.consumerNames().contains("C") ? stream.consumer("C") : stream.createConsumer(consumerConfig());
            Path oDat = storeDir.resolve("jetstream/$G/streams/CRASH/obs/C/o.dat");
            ConcurrentSkipListSet<Long> unflushed = new ConcurrentSkipListSet<>();
            Thread.ofPlatform().daemon().name("o.dat watcher").start(() -> watch(oDat, unflushed, out));
            while (true) {
                List<ConsumedMessage> batch = new ArrayList<>(c.fetch(1 + random.nextInt(200), 0, Duration.ofMillis(100)));
                if (batch.isEmpty()) {
                    line(out, "drained");
                    Thread.sleep(50);
                    continue;
                }
                Collections.shuffle(batch, random);
                for (ConsumedMessage m : batch) {
                    // Said before the ack: a kill between the ack and its "acked" line may still have
                    // removed the message (a work-queue ack's tombstone is written at once).
                    line(out, "acking " + m.streamSeq());
                    m.ack();
                    unflushed.add(m.streamSeq());
                    line(out, "acked " + m.streamSeq());
                }
            }
        }
    }

    /** Reads {@code o.dat} again and again and says which acks it holds now. */
    private static void watch(Path oDat, ConcurrentSkipListSet<Long> unflushed, PrintStream out) {
        while (true) {
            try {
                if (!unflushed.isEmpty()) {
                    ConsumerState st = ConsumerStateCodec.decode(Files.readAllBytes(oDat));
                    Set<Long> pending = new HashSet<>();
                    st.pending().forEach(p -> pending.add(p.streamSeq()));
                    for (long seq : unflushed) {
                        if (seq <= st.ackFloor().streamSeq() || seq <= st.delivered().streamSeq() && !pending.contains(seq)) {
                            unflushed.remove(seq);
                            line(out, "flushed " + seq);
                        }
                    }
                }
                Thread.sleep(2);
            } catch (NoSuchFileException e) {
                // Not written yet.
            } catch (Exception e) {
                line(out, "watcher failed: " + e);
                return;
            }
        }
    }

    private static void line(PrintStream out, String s) {
        synchronized (out) {
            out.print(s);
            out.print('\n');
            out.flush();
        }
    }
}
