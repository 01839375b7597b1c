package io.jetstart.it;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats.client.api.ConsumerInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A pull consumer on nats-server driven by raw requests, as a client library does underneath:
 * {@code $JS.API.CONSUMER.MSG.NEXT} with {@code no_wait}, and acks published to each message's
 * reply subject with a reply (so the server has processed one before the next request).
 */
final class ServerPull {
    /** One delivered message: its reply subject and what the subject says about it. */
    record Delivered(String reply, String subject, long streamSeq, long consumerSeq, long deliveries, byte[] data) {
    }

    private final Connection connection;
    private final String stream;
    private final String consumer;

    ServerPull(Connection connection, String stream, String consumer) {
        this.connection = connection;
        this.stream = stream;
        this.consumer = consumer;
    }

    /** Up to {@code batch} messages that can be delivered now (no_wait). */
    List<Delivered> fetchNoWait(int batch) throws Exception {
        String inbox = connection.createInbox();
        Subscription sub = connection.subscribe(inbox);
        List<Delivered> out = new ArrayList<>();
        try {
            connection.publish("$JS.API.CONSUMER.MSG.NEXT." + stream + "." + consumer, inbox,
                    ("{\"batch\":" + batch + ",\"no_wait\":true}").getBytes(StandardCharsets.UTF_8));
            connection.flush(Duration.ofSeconds(5));
            while (out.size() < batch) {
                Message m = sub.nextMessage(Duration.ofSeconds(5));
                if (m == null) {
                    throw new IllegalStateException("no answer to a pull request of " + stream + " > " + consumer);
                }
                if (m.isStatusMessage()) {
                    break;
                }
                out.add(parse(m));
            }
        } finally {
            sub.unsubscribe();
        }
        return out;
    }

    /** Sends {@code body} (+ACK, -NAK, -NAK {"delay":n}, +TERM, +WPI) and waits for the server's reply. */
    boolean answer(Delivered d, String body) throws Exception {
        Message reply = connection.request(d.reply(), body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2));
        return reply != null;
    }

    ConsumerInfo info() throws Exception {
        return connection.jetStreamManagement().getConsumerInfo(stream, consumer);
    }

    /** {@code $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>} (v1) or the v2 form with domain and account hash. */
    static Delivered parse(Message m) {
        String[] t = m.getReplyTo().split("\\.");
        int o = t.length == 9 ? 4 : 6;
        return new Delivered(m.getReplyTo(), m.getSubject(), Long.parseLong(t[o + 1]), Long.parseLong(t[o + 2]),
                Long.parseLong(t[o]), m.getData());
    }
}
