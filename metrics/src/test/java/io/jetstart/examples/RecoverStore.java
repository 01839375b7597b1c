package io.jetstart.examples;

import io.jetstart.core.store.Problem;
import io.jetstart.recovery.LoggingListener;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import io.jetstart.recovery.StreamReport;
import java.nio.file.Path;

/** Recovers every stream and consumer of a store in parallel, read-only, and prints what came back. */
public final class RecoverStore {
    private RecoverStore() {
    }

    public static RecoveryReport recover(Path storeDir) throws Exception {
        RecoveryReport report = StoreRecovery.recover(storeDir, RecoveryOptions.defaults()
                .withListener(new LoggingListener())); // nats-server's restore lines, through SLF4J
        for (StreamReport s : report.streams()) {
            System.out.printf("%s > %s: %s, %d messages%n", s.account(), s.name(), s.outcome(),
                    s.state() == null ? 0 : s.state().messages());
            for (Problem p : s.problems()) {
                System.out.println("  " + p.severity() + ": " + p.describe());
            }
        }
        return report;
    }

    public static void main(String[] args) throws Exception {
        RecoveryReport report = recover(Path.of(args[0]));
        System.exit(report.allRecovered() ? 0 : 1);
    }
}
