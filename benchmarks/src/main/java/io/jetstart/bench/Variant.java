package io.jetstart.bench;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** One thing that is timed: a jetstart recovery, the raw-read floor, or a nats-server start. */
sealed interface Variant {
    /** Stable key ({@code --only} takes these, without the part after the colon for servers). */
    String key();

    /**
     * Every key {@code --only} takes on a machine with {@code cores} cores, in the bench's order:
     * the variants {@link StartupBench} plans for some workload and mode (its {@code workers<N>}
     * rows are 1 and the core count). {@code jetstart bench --help} lists these, and
     * {@code --only} refuses any other.
     */
    static List<String> onlyKeys(int cores) {
        List<Variant> all = List.of(Recover.PARALLEL, Recover.PARALLEL_LAUNCHER, Recover.PARALLEL_AOT, Recover.PARALLEL_TIERED,
                Recover.PARALLEL_C1, Recover.PARALLEL_SCALAR, Recover.PARALLEL_WARM, Recover.workersWarm(1),
                Recover.workersWarm(cores), Recover.workers(cores), Recover.workers(1), Recover.SEQUENTIAL,
                Recover.SEQUENTIAL_LAUNCHER, new Floor(0), new Floor(1));
        Set<String> keys = new LinkedHashSet<>();
        all.forEach(v -> keys.add(v.key()));
        keys.add(Server.key(true));
        keys.add(Server.key(false));
        return List.copyOf(keys);
    }

    /** {@link #onlyKeys} of this machine, for picocli's {@code ${COMPLETION-CANDIDATES}} in the help. */
    final class OnlyKeys implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return onlyKeys(Runtime.getRuntime().availableProcessors()).iterator();
        }
    }

    String label();

    /** Cores the variant can keep busy, for the per-core rates. */
    int cores(int machineCores);

    /**
     * {@code jetstart recover} with {@code workers} block buffers (0: the default), or sequential;
     * {@code aot} says which AOT cache (JDK 24+ {@code -XX:AOTCache}) the JVM starts from, if any
     * ({@link Aot}); with {@code scalarChecksum}, the
     * record checksum is the scalar HighwayHash ({@code -Djetstart.hash=scalar}) instead of the
     * vector one that {@code bin/jvm.args} enables; with {@code warm}, the timed recovery is the
     * fourth of the same store in one JVM (a service that embeds jetstart, its JIT warm);
     * {@code jit} overrides the compile policy the launcher chooses ({@code bin/vector.sh}) with
     * one of its own, so both policies are timed side by side on every store.
     */
    record Recover(int workers, boolean sequential, Aot aot, boolean scalarChecksum, boolean warm, Jit jit) implements Variant {
        static final Recover PARALLEL = new Recover(0, false, Aot.NONE, false, false, Jit.LAUNCHER);
        static final Recover PARALLEL_AOT = new Recover(0, false, Aot.WORKLOAD, false, false, Jit.LAUNCHER);
        /** What {@code ./jetstart recover} runs: the launcher's options and its own AOT cache. */
        static final Recover PARALLEL_LAUNCHER = new Recover(0, false, Aot.LAUNCHER, false, false, Jit.LAUNCHER);
        static final Recover PARALLEL_SCALAR = new Recover(0, false, Aot.NONE, true, false, Jit.LAUNCHER);
        static final Recover PARALLEL_WARM = new Recover(0, false, Aot.NONE, false, true, Jit.LAUNCHER);
        static final Recover PARALLEL_TIERED = new Recover(0, false, Aot.NONE, false, false, Jit.TIERED);
        static final Recover PARALLEL_C1 = new Recover(0, false, Aot.NONE, false, false, Jit.C1);
        static final Recover SEQUENTIAL = new Recover(0, true, Aot.NONE, false, false, Jit.LAUNCHER);
        static final Recover SEQUENTIAL_LAUNCHER = new Recover(0, true, Aot.LAUNCHER, false, false, Jit.LAUNCHER);

        static Recover workers(int n) {
            return new Recover(n, false, Aot.NONE, false, false, Jit.LAUNCHER);
        }

        static Recover workersWarm(int n) {
            return new Recover(n, false, Aot.NONE, false, true, Jit.LAUNCHER);
        }

        /** The argument {@link RecoverOnce} takes. */
        String childArg() {
            return (sequential ? "sequential" : workers == 0 ? "parallel" : "workers" + workers) + (warm ? "-warm" : "");
        }

        @Override
        public String key() {
            return childArg() + aot.keySuffix + (scalarChecksum ? "-scalar" : "") + jit.keySuffix;
        }

        @Override
        public String label() {
            String base = sequential ? "jetstart --sequential" : workers == 0 ? "jetstart parallel (default)" : "jetstart --workers " + workers;
            return base + aot.labelSuffix + (scalarChecksum ? ", scalar checksum" : "")
                    + (warm ? ", warm JVM (4th recovery in one JVM)" : "") + jit.labelSuffix;
        }

        @Override
        public int cores(int machineCores) {
            return sequential ? 1 : workers == 0 ? machineCores : Math.min(workers, machineCores);
        }
    }

    /**
     * The AOT cache a jetstart JVM starts from. {@code WORKLOAD}: one that an untimed training run
     * of the bench's own workload wrote (what an embedding application that trains on its own store
     * gets, docs/embedding.md). {@code LAUNCHER}: one trained as {@code ./jetstart} trains its
     * {@code cli/target/jetstart.aot} (its hidden {@code warmup} command: a small generated store,
     * recovered with {@code index.db} and then rebuilt, in a JVM with {@code bin/jvm.args} and, where
     * the launcher adds it, {@code bin/vector.args}, not the C1-only options), so these rows time a
     * recovery as {@code ./jetstart recover} starts it.
     */
    enum Aot {
        NONE("", ""),
        WORKLOAD("-aot", " + AOT cache"),
        LAUNCHER("-launcher", ", as ./jetstart starts it (its AOT cache)");

        final String keySuffix;
        final String labelSuffix;

        Aot(String keySuffix, String labelSuffix) {
            this.keySuffix = keySuffix;
            this.labelSuffix = labelSuffix;
        }
    }

    /**
     * The compile policy of a jetstart JVM: the launcher's choice for the store, or one forced with
     * {@code -XX:TieredStopAtLevel} after the launcher's options (the last such option wins).
     */
    enum Jit {
        LAUNCHER("", "", null),
        TIERED("-tiered", ", tiered JIT (C1 + C2)", "-XX:TieredStopAtLevel=4"),
        C1("-c1", ", C1 only", "-XX:TieredStopAtLevel=1");

        final String keySuffix;
        final String labelSuffix;
        /** The JVM option that forces it, null for the launcher's own choice. */
        final String option;

        Jit(String keySuffix, String labelSuffix, String option) {
            this.keySuffix = keySuffix;
            this.labelSuffix = labelSuffix;
            this.option = option;
        }
    }

    /** Reading every block file with {@code threads} threads (0: the default worker count). */
    record Floor(int threads) implements Variant {
        String childArg() {
            return threads == 0 ? "default" : Integer.toString(threads);
        }

        @Override
        public String key() {
            return "floor" + (threads == 0 ? "" : threads);
        }

        @Override
        public String label() {
            return threads == 0 ? "raw-read floor (as many threads as default workers)" : "raw-read floor (" + threads + " thread"
                    + (threads == 1 ? ")" : "s)");
        }

        @Override
        public int cores(int machineCores) {
            return threads == 0 ? machineCores : Math.min(threads, machineCores);
        }
    }

    /** A real nats-server started on a copy of the store. */
    record Server(ServerBuild build, boolean parallelStartup) implements Variant {
        @Override
        public String key() {
            return key(parallelStartup);
        }

        static String key(boolean parallelStartup) {
            return parallelStartup ? "server-parallel" : "server-sequential";
        }

        @Override
        public String label() {
            return "nats-server " + build.version() + (parallelStartup ? " (parallel startup)" : " (sequential startup)");
        }

        @Override
        public int cores(int machineCores) {
            return parallelStartup ? machineCores : 1;
        }
    }
}
