package io.jetstart.recovery;

import io.jetstart.core.store.Problem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs nats-server's restore lines (spec 6.6), wording and number formats included, so that
 * existing greps and alerts keep working:
 * {@code Starting restore for stream '$G > ORDERS'}, {@code Restored 1,000,000 messages for stream
 * '$G > ORDERS' in 378ms}, {@code Recovering 2 consumers for stream - '$G > ORDERS'},
 * {@code Took 561.428667ms to start JetStream}. Problems are logged as warnings with file and offset.
 */
public final class LoggingListener implements RecoveryListener {
    private final Logger log;

    public LoggingListener() {
        this(LoggerFactory.getLogger("jetstart"));
    }

    public LoggingListener(Logger log) {
        this.log = log;
    }

    @Override
    public void onEvent(RecoveryEvent event) {
        switch (event) {
            case RecoveryEvent.RecoveryStarted e -> log.info("Starting JetStream recovery of {} streams ({} runner, dios {}, workers {})",
                    e.streams(), e.runner(), e.dios(), e.workers());
            case RecoveryEvent.StreamStarted e -> log.info("  Starting restore for stream '{} > {}'", e.account(), e.stream());
            case RecoveryEvent.BlockScanned e -> { }
            case RecoveryEvent.StreamRestored e -> log.info("  Restored {} messages for stream '{} > {}' in {}",
                    GoFormat.comma(e.messages()), e.account(), e.stream(), GoFormat.durationRoundedToMillis(e.nanos()));
            case RecoveryEvent.ConsumersStarting e -> log.info("  Recovering {} consumers for stream - '{} > {}'",
                    e.consumers(), e.account(), e.stream());
            case RecoveryEvent.ConsumerRestored e -> { }
            case RecoveryEvent.ConsumerFailed e -> log.warn("    Error adding consumer '{} > {} > {}': {}",
                    e.account(), e.stream(), e.consumer(), e.cause().describe());
            case RecoveryEvent.StreamFinished e -> finished(e.report());
            case RecoveryEvent.RecoveryFinished e -> log.info("Took {} to start JetStream", GoFormat.duration(e.report().wallNanos()));
        }
    }

    private void finished(StreamReport r) {
        for (Problem p : r.problems()) {
            switch (p.severity()) {
                case WARNING -> log.warn("Filestore [{}] {}", r.name(), p.describe());
                case DAMAGE -> log.warn("Filestore [{}] damaged: {}", r.name(), p.describe());
                case FATAL -> log.error("  Error recreating stream '{} > {}': {}", r.account(), r.name(), p.describe());
            }
        }
        if (r.outcome() == Outcome.CANCELLED) {
            log.warn("  Restore of stream '{} > {}' cancelled", r.account(), r.name());
        }
    }
}
