package io.jetstart.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The side-by-side start-up bench behind {@code jetstart bench}: jetstart's recovery (parallel,
 * one worker, sequential), the raw-read floor and real nats-server builds, on the same generated
 * store, in one run, interleaved, so that the drift of a shared machine hits every variant alike
 * and the ratios stay meaningful even when absolute times do not.
 *
 * <p>Order: a warm-up (unless {@code cold}), then for each run, for each store state, every
 * variant once, the order rotated by one per run. Each jetstart run is a fresh JVM
 * ({@link RecoverOnce}); each server run gets a fresh copy of the store, made before its clock
 * starts ({@link StoreFiles}).
 */
final class StartupBench {
    /**
     * @param serversDir where nats-server builds are looked for (null: do not run servers)
     * @param only       variant keys to run (empty: all)
     */
    record Settings(Workload workload, int runs, boolean cold, Path cacheRoot, Path serversDir, List<String> jvmOptions,
                    Set<Mode> modes, Set<String> only, String commandLine, long timeoutNanos) {
        Settings {
            if (runs < 1 || runs > 1000) {
                throw new IllegalArgumentException("--runs must be 1..1000, got " + runs);
            }
            jvmOptions = List.copyOf(jvmOptions);
            modes = modes.isEmpty() ? EnumSet.allOf(Mode.class) : EnumSet.copyOf(modes);
            only = Set.copyOf(only);
        }
    }

    private final Settings settings;
    private final PrintStream log;
    private final int cores = Runtime.getRuntime().availableProcessors();
    private int copies;
    private JetstartRunner.AotCaches aotCaches = JetstartRunner.AotCaches.NONE;

    StartupBench(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    BenchResult run() throws IOException, InterruptedException {
        WorkloadCache cache = new WorkloadCache(settings.cacheRoot());
        WorkloadCache.Prepared prepared = cache.prepare(settings.workload(), log);
        List<String> notes = new ArrayList<>();
        Optional<ServerBuild> parallelServer = Optional.empty();
        Optional<ServerBuild> sequentialServer = Optional.empty();
        if (settings.serversDir() != null) {
            List<String> problems = new ArrayList<>();
            List<ServerBuild> builds = ServerBuild.discover(settings.serversDir(), problems);
            parallelServer = ServerBuild.parallel(builds);
            sequentialServer = ServerBuild.sequential(builds);
            if (parallelServer.isEmpty() || sequentialServer.isEmpty()) {
                notes.add("nats-server builds found in " + settings.serversDir() + ": "
                        + (builds.isEmpty() ? "none" : builds.stream().map(b -> b.version().toString()).toList())
                        + (problems.isEmpty() ? "" : " (" + String.join("; ", problems) + ")")
                        + ". Missing server rows: run scripts/fetch-nats-servers.sh or set JETSTART_NATS_SERVERS.");
            }
        } else {
            notes.add("nats-server runs switched off (--no-servers).");
        }
        Map<Mode, List<Variant>> plan = plan(parallelServer, sequentialServer);
        Map<Mode, Map<Variant, List<Sample>>> samples = new LinkedHashMap<>();
        for (Mode m : plan.keySet()) {
            Map<Variant, List<Sample>> byVariant = new LinkedHashMap<>();
            for (Variant v : plan.get(m)) {
                byVariant.put(v, new ArrayList<>());
            }
            samples.put(m, byVariant);
        }
        StoreFiles.Snapshot cached = StoreFiles.Snapshot.take(prepared.store());
        JetstartRunner jetstart = new JetstartRunner(settings.jvmOptions(), settings.timeoutNanos());
        ServerRunner servers = new ServerRunner(settings.timeoutNanos());

        String cacheNote = "warm (each variant's files read once before the first timed run)";
        if (settings.cold()) {
            String why = PageCache.drop();
            cacheNote = why == null ? "cold: dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before every run, after any copy"
                    : "warm: --cold asked for, but " + why;
            if (why != null) {
                log.println("bench: " + cacheNote);
            }
        }
        Path workloadCache = null;
        if (plan.values().stream().anyMatch(vs -> vs.stream().anyMatch(v -> v instanceof Variant.Recover r && r.aot() == Variant.Aot.WORKLOAD))) {
            Path cacheFile = prepared.dir().resolve("jetstart.aot");
            log.println("bench: training the AOT cache (untimed) ...");
            String why = jetstart.trainAotCache(prepared.store(), prepared.rebuild(), cacheFile);
            workloadCache = why == null ? cacheFile : null;
            notes.add(why == null ? "AOT cache: one untimed JVM that recovers the fast-path store, then the rebuild store, with "
                    + "-XX:AOTCacheOutput (JDK 25; what an application that trains on its own store gets), "
                    + "then -XX:AOTMode=on -XX:AOTCache for the \"+ AOT cache\" rows" : "AOT cache training failed: " + why);
        }
        Path launcherWork = null;
        Path launcherCache = null;
        if (plan.values().stream().anyMatch(vs -> vs.stream().anyMatch(v -> v instanceof Variant.Recover r && r.aot() == Variant.Aot.LAUNCHER))) {
            // Its own folder, not the workload's: the workload's folder may be shared by other benches.
            launcherWork = java.nio.file.Files.createTempDirectory("jetstart-bench-launcher-aot-");
            Path cacheFile = launcherWork.resolve("jetstart.aot");
            log.println("bench: training an AOT cache as ./jetstart does (untimed) ...");
            String why = jetstart.trainLauncherAotCache(prepared.store(), launcherWork, cacheFile);
            launcherCache = why == null ? cacheFile : null;
            notes.add(why == null ? "as ./jetstart starts it: the launcher's options and an AOT cache trained as ./jetstart trains its "
                    + "own (one untimed JVM, bin/jvm.args without the C1-only options, recovers the small store of the CLI's warmup "
                    + "command, 4 streams × 20,000 × 64 B, once on one thread as its inspect walks it, then its second store, 64 streams × 200 × 100 B with 2 consumers each, "
                    + "each with index.db and then rebuilt), started with -XX:AOTMode=on"
                    : "launcher-style AOT cache training failed: " + why);
        }
        aotCaches = new JetstartRunner.AotCaches(workloadCache, launcherCache);
        try {
            return timeAll(prepared, plan, samples, notes, parallelServer, sequentialServer, jetstart, servers, cached, cacheNote);
        } finally {
            if (launcherWork != null) {
                StoreFiles.deleteTree(launcherWork, launcherWork.getParent());
            }
        }
    }

    private BenchResult timeAll(WorkloadCache.Prepared prepared, Map<Mode, List<Variant>> plan,
                                Map<Mode, Map<Variant, List<Sample>>> samples, List<String> notes, Optional<ServerBuild> parallelServer,
                                Optional<ServerBuild> sequentialServer, JetstartRunner jetstart, ServerRunner servers,
                                StoreFiles.Snapshot cached, String cacheNote) throws IOException, InterruptedException {
        boolean cold = cacheNote.startsWith("cold");
        if (!cold) {
            warmUp(prepared, plan, jetstart, servers, cached);
        }
        LoadAverage load = new LoadAverage();
        for (int run = 0; run < settings.runs(); run++) {
            for (Mode m : plan.keySet()) {
                List<Variant> order = rotate(plan.get(m), run);
                for (Variant v : order) {
                    load.sample();
                    Sample s = runOnce(prepared, m, v, jetstart, servers, cached, cold);
                    samples.get(m).get(v).add(s);
                    log.printf(Locale.ROOT, "bench: run %d/%d %-8s %-55s %s%n", run + 1, settings.runs(),
                            m == Mode.FAST ? "fast" : "rebuild", v.label(), s.ok() ? BenchTable.duration(headline(v, s))
                                    + (v instanceof Variant.Server ? "" : "  (from exec " + BenchTable.duration(s.fromExecNanos()) + ")")
                                    : "FAILED: " + s.failure());
                }
            }
        }
        load.sample();
        notes.add(load.describe(cores));
        List<BenchResult.Section> sections = new ArrayList<>();
        for (Map.Entry<Mode, Map<Variant, List<Sample>>> e : samples.entrySet()) {
            List<BenchResult.Row> rows = new ArrayList<>();
            for (Map.Entry<Variant, List<Sample>> r : e.getValue().entrySet()) {
                rows.add(new BenchResult.Row(r.getKey(), List.copyOf(r.getValue()), null));
            }
            if (e.getKey() == Mode.FAST && sequentialServer.isPresent() && wanted(new Variant.Server(sequentialServer.get(), false))) {
                rows.add(new BenchResult.Row(new Variant.Server(sequentialServer.get(), false), List.of(),
                        "not run: 2.9 reads no index.db; its fast path is per-block .idx files, which a generated store lacks, "
                                + "so on this store its \"fast path\" is the rebuild below"));
            }
            sections.add(new BenchResult.Section(e.getKey(), List.copyOf(rows)));
        }
        return new BenchResult(prepared, Machine.current(), settings.runs(), settings.jvmOptions(), settings.commandLine(),
                cacheNote, List.copyOf(sections), List.copyOf(notes));
    }

    private static long headline(Variant v, Sample s) {
        return v instanceof Variant.Server ? s.fromExecNanos() : s.innerNanos();
    }

    private boolean wanted(Variant v) {
        return settings.only().isEmpty() || settings.only().contains(v.key());
    }

    Map<Mode, List<Variant>> plan(Optional<ServerBuild> parallelServer, Optional<ServerBuild> sequentialServer) {
        Map<Mode, List<Variant>> plan = new LinkedHashMap<>();
        for (Mode m : Mode.values()) {
            if (!settings.modes().contains(m)) {
                continue;
            }
            List<Variant> vs = new ArrayList<>();
            vs.add(Variant.Recover.PARALLEL);
            // The recovery as ./jetstart recover starts it (the targets), next to the same
            // JVM without any cache and with one trained on this workload.
            vs.add(Variant.Recover.PARALLEL_LAUNCHER);
            vs.add(Variant.Recover.PARALLEL_AOT);
            // Both compile policies, whichever the launcher chose for this store (bin/vector.sh).
            vs.add(Variant.Recover.PARALLEL_TIERED);
            vs.add(Variant.Recover.PARALLEL_C1);
            if (m == Mode.REBUILD) {
                // Only a rebuild verifies record checksums: the vector hash's gain, side by side.
                vs.add(Variant.Recover.PARALLEL_SCALAR);
                // An embedding service recovers with a warm JIT: its time and its 2-worker speed-up.
                vs.add(Variant.Recover.PARALLEL_WARM);
                vs.add(Variant.Recover.workersWarm(1));
                if (cores > 1) {
                    vs.add(Variant.Recover.workersWarm(cores));
                }
            }
            if (m == Mode.REBUILD && cores > 1) {
                // The targets speak of "2 workers" on 2 cores; the default is 2 x cores.
                vs.add(Variant.Recover.workers(cores));
            }
            vs.add(Variant.Recover.workers(1));
            vs.add(Variant.Recover.SEQUENTIAL);
            if (settings.workload().name().equals("many")) {
                // Its target compares parallel with sequential as ./jetstart starts both.
                vs.add(Variant.Recover.SEQUENTIAL_LAUNCHER);
            }
            if (m == Mode.REBUILD) {
                // The fast path reads no block: a floor there would measure nothing it does.
                vs.add(new Variant.Floor(0));
                vs.add(new Variant.Floor(1));
            }
            parallelServer.ifPresent(b -> vs.add(new Variant.Server(b, true)));
            if (m == Mode.REBUILD) {
                sequentialServer.ifPresent(b -> vs.add(new Variant.Server(b, false)));
            }
            vs.removeIf(v -> !wanted(v));
            if (!vs.isEmpty()) {
                plan.put(m, List.copyOf(vs));
            }
        }
        return plan;
    }

    static <T> List<T> rotate(List<T> list, int by) {
        List<T> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(list.get((i + by) % list.size()));
        }
        return out;
    }

    /** Untimed: loads the store, the JDK and the server binaries into the page cache. */
    private void warmUp(WorkloadCache.Prepared prepared, Map<Mode, List<Variant>> plan, JetstartRunner jetstart,
                        ServerRunner servers, StoreFiles.Snapshot cached) throws IOException, InterruptedException {
        log.println("bench: warm-up (untimed) ...");
        RawReadFloor.read(RawReadFloor.blockFiles(prepared.store()), cores);
        jetstart.recover(prepared.store(), Variant.Recover.PARALLEL, JetstartRunner.AotCaches.NONE);
        for (List<Variant> vs : plan.values()) {
            for (Variant v : vs) {
                if (v instanceof Variant.Server s && s.parallelStartup()) {
                    runOnce(prepared, Mode.FAST, v, jetstart, servers, cached, false);
                    return;
                }
            }
        }
    }

    private Sample runOnce(WorkloadCache.Prepared prepared, Mode m, Variant v, JetstartRunner jetstart, ServerRunner servers,
                           StoreFiles.Snapshot cached, boolean cold) throws IOException, InterruptedException {
        Path dir = m == Mode.FAST ? prepared.store() : prepared.rebuild();
        long expected = prepared.workload().totalMessages();
        return switch (v) {
            case Variant.Recover r -> {
                dropIfCold(cold);
                Sample s = jetstart.recover(dir, r, aotCaches);
                yield s.ok() && s.messages() != expected ? Sample.failed(s.fromExecNanos(),
                        String.format(Locale.ROOT, "recovered %,d messages, expected %,d", s.messages(), expected)) : s;
            }
            case Variant.Floor f -> {
                dropIfCold(cold);
                yield jetstart.floor(dir, f);
            }
            case Variant.Server sv -> {
                Path copy = prepared.runs().resolve("server-" + (++copies));
                StoreFiles.linkCopy(prepared.store(), copy, m == Mode.REBUILD);
                try {
                    dropIfCold(cold);
                    yield servers.start(sv.build(), copy, expected);
                } finally {
                    StoreFiles.deleteTree(copy, prepared.dir());
                    String changed = StoreFiles.Snapshot.take(prepared.store()).changedSince(cached);
                    if (changed != null) {
                        throw new IOException("nats-server " + sv.build().version() + " changed the cached store through a "
                                + "linked block (" + changed + "); delete " + prepared.dir() + " and run again");
                    }
                }
            }
        };
    }

    private void dropIfCold(boolean cold) throws InterruptedException {
        if (cold) {
            String why = PageCache.drop();
            if (why != null) {
                throw new IllegalStateException("dropping the page cache worked once and then failed: " + why);
            }
        }
    }
}
