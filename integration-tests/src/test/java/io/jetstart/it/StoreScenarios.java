package io.jetstart.it;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.KeyValue;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.PurgeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Small, deterministic stores written through jnats, one scenario per store feature of the issue
 * (each at most 2,000 messages). Every message body is {@link #payload}, so a reader can tell
 * which message it holds; acknowledgements are synchronous and in a fixed (often reversed) order,
 * so the consumer state a server ends with does not depend on timing.
 *
 * <p>The {@code $G} scenarios and the named-account ones run in separate server runs (see
 * {@link Account}); stream names repeat across accounts on purpose ({@code LIM}).
 */
final class StoreScenarios {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final Connection connection;
    private final JetStream js;
    private final JetStreamManagement jsm;
    private final ServerVersion version;

    StoreScenarios(Connection connection, ServerVersion version) throws IOException {
        this.connection = connection;
        this.js = connection.jetStream();
        this.jsm = connection.jetStreamManagement();
        this.version = version;
    }

    /** Everything the default account holds (about 4,700 messages in 11 streams). */
    void populateGlobal() throws Exception {
        limitsWithDeletesAndConsumers("LIM", "lim", 1_000);
        purges();
        limits();
        interest("INT", "int", 700);
        workQueue();
        keyValue();
    }

    /** What a named account holds: a limits stream named like one in {@code $G}, and an interest stream. */
    void populateNamed(Account account) throws Exception {
        String prefix = account.name().toLowerCase();
        limitsWithDeletesAndConsumers("LIM", prefix + ".lim", 400);
        interest("ORDERS", prefix + ".orders", 300);
    }

    /**
     * Limits retention, {@code count} × 100 B over 4 subjects; a header on every 50th message;
     * every 97th sequence securely erased, every 89th deleted without erase. Consumers: {@code C0}
     * (all subjects) delivered 30%, acked the first 20% plus every 10th, in reverse order; {@code C1}
     * (filter {@code .1}) with redeliveries left pending; on 2.10+ {@code C2} with two filter subjects.
     */
    void limitsWithDeletesAndConsumers(String stream, String prefix, int count) throws Exception {
        addStream(StreamConfiguration.builder().name(stream).subjects(prefix + ".*")
                .retentionPolicy(RetentionPolicy.Limits));
        for (int i = 1; i <= count; i++) {
            Headers h = null;
            if (i % 50 == 0) {
                h = new Headers().add("X-Seq", Integer.toString(i));
            }
            js.publish(prefix + "." + (i % 4), h, payload(stream, i, 100));
        }
        for (long seq = 97; seq <= count; seq += 97) {
            jsm.deleteMessage(stream, seq, true);
        }
        for (long seq = 89; seq <= count; seq += 89) {
            if (seq % 97 != 0) {
                jsm.deleteMessage(stream, seq, false);
            }
        }
        int delivered = count * 3 / 10;
        consume(stream, durable("C0").build(), delivered, (i, m) -> i <= count / 5 || i % 10 == 0);

        consumeWithRedeliveries(stream, durable("C1").filterSubject(prefix + ".1").build());

        if (version.supportsMultipleFilters()) {
            consume(stream, durable("C2").filterSubjects(prefix + ".2", prefix + ".3").build(), 50,
                    (i, m) -> i <= 25);
        }
    }

    /** {@code PALL}: 300 messages, purge everything, 50 more. {@code PSUB}: purge one subject, keep 10 of another. */
    void purges() throws Exception {
        addStream(StreamConfiguration.builder().name("PALL").subjects("pall.*"));
        publish("PALL", "pall", 4, 300, 64);
        jsm.purgeStream("PALL");
        for (int i = 301; i <= 350; i++) {
            js.publish("pall." + (i % 4), payload("PALL", i, 64));
        }
        consume("PALL", durable("P0").build(), 20, (i, m) -> i <= 10);

        addStream(StreamConfiguration.builder().name("PSUB").subjects("psub.*"));
        publish("PSUB", "psub", 4, 400, 64);
        jsm.purgeStream("PSUB", PurgeOptions.subject("psub.2"));
        jsm.purgeStream("PSUB", PurgeOptions.builder().subject("psub.3").keep(10).build());
        consume("PSUB", durable("P0").build(), 150, (i, m) -> i % 3 != 0);
    }

    /**
     * {@code MAXM} max_msgs 300 of 500 (discard old); {@code MAXB} max_bytes 30,000 (discard old);
     * {@code MAXPS} 5 per subject over 10 subjects; {@code DNEW} max_msgs 200 with discard new
     * (the last 50 publishes are rejected).
     */
    void limits() throws Exception {
        addStream(StreamConfiguration.builder().name("MAXM").subjects("maxm.*").maxMessages(300)
                .discardPolicy(DiscardPolicy.Old));
        publish("MAXM", "maxm", 4, 500, 100);
        consume("MAXM", durable("C0").build(), 100, (i, m) -> i <= 80);

        addStream(StreamConfiguration.builder().name("MAXB").subjects("maxb.*").maxBytes(30_000)
                .discardPolicy(DiscardPolicy.Old));
        publish("MAXB", "maxb", 3, 500, 100);

        addStream(StreamConfiguration.builder().name("MAXPS").subjects("maxps.*").maxMessagesPerSubject(5));
        publish("MAXPS", "maxps", 10, 200, 32);

        addStream(StreamConfiguration.builder().name("DNEW").subjects("dnew.*").maxMessages(200)
                .discardPolicy(DiscardPolicy.New));
        int rejected = 0;
        for (int i = 1; i <= 250; i++) {
            try {
                js.publish("dnew." + (i % 2), payload("DNEW", i, 50));
            } catch (JetStreamApiException full) {
                rejected++;
            }
        }
        if (rejected != 50) {
            throw new IllegalStateException("DNEW (max_msgs 200, discard new) rejected " + rejected
                    + " of 250 publishes, expected 50");
        }
    }

    /**
     * Interest retention; the two consumers exist before the first publish (an interest stream
     * keeps nothing nobody is interested in). {@code C0} acks the first 6/7 of what it got plus every
     * 7th, {@code C1} less; messages acked by both are removed.
     */
    void interest(String stream, String prefix, int count) throws Exception {
        addStream(StreamConfiguration.builder().name(stream).subjects(prefix + ".*")
                .retentionPolicy(RetentionPolicy.Interest));
        jsm.addOrUpdateConsumer(stream, durable("C0").build());
        jsm.addOrUpdateConsumer(stream, durable("C1").build());
        publish(stream, prefix, 2, count, 100);
        int c0 = count;
        int c1 = count * 4 / 7;
        consume(stream, "C0", c0, (i, m) -> i <= c0 * 6 / 7 || i % 7 == 0);
        consume(stream, "C1", c1, (i, m) -> i <= c1 * 3 / 4 || i % 7 == 0);
    }

    /** Work-queue retention, two consumers on disjoint subjects; acknowledged messages are removed. */
    void workQueue() throws Exception {
        addStream(StreamConfiguration.builder().name("WQ").subjects("wq.*")
                .retentionPolicy(RetentionPolicy.WorkQueue));
        jsm.addOrUpdateConsumer("WQ", durable("WA").filterSubject("wq.a").build());
        jsm.addOrUpdateConsumer("WQ", durable("WB").filterSubject("wq.b").build());
        for (int i = 1; i <= 600; i++) {
            js.publish(i % 2 == 0 ? "wq.a" : "wq.b", payload("WQ", i, 80));
        }
        consume("WQ", "WA", 200, (i, m) -> i % 3 != 0);
        consume("WQ", "WB", 100, (i, m) -> i > 50);
    }

    /** A KV bucket (history 5): 40 keys written 6 times, compare-and-set updates, deletes and purges. */
    void keyValue() throws Exception {
        connection.keyValueManagement().create(KeyValueConfiguration.builder().name("CFG").maxHistoryPerKey(5)
                .storageType(StorageType.File).build());
        KeyValue kv = connection.keyValue("CFG");
        for (int round = 1; round <= 6; round++) {
            for (int k = 0; k < 40; k++) {
                kv.put(key(k), ("v" + round + "-" + k).getBytes(StandardCharsets.UTF_8));
            }
        }
        for (int k = 0; k < 5; k++) {
            long revision = kv.get(key(k)).getRevision();
            kv.update(key(k), ("cas-" + k).getBytes(StandardCharsets.UTF_8), revision);
        }
        for (int k = 10; k < 20; k++) {
            kv.delete(key(k));
        }
        for (int k = 30; k < 35; k++) {
            kv.purge(key(k));
        }
    }

    private static String key(int k) {
        return "app.k" + (k < 10 ? "0" : "") + k;
    }

    /**
     * The stream for the crash test: limits retention, 2 subjects, 1 consumer that acks the first
     * 100 of 200 delivered, so a crash also leaves consumer state behind.
     */
    void crashStream(String stream, String prefix) throws Exception {
        addStream(StreamConfiguration.builder().name(stream).subjects(prefix + ".*"));
        publish(stream, prefix, 2, 300, 128);
        consume(stream, durable("C0").build(), 200, (i, m) -> i <= 100);
    }

    // --- helpers ---------------------------------------------------------------------------------

    /** The body of message {@code i} of {@code stream}: its name and number, repeated to {@code size} bytes. */
    static byte[] payload(String stream, long i, int size) {
        byte[] tag = (stream + "#" + i + ";").getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[size];
        for (int k = 0; k < size; k++) {
            b[k] = tag[k % tag.length];
        }
        return b;
    }

    private void addStream(StreamConfiguration.Builder config) throws IOException, JetStreamApiException {
        jsm.addStream(config.storageType(StorageType.File).replicas(1).build());
    }

    private void publish(String stream, String prefix, int subjects, int count, int size) throws Exception {
        for (int i = 1; i <= count; i++) {
            js.publish(prefix + "." + (i % subjects), payload(stream, i, size));
        }
    }

    private static ConsumerConfiguration.Builder durable(String name) {
        return ConsumerConfiguration.builder().durable(name).ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All).maxAckPending(1_000).ackWait(Duration.ofMinutes(10));
    }

    @FunctionalInterface
    interface AckChoice {
        /** Whether the {@code i}-th delivered message (1-based) is acknowledged. */
        boolean ack(int i, Message m);
    }

    private void consume(String stream, ConsumerConfiguration config, int count, AckChoice choice) throws Exception {
        jsm.addOrUpdateConsumer(stream, config);
        consume(stream, config.getDurable(), count, choice);
    }

    /**
     * Fetches exactly {@code count} messages from the durable, then acknowledges the chosen ones
     * synchronously in reverse delivery order, so the acks are out of order and the server's
     * pending map (and {@code o.dat}) keeps holes below the delivered sequence.
     */
    private void consume(String stream, String durable, int count, AckChoice choice) throws Exception {
        List<Message> got = fetch(js, stream, durable, count);
        for (int i = got.size(); i >= 1; i--) {
            if (choice.ack(i, got.get(i - 1))) {
                got.get(i - 1).ackSync(WAIT);
            }
        }
    }

    /**
     * {@code C1}-style redeliveries: fetch 60, ack 24 and NAK 6 of the first 30, fetch 10 more
     * (the 6 NAKed come back first, as redeliveries) and leave those pending.
     */
    private void consumeWithRedeliveries(String stream, ConsumerConfiguration config) throws Exception {
        jsm.addOrUpdateConsumer(stream, config);
        List<Message> first = fetch(js, stream, config.getDurable(), 60);
        for (int i = 30; i >= 1; i--) {
            Message m = first.get(i - 1);
            if (i % 5 == 0) {
                m.nak();
            } else {
                m.ackSync(WAIT);
            }
        }
        connection.flush(WAIT);
        List<Message> again = fetch(js, stream, config.getDurable(), 10);
        long redelivered = again.stream().filter(m -> m.metaData().deliveredCount() > 1).count();
        if (redelivered != 6) {
            throw new IllegalStateException(stream + " " + config.getDurable() + ": " + redelivered
                    + " of the 6 NAKed messages came back first");
        }
    }

    /** Exactly {@code count} messages from the pull durable {@code durable} of {@code stream}, or an exception saying how many came. */
    static List<Message> fetch(JetStream js, String stream, String durable, int count) throws Exception {
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind(stream, durable));
        try {
            List<Message> got = new ArrayList<>(count);
            long deadline = System.nanoTime() + WAIT.multipliedBy(4).toNanos();
            while (got.size() < count && System.nanoTime() < deadline) {
                got.addAll(sub.fetch(Math.min(256, count - got.size()), WAIT));
            }
            if (got.size() != count) {
                throw new IllegalStateException(stream + " > " + durable + ": fetched " + got.size() + " of " + count);
            }
            return got;
        } finally {
            sub.unsubscribe();
        }
    }
}
