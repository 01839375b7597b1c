package io.jetstart.recovery;

import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.lines.ServerLine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * One stream of a store recovered on its own, as a run recovers each of its streams (its meta
 * files, the fast path or a rebuild, its consumers, their settlement, the hand-over), for the
 * runtime's resume of a stream whose writer a write error stopped: only that stream's directory is
 * looked into ({@code StoreLayout.findNamed}: the listings of the store's {@code streams/} folders,
 * then its own directory), never another stream's.
 *
 * <p>Design note: it is a run of one stream task ({@link RecoveryRun#fork}), not a second copy of
 * the stream's recovery, so that what the resume serves is what the next open would serve. Its
 * disk operations pass through the gate the caller gives (the runtime's own, shared with the
 * served streams' reads), and it tells no listener: the store's recovery ended long before.
 */
final class OneStreamRecovery {
    private OneStreamRecovery() {
    }

    /** See {@link StoreRecovery#recoverStream}. */
    static StreamReport run(Path storeDir, String account, String name, RecoveryOptions options, DiskGate gate, ServerLine line,
                            StreamHandOver handOver) throws IOException, InterruptedException {
        RecoveryOptions quiet = options.withListener(RecoveryListener.NONE).withFirstStreams(Set.of()).withOnlyStreams(Set.of());
        try (EventPump events = new EventPump(RecoveryListener.NONE)) {
            RecoveryRun run = new RecoveryRun(quiet, new Gate(gate), handOver, Never.INSTANCE, events, System.nanoTime());
            StreamDir sd = null;
            for (StoreLayout.Found f : StoreLayout.findNamed(storeDir, run.io, Set.of(name))) {
                if (f.stream().account().equals(account)) {
                    sd = f.stream();
                }
            }
            if (sd == null) {
                return null;
            }
            ServerLine l = line != null ? line : run.lineChoice(List.of(sd)).line();
            RecoveryRun.Forked forked = run.fork(List.of(sd), FirstStreams.none(), StreamLine.known(l),
                    RecordHashSource.forStore(sd.blockBytes()), false);
            if (forked.interrupted()) {
                // The stream's task ended cancelled, and was handed over as such.
                throw new InterruptedException("recovery of " + account + " > " + name + " interrupted");
            }
            return forked.reports().getFirst();
        }
    }

    /** The caller's gate in place of the run's own. */
    private record Gate(DiskGate gate) implements java.util.function.UnaryOperator<DiskGate> {
        @Override
        public DiskGate apply(DiskGate ignored) {
            return gate;
        }
    }

    /** A run nobody closes: the caller's interrupt cancels it. */
    private static final class Never implements java.util.function.BooleanSupplier {
        static final Never INSTANCE = new Never();

        @Override
        public boolean getAsBoolean() {
            return false;
        }
    }
}
