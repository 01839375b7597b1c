package io.jetstart.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.meta.ConsumerConfigBuilder;
import io.jetstart.recovery.GoFormat;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.JetStreamApiException;
import io.jetstart.runtime.PullConsumer;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jetstart consume}: opens the store in the embedded runtime (taking its lock), fetches
 * from a pull consumer in batches until {@code --count} messages or none is left to deliver, and
 * closes cleanly (the consumer's {@code o.dat} written), as {@code nats consumer next} would.
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Fetch messages from a pull consumer of a stream of STORE_DIR through the embedded runtime (holds the store's lock).")
final class ConsumeCommand implements Callable<Integer> {
    static final int BATCH = 256;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STORE_DIR", description = "nats-server store_dir")
    Path storeDir;

    @Parameters(index = "1", paramLabel = "STREAM", description = "Stream name")
    String stream;

    @Parameters(index = "2", paramLabel = "CONSUMER", description = "Durable pull consumer name")
    String consumer;

    @Option(names = "--account", defaultValue = "$G", paramLabel = "NAME", description = "Account (default: ${DEFAULT-VALUE})")
    String account;

    @Option(names = "--create", paramLabel = "FILTER",
            description = "Create the durable pull consumer (explicit ack, deliver all) with filter subject FILTER ('>' for all) unless it exists with the same config")
    String create;

    @Option(names = "--count", defaultValue = "0", paramLabel = "N", description = "Stop after N messages (default: every message there is)")
    long count;

    @Option(names = "--ack", description = "Acknowledge every message (else they stay pending until the ack wait)")
    boolean ack;

    @Option(names = "--json", description = "Print no messages, only {\"consumed\",\"first_stream_seq\",\"last_stream_seq\",\"elapsed_ms\"}")
    boolean json;

    @picocli.CommandLine.Mixin
    KeyOptions keys = new KeyOptions();

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        var out = spec.commandLine().getOut();
        if (count < 0) {
            err.println("jetstart: --count must not be negative");
            return Main.USAGE;
        }
        Integer badAccount = RuntimeOpen.refuseIfBadAccount(account, err);
        if (badAccount != null) {
            return badAccount;
        }
        if (create != null) {
            try {
                config();
            } catch (IllegalArgumentException e) {
                // A name or filter the server would refuse is a wrong option, found before the store
                // is opened, as publish --create finds a stream's (it was exit 2, after the open).
                err.println("jetstart: --create " + consumer + ": " + e.getMessage());
                return Main.USAGE;
            }
        }
        JetStartStore store;
        // Consume creates consumers, never streams: no cipher to choose (a consumer takes its stream's).
        switch (RuntimeOpen.open(storeDir, keys, null, RuntimeOptions.defaults(), err)) {
            case RuntimeOpen.Refused r -> {
                return r.exitStatus();
            }
            case RuntimeOpen.Opened o -> store = o.store();
        }
        // Ctrl-C or SIGTERM stops after the batch in hand (every message fetched is printed, and
        // acknowledged with --ack), then the summary and a clean close (the consumer's o.dat
        // written), exit 3. Before, the JVM exited 130 at once, without a summary.
        AtomicBoolean stop = new AtomicBoolean();
        try (ReportOnShutdown shutdown = ReportOnShutdown.install(() -> stop.set(true))) {
            int status = consumeAndClose(store, stop);
            shutdown.finished(status);
            return status;
        }
    }

    private boolean stdoutClosed;

    /** Fetches until --count, an empty fetch or {@code stop}, prints the summary, closes the store; the exit status. */
    private int consumeAndClose(JetStartStore store, AtomicBoolean stop) throws Exception {
        int status;
        try {
            status = consume(store, stop);
        } catch (Throwable t) {
            try {
                store.close();
            } catch (Exception e) {
                t.addSuppressed(e);
            }
            throw t;
        }
        try {
            store.close();
        } catch (java.io.IOException e) {
            // The acks of this run are not all on disk (a full disk at the consumer's o.dat): exit 0
            // said they were. The store itself is closed.
            spec.commandLine().getErr().println("jetstart: " + e.getMessage());
            return status == Main.OK ? Main.FAILED : status;
        }
        return status;
    }

    /** {@link #consumeAndClose} before the close. */
    private int consume(JetStartStore store, AtomicBoolean stop) throws Exception {
        var err = spec.commandLine().getErr();
        var out = spec.commandLine().getOut();
        PullConsumer c;
        JetStartStream s = null;
        try {
            s = store.stream(account, stream).await(Duration.ofDays(1));
            c = create != null ? s.createConsumer(config()) : s.consumer(consumer);
        } catch (JetStreamApiException | UnsupportedOperationException | IllegalStateException | IllegalArgumentException e) {
            // IllegalArgumentException: a --create name or filter the server would refuse, named by the config builder.
            // A consumer whose files could not be restored is "not found" to the API, as to nats-server: say why.
            String unrestored = s == null || create != null ? null : s.unrestoredConsumers().get(consumer);
            String hint = "";
            if (unrestored != null) {
                hint = "; its files are there but could not be restored: " + unrestored;
            } else if (e instanceof JetStreamApiException api && api.errCode() == NotFoundHints.STREAM_NOT_FOUND) {
                hint = NotFoundHints.streams(store, account);
            } else if (e instanceof JetStreamApiException api && api.errCode() == NotFoundHints.CONSUMER_NOT_FOUND && s != null) {
                hint = NotFoundHints.consumers(s) + "; --create FILTER creates it";
            }
            err.println("jetstart: " + account + " > " + stream + " > " + consumer + ": " + e.getMessage() + hint);
            return Main.FAILED;
        } catch (io.jetstart.runtime.StreamUnavailableException e) {
            err.println("jetstart: " + account + " > " + stream + ": " + e.getMessage());
            return Main.FAILED;
        }
        long consumed = 0;
        long first = 0;
        long last = 0;
        long start = System.nanoTime();
        while ((count == 0 || consumed < count) && !stop.get() && !stdoutClosed) {
            // Within the consumer's max_batch: nats-server refuses a larger request (409), and so does the runtime.
            int batch = c.requestLimits().batchWithin((int) (count == 0 ? BATCH : Math.min(BATCH, count - consumed)));
            List<ConsumedMessage> got = c.fetch(batch, 0, Duration.ZERO);
            if (got.isEmpty()) {
                break;
            }
            for (ConsumedMessage m : got) {
                if (first == 0) {
                    first = m.streamSeq();
                }
                last = m.streamSeq();
                consumed++;
                if (!json) {
                    out.println("[" + m.streamSeq() + "] " + m.subject() + " delivered " + m.deliveries() + " "
                            + Escaped.quote(m.payload()));
                    // Nothing reads stdout any more (`| head`): stop before acknowledging what no
                    // one saw. Before, every message was fetched, printed into the closed pipe and acked.
                    if (Main.stdoutGone(out)) {
                        stdoutClosed = true;
                        break;
                    }
                }
                if (ack) {
                    m.ack();
                }
            }
        }
        long nanos = System.nanoTime() - start;
        if (stdoutClosed) {
            return Main.STDOUT_CLOSED;
        }
        if (json) {
            ObjectNode n = ReportJson.MAPPER.createObjectNode();
            n.put("consumed", consumed);
            n.put("first_stream_seq", first);
            n.put("last_stream_seq", last);
            n.put("elapsed_ms", nanos / 1_000_000);
            out.println(ReportJson.MAPPER.writeValueAsString(n));
        } else {
            out.printf("Consumed %s from %s > %s > %s (stream seq %d..%d) in %s%s%n", PublishCommand.messages(consumed), account,
                    stream, consumer, first, last, GoFormat.durationRoundedToMillis(nanos), ack ? ", acknowledged" : "");
        }
        out.flush();
        if (count > 0 && consumed < count && !stop.get()) {
            sayWhyShort(c, consumed, err);
        } else if (count == 0 && !stop.get()) {
            sayPaused(c, err);
        }
        if (stop.get()) {
            err.println("jetstart: stopped by a signal after " + GoFormat.comma(consumed) + " messages; closing the store cleanly");
            err.flush();
            return Main.CANCELLED;
        }
        return Main.OK;
    }

    /**
     * A run that stops short of --count because the consumer holds its max_ack_pending of messages
     * delivered and not acknowledged looks, without this, like a stream with nothing more in it
     * (a first run without --ack stops at 1,000, the default, and the next one redelivers them).
     */
    private void sayWhyShort(PullConsumer c, long consumed, java.io.PrintWriter err) throws InterruptedException {
        io.jetstart.runtime.ConsumerStatus st = c.status();
        if (sayPaused(c, err)) {
            return;
        }
        long max = st.config().json().path("max_ack_pending").asLong(0);
        if (max > 0 && st.numAckPending() >= max) {
            err.println("jetstart: " + account + " > " + stream + " > " + consumer + ": stopped after " + GoFormat.comma(consumed)
                    + " of " + GoFormat.comma(count) + " messages: " + GoFormat.comma(st.numAckPending())
                    + " are delivered and not acknowledged, the consumer's max_ack_pending (" + GoFormat.comma(max)
                    + "); --ack acknowledges what is fetched, and unacknowledged messages come again after their ack wait");
        }
    }

    /**
     * A paused consumer (pause_until) delivers nothing until its time: said, or a run that got
     * nothing reads as a consumer with nothing left to deliver. Returns whether it is paused.
     */
    private boolean sayPaused(PullConsumer c, java.io.PrintWriter err) throws InterruptedException {
        io.jetstart.runtime.ConsumerStatus st = c.status();
        if (!st.paused()) {
            return false;
        }
        err.println("jetstart: " + account + " > " + stream + " > " + consumer + " is paused until "
                + st.config().text("pause_until") + " (pause_until, " + GoFormat.durationRoundedToMillis(st.pauseRemaining().toNanos())
                + " from now): it delivers nothing until then");
        err.flush();
        return true;
    }

    /** The --create consumer: durable, explicit ack, deliver all, FILTER as its filter subject ('>': none). */
    private ConsumerConfig config() {
        ConsumerConfigBuilder b = ConsumerConfig.builder().durableName(consumer).ackPolicy(ConsumerConfigBuilder.AckPolicy.EXPLICIT);
        if (!create.isEmpty() && !create.equals(">")) {
            b.filterSubject(create);
        }
        return b.build();
    }
}
