package io.jetstart.recovery;

import io.jetstart.core.store.Problem;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs nats-server's restore lines (spec 6.6), wording and number formats included, so that
 * existing greps and alerts keep working:
 * {@code Starting restore for stream '$G > ORDERS'}, {@code Restored 1,000,000 messages for stream
 * '$G > ORDERS' in 378ms}, {@code Recovering 2 consumers for stream - '$G > ORDERS'},
 * {@code Took 561.428667ms to start JetStream} (not rounded: nats-server prints that one as it is).
 * Problems are logged as warnings with file and offset; those found while opening a stream come
 * before its Restored line, as nats-server logs them. Events arrive on one reporter thread.
 */
public final class LoggingListener implements RecoveryListener {
    private final Logger log;
    /** Problems already logged before a stream's Restored line, until it finishes. Reporter thread only. */
    private final Map<String, List<Problem>> saidBeforeRestored = new HashMap<>();

    public LoggingListener() {
        this(LoggerFactory.getLogger("jetstart"));
    }

    public LoggingListener(Logger log) {
        this.log = log;
    }

    /**
     * An {@code instanceof} chain, not a pattern switch over the sealed events: a JVM's first
     * pattern switch spins its class at run time ({@code SwitchBootstraps}, the class-file API and
     * a hidden class, none of which an AOT cache keeps), and this one ran on the events thread
     * during every logged CLI recovery (docs/benchmarks-passes.md, "./jetstart recover's own start").
     * A new event type logs nothing until it is added here.
     */
    @Override
    public void onEvent(RecoveryEvent event) {
        if (event instanceof RecoveryEvent.BlockScanned || event instanceof RecoveryEvent.ConsumerRestored) {
            return;
        }
        if (event instanceof RecoveryEvent.StreamStarted e) {
            log.info("  Starting restore for stream '{} > {}'", e.account(), e.stream());
        } else if (event instanceof RecoveryEvent.StreamRestored e) {
            restored(e);
        } else if (event instanceof RecoveryEvent.ConsumersStarting e) {
            log.info("  Recovering {} consumers for stream - '{} > {}'", e.consumers(), e.account(), e.stream());
        } else if (event instanceof RecoveryEvent.StreamFinished e) {
            finished(e.report());
        } else if (event instanceof RecoveryEvent.ConsumerFailed e) {
            log.warn("    Error adding consumer '{} > {} > {}': {}", e.account(), e.stream(), e.consumer(), e.cause().describe());
        } else if (event instanceof RecoveryEvent.RecoveryStarted e) {
            log.info("Starting JetStream recovery of {} streams ({} runner, dios {}, workers {})",
                    e.streams(), e.runner(), e.dios(), e.workers());
        } else if (event instanceof RecoveryEvent.RecoveryFinished e) {
            log.info("Took {} to start JetStream", GoFormat.duration(e.report().wallNanos()));
        }
    }

    /**
     * What opening the stream found, then the Restored line: nats-server's order ("Filestore [S]
     * ..." warnings come between "Starting restore" and "Restored"). Logged after the stream
     * finished, they read as trouble with its consumers.
     */
    private void restored(RecoveryEvent.StreamRestored e) {
        for (Problem p : e.problems()) {
            problem(e.account(), e.stream(), p);
        }
        if (!e.problems().isEmpty()) {
            saidBeforeRestored.put(e.account() + " > " + e.stream(), e.problems());
        }
        log.info("  Restored {} messages for stream '{} > {}' in {}",
                GoFormat.comma(e.messages()), e.account(), e.stream(), GoFormat.durationRoundedToMillis(e.nanos()));
    }

    private void finished(StreamReport r) {
        List<Problem> said = saidBeforeRestored.remove(r.account() + " > " + r.name());
        for (Problem p : r.problems()) {
            if (said == null || !saidAlready(said, p)) {
                problem(r.account(), r.name(), p);
            }
        }
        if (r.outcome() == Outcome.CANCELLED) {
            log.warn("  Restore of stream '{} > {}' cancelled", r.account(), r.name());
        }
    }

    /**
     * {@code said.contains(p)}, component by component: the record's own {@code equals} is
     * bootstrapped at its first call ({@code ObjectMethods}, method-handle forms spun at run time
     * that an AOT cache does not keep), and that came on the events thread of every logged
     * recovery that rebuilt a stream (docs/benchmarks-passes.md, "./jetstart recover's own start").
     */
    private static boolean saidAlready(List<Problem> said, Problem p) {
        for (Problem q : said) {
            if (q == p || q.severity() == p.severity() && q.offset() == p.offset() && q.serverAction() == p.serverAction()
                    && q.message().equals(p.message()) && Objects.equals(q.file(), p.file())) {
                return true;
            }
        }
        return false;
    }

    private void problem(String account, String stream, Problem p) {
        switch (p.severity()) {
            case WARNING -> log.warn("Filestore [{}] {}", stream, p.describe());
            case DAMAGE -> log.warn("Filestore [{}] damaged: {}", stream, p.describe());
            case FATAL -> log.error("  Error recreating stream '{} > {}': {}", account, stream, p.describe());
        }
    }
}
