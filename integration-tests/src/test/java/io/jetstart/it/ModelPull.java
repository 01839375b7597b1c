package io.jetstart.it;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One no-wait pull request of {@link ConsumerModelIT} on nats-server, sent before the runtime is
 * asked and read after, so that how long to wait for the server's answer can depend on what the
 * runtime delivered: nats-server 2.10.27 leaves some no-wait requests unanswered (a request that
 * delivers nothing after it counted messages pending or queued for redelivery, {@link ModelLine}),
 * and waiting the full five seconds for each of those would make a 2.10 run mostly waits.
 */
final class ModelPull implements AutoCloseable {
    private final Subscription sub;
    private final int batch;
    private final String what;

    private ModelPull(Subscription sub, int batch, String what) {
        this.sub = sub;
        this.batch = batch;
        this.what = what;
    }

    /** Sends {@code $JS.API.CONSUMER.MSG.NEXT} for {@code batch} messages with {@code no_wait}; the server has it when this returns. */
    static ModelPull noWait(Connection connection, String stream, String consumer, int batch) throws Exception {
        String inbox = connection.createInbox();
        Subscription sub = connection.subscribe(inbox);
        connection.publish("$JS.API.CONSUMER.MSG.NEXT." + stream + "." + consumer, inbox,
                ("{\"batch\":" + batch + ",\"no_wait\":true}").getBytes(StandardCharsets.UTF_8));
        connection.flush(Duration.ofSeconds(5));
        return new ModelPull(sub, batch, stream + " > " + consumer);
    }

    /**
     * The messages the server delivered for the request, up to a status message (404, 408) or the
     * batch; empty when no answer came within {@code patience} of the request or of the last message.
     * Once this returns the subscription is gone, so the server drops an unanswered request at its
     * next look at its waiting requests ({@code processWaiting}: no interest left).
     */
    Optional<List<ServerPull.Delivered>> answer(Duration patience) throws InterruptedException {
        List<ServerPull.Delivered> out = new ArrayList<>();
        try {
            while (out.size() < batch) {
                Message m = sub.nextMessage(patience);
                if (m == null) {
                    if (out.isEmpty()) {
                        return Optional.empty();
                    }
                    throw new IllegalStateException("the answer to a pull request of " + what + " stopped after "
                            + out.size() + " messages, with neither the batch of " + batch + " nor a status");
                }
                if (m.isStatusMessage()) {
                    break;
                }
                out.add(ServerPull.parse(m));
            }
            return Optional.of(out);
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        if (sub.isActive()) {
            sub.unsubscribe();
        }
    }
}
