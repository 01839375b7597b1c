package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PurgeRequest;
import io.jetstart.runtime.RuntimeOptions;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.PurgeOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The num_pending each delivery's ack reply carries ({@link ConsumedMessage#pending()}, jnats's
 * {@code pendingCount()}), against nats-server 2.14+ (the newest found): the same publishes,
 * fetches (no wait), acks, naks, deletes and purges on both, and after each fetch the same
 * deliveries (stream sequence, consumer sequence, delivery count, pending). Three consumers: F
 * filtered with {@code max_ack_pending} 2 (publishes while it is held, one let through by an ack), A
 * unfiltered (a batch, a redelivery), L {@code last_per_subject} (its skip list, then what came
 * after it); and on a second stream, P ({@code max_msgs_per_subject} 2), LP {@code last_per_subject}
 * whose skip list loses entries before their turn, with {@code CONSUMER.INFO}'s num_pending compared
 * after each step, then purges and a filter change that make the server count it (and LQ, during its
 * skip list) afresh by subjects. ConsumerModelIT compares the same at random, without these configurations.
 */
class ConsumedPendingIT {
    private final Map<String, List<ServerPull.Delivered>> serverOut = new HashMap<>();
    private final Map<String, List<ConsumedMessage>> runtimeOut = new HashMap<>();
    private NatsClient client;
    private final Map<String, JetStartStream> rt = new HashMap<>();

    @Test
    void eachDeliveryCarriesTheNumPendingTheServerSends() throws Exception {
        Optional<NatsServerBinary> newest = NatsServers.discover().all().stream().filter(b -> b.version().atLeast(2, 14))
                .reduce((a, b) -> b);
        org.junit.jupiter.api.Assumptions.assumeTrue(newest.isPresent() || NatsServers.isCi(), "no nats-server 2.14+");
        Path dir = Repo.work("ConsumedPendingIT");
        try (NatsServerProcess nats = NatsServerProcess.start(newest.get(), dir.resolve("server-store"), dir.resolve("server"),
                ServerAccounts.GLOBAL);
             NatsClient c = nats.connect(Account.GLOBAL);
             JetStartStore store = JetStart.open(Files.createDirectories(dir.resolve("runtime")), RuntimeOptions.defaults())) {
            client = c;
            JetStreamManagement jsm = client.connection().jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name("Q").subjects("q.*").storageType(StorageType.File).build());
            JetStartStream q = store.createStream("$G", StreamConfig.parse("{\"name\":\"Q\",\"subjects\":[\"q.*\"]}".getBytes(StandardCharsets.UTF_8)));
            rt.put("Q", q);
            for (int i = 1; i <= 20; i++) {
                publish(i % 2 == 1 ? "q.odd" : "q.even");
            }
            publish("q.third");
            jsm.addOrUpdateConsumer("Q", ConsumerConfiguration.builder().durable("F").ackPolicy(AckPolicy.Explicit)
                    .filterSubject("q.odd").maxAckPending(2).build());
            q.createConsumer("{\"durable_name\":\"F\",\"ack_policy\":\"explicit\",\"filter_subject\":\"q.odd\",\"max_ack_pending\":2}");
            jsm.addOrUpdateConsumer("Q", ConsumerConfiguration.builder().durable("A").ackPolicy(AckPolicy.Explicit).build());
            q.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\"}");
            jsm.addOrUpdateConsumer("Q", ConsumerConfiguration.builder().durable("L").ackPolicy(AckPolicy.Explicit)
                    .deliverPolicy(DeliverPolicy.LastPerSubject).filterSubject("q.*").build());
            q.createConsumer("{\"durable_name\":\"L\",\"ack_policy\":\"explicit\",\"deliver_policy\":\"last_per_subject\","
                    + "\"filter_subject\":\"q.*\"}");
            publish("q.odd");

            // F asks for no more than max_ack_pending lets through: a no-wait request it holds gets no answer.
            fetch("F", 2, "a batch up to max_ack_pending");
            fetch("A", 3, "a batch");
            fetch("L", 2, "the skip list");
            publish("q.odd");
            publish("q.even");
            answer("F", 0, "+ACK");
            fetch("F", 1, "one let through by the ack");
            answer("A", 1, "-NAK");
            fetch("A", 2, "a redelivery, then a new message");
            delete(15);  // on F's subject, past its position
            delete(16);
            answer("F", 0, "+ACK");
            answer("F", 0, "+ACK");
            fetch("F", 2, "after deletes past the position");
            fetch("L", 5, "the rest of the skip list and what came after it");
            purge(new PurgeRequest(null, 0, 12), PurgeOptions.builder().sequence(12).build());
            fetch("A", 4, "after a purge up to a sequence");
            answer("F", 0, "+ACK");
            answer("F", 0, "+ACK");
            purge(new PurgeRequest("q.odd", 2, 0), PurgeOptions.builder().subject("q.odd").keep(2).build());
            fetch("F", 2, "after a purge of its subject keeping two");
            publish("q.odd");
            fetch("L", 5, "a publish after the skip list");
            fetch("A", 100, "the rest");

            skipListEntriesRemovedBeforeDelivery(jsm, store);
        }
    }

    /**
     * A {@code last_per_subject} consumer whose skip list loses entries before it delivers them: one
     * deleted, one superseded (two publishes on its subject, {@code max_msgs_per_subject} 2 removes
     * it), and a message between the entries that is not one of them removed by the same limit,
     * which nats-server's count takes off too and keeps off after the skip list.
     */
    private void skipListEntriesRemovedBeforeDelivery(JetStreamManagement jsm, JetStartStore store) throws Exception {
        jsm.addStream(StreamConfiguration.builder().name("P").subjects("p.*").maxMessagesPerSubject(2)
                .storageType(StorageType.File).build());
        rt.put("P", store.createStream("$G", StreamConfig.parse(
                "{\"name\":\"P\",\"subjects\":[\"p.*\"],\"max_msgs_per_subject\":2}".getBytes(StandardCharsets.UTF_8))));
        // Last per subject: a 1, b 4, d 5, c 6, e 7; 2 (b) and 3 (c) lie between the entries.
        for (String subject : List.of("p.a", "p.b", "p.c", "p.b", "p.d", "p.c", "p.e")) {
            publish(subject);
        }
        jsm.addOrUpdateConsumer("P", ConsumerConfiguration.builder().durable("LP").ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.LastPerSubject).filterSubject("p.*").build());
        rt.get("P").createConsumer("{\"durable_name\":\"LP\",\"ack_policy\":\"explicit\",\"deliver_policy\":\"last_per_subject\","
                + "\"filter_subject\":\"p.*\"}");
        info("P", "LP", "created");
        fetch("P", "LP", 1, "the first entry");
        delete("P", 5);  // the entry of p.d, not delivered yet
        info("P", "LP", "an entry deleted");
        publish("p.c");  // 8: the limit removes 3, between the entries, not one of them
        info("P", "LP", "a message between the entries removed by the limit");
        publish("p.c");  // 9: the limit removes 6, the entry of p.c
        info("P", "LP", "an entry superseded");
        fetch("P", "LP", 10, "up to the deleted entry");
        info("P", "LP", "past the deleted entry");
        fetch("P", "LP", 10, "up to the superseded entry");
        publish("p.f");
        publish("p.g");
        fetch("P", "LP", 2, "the last entry and one after it");
        // The server's count keeps the removal between the entries (one less than the matching
        // messages left) until its position passes the stream's end.
        info("P", "LP", "after the skip list");
        fetch("P", "LP", 10, "the rest");
        info("P", "LP", "past the end");
        publish("p.a");
        fetch("P", "LP", 10, "a publish after the skip list");
        info("P", "LP", "at the end");
        recountsBySubject(jsm);
    }

    /**
     * The same consumer long after its skip list, with two messages of some subjects past its
     * position: a purge of more than one message (by subject, keeping some, of everything) and a
     * filter change make nats-server count it afresh by subjects (those whose last message is at or
     * past the position), not by messages, and its count goes on from there with each delivery and
     * publish. A purge of one message is a single removal to the server (one less), not a recount.
     */
    private void recountsBySubject(JetStreamManagement jsm) throws Exception {
        // 13 to 18: a, b, c twice each (the limit removes older ones, all behind the position).
        for (String subject : List.of("p.a", "p.b", "p.c", "p.a", "p.b", "p.c")) {
            publish(subject);
        }
        info("P", "LP", "two messages of each subject past the position");
        fetch("P", "LP", 1, "one of them");
        // LQ's skip list: e 7, f 10, g 11, a 16, b 17, c 18; the purges below find it at 10.
        jsm.addOrUpdateConsumer("P", ConsumerConfiguration.builder().durable("LQ").ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.LastPerSubject).filterSubject("p.*").build());
        rt.get("P").createConsumer("{\"durable_name\":\"LQ\",\"ack_policy\":\"explicit\",\"deliver_policy\":\"last_per_subject\","
                + "\"filter_subject\":\"p.*\"}");
        fetch("P", "LQ", 1, "the first entry");
        purge("P", new PurgeRequest("p.g", 0, 0), PurgeOptions.builder().subject("p.g").build());
        info("P", "LP", "a purge of one message behind the position");
        info("P", "LQ", "a purge of one entry");
        // 13 (behind) and 16: b 14 and 17, c 15 and 18 are left past the position, two subjects.
        purge("P", new PurgeRequest("p.a", 0, 0), PurgeOptions.builder().subject("p.a").build());
        info("P", "LP", "a purge of a subject");
        info("P", "LQ", "a purge of a subject during the skip list");
        fetch("P", "LP", 1, "after a purge of a subject");
        fetch("P", "LQ", 10, "the skip list after purges");
        info("P", "LQ", "after the skip list and purges");
        // Keeps 15, 17, 18: removes 7, 10 and 11, all behind the position; b and c are left past it.
        purge("P", new PurgeRequest("p.*", 3, 0), PurgeOptions.builder().subject("p.*").keep(3).build());
        info("P", "LP", "a purge keeping three");
        fetch("P", "LP", 2, "after a purge keeping three");
        publish("p.c");
        publish("p.a");
        info("P", "LP", "two publishes");
        jsm.addOrUpdateConsumer("P", ConsumerConfiguration.builder().durable("LP").ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.LastPerSubject).filterSubject("p.c").build());
        rt.get("P").updateConsumer(io.jetstart.core.meta.ConsumerConfig.parse(("{\"durable_name\":\"LP\",\"ack_policy\":\"explicit\","
                + "\"deliver_policy\":\"last_per_subject\",\"filter_subject\":\"p.c\"}").getBytes(StandardCharsets.UTF_8)));
        info("P", "LP", "a filter change");
        fetch("P", "LP", 10, "after a filter change");
        info("P", "LP", "past the end after a filter change");
        publish("p.c");
        publish("p.c");
        purge("P", new PurgeRequest(null, 0, 0), null);
        info("P", "LP", "a purge of everything");
        publish("p.c");
        publish("p.c");
        info("P", "LP", "two publishes after a purge of everything");
        fetch("P", "LP", 10, "after a purge of everything");
    }

    /** CONSUMER.INFO's num_pending on both. */
    private void info(String stream, String c, String what) throws Exception {
        long s = client.connection().jetStreamManagement().getConsumerInfo(stream, c).getNumPending();
        long r = rt.get(stream).consumerInfo(c).numPending();
        System.out.println("[it] ConsumedPendingIT " + c + " info " + what + ": server " + s + ", runtime " + r);
        assertThat(r).as(c + " num_pending, " + what).isEqualTo(s);
    }

    /** The stream a subject goes to: Q for {@code q.*}, P for {@code p.*}. */
    private static String streamOf(String subject) {
        return subject.substring(0, subject.indexOf('.')).toUpperCase(java.util.Locale.ROOT);
    }

    private void publish(String subject) throws Exception {
        byte[] payload = subject.getBytes(StandardCharsets.UTF_8);
        long s = client.connection().jetStream().publish(subject, payload).getSeqno();
        long r = rt.get(streamOf(subject)).publish(subject, payload).seq();
        assertThat(r).as("publish " + subject).isEqualTo(s);
    }

    private void delete(long seq) throws Exception {
        delete("Q", seq);
    }

    private void delete(String stream, long seq) throws Exception {
        assertThat(client.connection().jetStreamManagement().deleteMessage(stream, seq)).isTrue();
        rt.get(stream).delete(seq);
    }

    private void purge(PurgeRequest r, PurgeOptions s) throws Exception {
        purge("Q", r, s);
    }

    private void purge(String stream, PurgeRequest r, PurgeOptions s) throws Exception {
        if (s == null) {
            client.connection().jetStreamManagement().purgeStream(stream);
        } else {
            client.connection().jetStreamManagement().purgeStream(stream, s);
        }
        rt.get(stream).purge(r);
    }

    private void fetch(String c, int batch, String what) throws Exception {
        fetch("Q", c, batch, what);
    }

    private void fetch(String stream, String c, int batch, String what) throws Exception {
        List<ServerPull.Delivered> s = new ServerPull(client.connection(), stream, c).fetchNoWait(batch);
        List<ConsumedMessage> r = rt.get(stream).consumer(c).fetch(batch, 0, Duration.ZERO);
        serverOut.computeIfAbsent(c, k -> new ArrayList<>()).addAll(s);
        runtimeOut.computeIfAbsent(c, k -> new ArrayList<>()).addAll(r);
        List<String> sl = s.stream().map(d -> d.streamSeq() + "/" + d.consumerSeq() + "/" + d.deliveries() + "/" + pending(d)).toList();
        List<String> rl = r.stream().map(m -> m.streamSeq() + "/" + m.consumerSeq() + "/" + m.deliveries() + "/" + m.pending()).toList();
        System.out.println("[it] ConsumedPendingIT " + c + " " + what + ": server " + sl + ", runtime " + rl);
        assertThat(rl).as(c + ", " + what + " (seq/dseq/deliveries/pending)").isEqualTo(sl);
    }

    /** Answers the {@code i}-th delivery of {@code c} not yet answered with {@code body} on both sides. */
    private void answer(String c, int i, String body) throws Exception {
        ServerPull.Delivered sd = serverOut.get(c).remove(i);
        ConsumedMessage rm = runtimeOut.get(c).remove(i);
        new ServerPull(client.connection(), "Q", c).answer(sd, body);
        switch (body) {
            case "+ACK" -> rm.ack();
            case "-NAK" -> rm.nak();
            default -> throw new IllegalArgumentException(body);
        }
    }

    /** The num_pending token of an ack reply (v1, or v2 with domain and account hash). */
    private static long pending(ServerPull.Delivered d) {
        String[] t = d.reply().split("\\.");
        return Long.parseLong(t[(t.length == 9 ? 4 : 6) + 4]);
    }
}
