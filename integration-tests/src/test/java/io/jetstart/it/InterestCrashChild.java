package io.jetstart.it;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PublishAck;
import io.jetstart.runtime.PullConsumer;
import io.jetstart.runtime.RuntimeOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * The process {@link InterestCrashIT} kills: creates stream {@value #STREAM} ({@code interest} or
 * {@code workqueue} retention, 16 KiB blocks) and its durable pull consumers in an empty store with
 * the embedded runtime, then, until killed, publishes batches and fetches from a consumer drawn at
 * random, answering each message in random order: ack (most), nak, term, or nothing (redelivered
 * after its 1 s ack wait); now and then the consumer of the changing filter ({@code C<n>}) is
 * deleted, or created again under the next name.
 *
 * <p>Consumers ({@link #filters}): on an interest stream {@code A} on {@code ic.0 ic.1 ic.2},
 * {@code B} on {@code ic.2 ic.3} and {@code C<n>} on {@code ic.3 ic.4} (overlapping on
 * {@code ic.2} and {@code ic.3}; {@code ic.5} interests no one, so it is removed as published);
 * on a work-queue stream {@code A} as there and {@code C<n>} on {@code ic.3 ic.4} (disjoint).
 *
 * <p>Its stdout, one line each, every line flushed before the next: {@code ready}; then
 * {@code publishing <n>} / {@code published <first> <last>}; {@code acking <consumer> <seq>} /
 * {@code acked <consumer> <seq>} around an ack or a term; {@code creating <consumer> <last seq>} /
 * {@code created <consumer>}; {@code deleting <consumer>} / {@code deleted <consumer>}.
 *
 * <p>Arguments: {@code <store dir> <seed> <interest|workqueue> <sync interval ms>}.
 */
public final class InterestCrashChild {
    static final String STREAM = "IC";
    static final int SUBJECTS = 6;
    static final int BLOCK_SIZE = 16 * 1024;
    static final Duration ACK_WAIT = Duration.ofSeconds(1);

    private InterestCrashChild() {
    }

    /** The subject of stream sequence {@code seq}: drawn from the sequence, so the test knows it. */
    static String subject(long seq) {
        return "ic." + Math.floorMod((seq * 0x9E3779B97F4A7C15L) >>> 40, SUBJECTS);
    }

    /** The payload of stream sequence {@code seq}: it names its sequence. */
    static byte[] payload(long seq) {
        return ("interest crash " + seq + " " + "z".repeat((int) (seq % 41))).getBytes(StandardCharsets.UTF_8);
    }

    /** The filter subjects of consumer {@code name} ({@code A}, {@code B} or {@code C<n>}). */
    static List<String> filters(String name) {
        return switch (name.charAt(0)) {
            case 'A' -> List.of("ic.0", "ic.1", "ic.2");
            case 'B' -> List.of("ic.2", "ic.3");
            case 'C' -> List.of("ic.3", "ic.4");
            default -> throw new IllegalArgumentException(name);
        };
    }

    static boolean matches(String consumer, long seq) {
        return filters(consumer).contains(subject(seq));
    }

    /** The consumers that stay for the whole run. */
    static List<String> fixed(String retention) {
        return retention.equals("interest") ? List.of("A", "B") : List.of("A");
    }

    static RuntimeOptions options() {
        return RuntimeOptions.defaults().withBlockSize(BLOCK_SIZE);
    }

    private static String consumerConfig(String name) {
        StringBuilder f = new StringBuilder();
        for (String s : filters(name)) {
            f.append(f.isEmpty() ? "" : ",").append('"').append(s).append('"');
        }
        return "{\"durable_name\":\"" + name + "\",\"ack_policy\":\"explicit\",\"deliver_policy\":\"all\",\"ack_wait\":"
                + ACK_WAIT.toNanos() + ",\"filter_subjects\":[" + f + "]}";
    }

    public static void main(String[] args) throws Exception {
        Path storeDir = Path.of(args[0]);
        Random random = new Random(Long.parseLong(args[1]));
        String retention = args[2];
        RuntimeOptions options = options().withSyncInterval(Duration.ofMillis(Long.parseLong(args[3])));
        PrintStream out = CrashReaders.childOut();
        try (JetStartStore store = JetStart.open(storeDir, options)) {
            store.recovery().join();
            JetStartStream s = store.createStream(JetStartStore.DEFAULT_ACCOUNT, StreamConfig.parse(("{\"name\":\"" + STREAM
                    + "\",\"subjects\":[\"ic.*\"],\"storage\":\"file\",\"retention\":\"" + retention + "\"}")
                    .getBytes(StandardCharsets.UTF_8)));
            List<String> live = new ArrayList<>();
            for (String name : fixed(retention)) {
                s.createConsumer(consumerConfig(name));
                live.add(name);
            }
            int generation = 1;
            s.createConsumer(consumerConfig("C1"));
            live.add("C1");
            CrashReaders.line(out, "ready");
            while (true) {
                int op = random.nextInt(100);
                if (op < 35) {
                    int count = 1 + random.nextInt(60);
                    CrashReaders.line(out, "publishing " + count);
                    long next = s.info().lastSeq() + 1;
                    List<CompletableFuture<PublishAck>> acks = new ArrayList<>(count);
                    for (long seq = next; seq < next + count; seq++) {
                        acks.add(s.publishAsync(subject(seq), null, payload(seq)));
                    }
                    CrashReaders.line(out, "published " + acks.getFirst().join().seq() + " " + acks.getLast().join().seq());
                } else if (op < 96) {
                    String name = live.get(random.nextInt(live.size()));
                    PullConsumer c = s.consumer(name);
                    List<ConsumedMessage> batch = new ArrayList<>(c.fetch(1 + random.nextInt(40), 0, Duration.ofMillis(20)));
                    Collections.shuffle(batch, random);
                    for (ConsumedMessage m : batch) {
                        int answer = random.nextInt(100);
                        if (answer < 75) {
                            boolean term = answer >= 70;
                            CrashReaders.line(out, "acking " + name + " " + m.streamSeq());
                            if (term) {
                                m.term();
                            } else {
                                m.ack();
                            }
                            CrashReaders.line(out, "acked " + name + " " + m.streamSeq());
                        } else if (answer < 85) {
                            m.nak();
                        }
                        // Else no answer: redelivered after its ack wait.
                    }
                } else if (live.size() > fixed(retention).size()) {
                    String name = live.removeLast();
                    CrashReaders.line(out, "deleting " + name);
                    s.deleteConsumer(name);
                    CrashReaders.line(out, "deleted " + name);
                } else {
                    String name = "C" + (++generation);
                    CrashReaders.line(out, "creating " + name + " " + s.info().lastSeq());
                    s.createConsumer(consumerConfig(name));
                    live.add(name);
                    CrashReaders.line(out, "created " + name);
                }
            }
        }
    }
}
