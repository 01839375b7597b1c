package io.jetstart.examples;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PublishAck;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.core.store.StoredMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Opens a store in the embedded runtime, creates a stream, publishes and reads a message back. */
public final class PublishAndRead {
    private PublishAndRead() {
    }

    /** Publishes one order (de-duplicated by its id) and returns it as read back from the stream. */
    public static StoredMessage publishOne(Path storeDir, String id, String body) throws Exception {
        // open returns at once; recovery runs behind it and each stream is served when it is back.
        try (JetStartStore store = JetStart.open(storeDir, RuntimeOptions.defaults())) {
            store.recovery().join();
            JetStartStream orders = store.served().stream().filter(s -> s.name().equals("ORDERS")).findFirst()
                    .orElse(null);
            if (orders == null) {
                // Setters are named after nats-server's fields (max_msgs, max_age, discard, ...);
                // every field left out gets the server's default.
                StreamConfig config = StreamConfig.builder("ORDERS")
                        .subjects("orders.*")
                        .maxMsgs(1_000_000)
                        .maxAge(Duration.ofDays(7))
                        .discard(StreamConfig.Discard.OLD)
                        .build();
                orders = store.createStream(JetStartStore.DEFAULT_ACCOUNT, config);
            }
            PublishAck ack = orders.publish("orders.new", Headers.of(Headers.MSG_ID, id),
                    body.getBytes(StandardCharsets.UTF_8));
            Optional<StoredMessage> stored = orders.get(ack.seq());
            return stored.orElseThrow();
        }
    }

    /** A stream already in the store: wait until its own recovery has finished, then read its last message. */
    public static Optional<StoredMessage> lastOrder(Path storeDir) throws Exception {
        try (JetStartStore store = JetStart.open(storeDir, RuntimeOptions.defaults())) {
            JetStartStream orders = store.stream("ORDERS").await(Duration.ofSeconds(30));
            return orders.lastBySubject("orders.new");
        }
    }

    /** {@code PublishAndRead <store_dir>}: an existing directory; an empty one becomes a new store. */
    public static void main(String[] args) throws Exception {
        Path storeDir = Path.of(args[0]);
        StoredMessage order = publishOne(storeDir, "order-1", "one order");
        System.out.println(order.seq() + " " + order.subject() + ": " + new String(order.payload(), StandardCharsets.UTF_8));
        System.out.println("last order: " + lastOrder(storeDir).map(StoredMessage::seq).orElse(0L));
    }
}
