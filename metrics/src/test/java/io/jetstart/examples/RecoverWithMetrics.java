package io.jetstart.examples;

import io.jetstart.metrics.JetStartRecoveryMetrics;
import io.jetstart.recovery.LoggingListener;
import io.jetstart.recovery.Readiness;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryProgress;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A recovery an application embeds: its meters in the application's registry, its readiness for
 * a health endpoint, a deadline, and a close() from another thread (shutdown) that cancels it.
 */
public final class RecoverWithMetrics {
    private RecoverWithMetrics() {
    }

    public static Readiness recover(Path storeDir, MeterRegistry registry) throws Exception {
        JetStartRecoveryMetrics metrics = new JetStartRecoveryMetrics(Tags.of("app", "orders"));
        metrics.bindTo(registry); // your registry; the binder never touches the global one
        RecoveryProgress progress = new RecoveryProgress(); // serve progress.state() as /readyz
        RecoveryOptions options = RecoveryOptions.defaults()
                .withDeadline(Duration.ofMinutes(5))
                .withListener(new LoggingListener().andThen(progress).andThen(metrics));
        try (StoreRecovery recovery = new StoreRecovery(storeDir, options)) {
            // Keep `recovery` where your shutdown hook can call recovery.close().
            RecoveryReport report = recovery.run();
            System.out.println(report.streams().size() + " streams, " + report.messages() + " messages, "
                    + report.runner() + " runner"); // "structured" with --enable-preview, else "fallback"
        }
        return progress.state();
    }

    public static void main(String[] args) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        System.out.println(recover(Path.of(args[0]), registry));
        System.out.println(registry.getMetersAsString());
    }
}
