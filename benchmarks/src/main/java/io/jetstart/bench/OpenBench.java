package io.jetstart.bench;

import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Per-stream readiness (issue #11's open target): a store whose streams are large, plus one small
 * stream {@code SMALL} (10 messages, its {@code index.db} intact; its name sorts after the big
 * ones). Times, from {@link JetStart#open}, {@code SMALL} served (its handle's wait returns: it is
 * writable), its first publish ack (with sync {@code always}: the record is fsynced before the ack)
 * and the whole recovery's completion
 * ({@link JetStartStore#recovery()}), for every {@link Row}: the big
 * streams' {@code index.db} intact or lost, this warm JVM or a fresh one (with and without an AOT
 * cache the application trained), and three plans.
 *
 * <p>The big streams come from the bench's workload cache (generated once, never modified: each
 * open runs on a copy whose blocks are hard links, and the cached blocks' sizes and times are
 * compared after every open). The runtime rewrites {@code index.db} at close, so every open gets a
 * new copy.
 */
final class OpenBench {
    static final String SMALL = "SMALL";
    static final int SMALL_MESSAGES = 10;

    /** The big streams' {@code index.db}. */
    enum State {
        INTACT("index.db intact"), REBUILD("index.db lost (rebuild)");

        final String label;

        State(String label) {
            this.label = label;
        }
    }

    /** Where the open runs. */
    enum Jvm {
        WARM("this JVM (warm)"), FRESH("fresh JVM"), FRESH_AOT("fresh JVM + AOT cache");

        final String label;

        Jvm(String label) {
            this.label = label;
        }
    }

    /** How the runtime is told to order the streams. */
    enum Plan {
        /** {@code RuntimeOptions.defaults()}: the smallest streams first (recovery's smallFirst). */
        DEFAULT("defaults (small first)"),
        /** smallFirst off, {@code withFirstStreams(SMALL)}: the stream named. */
        NAMED("withFirstStreams(SMALL), small first off"),
        /** Neither: largest first, as the runtime planned before small-first. */
        LARGEST_FIRST("largest first (neither)");

        final String label;

        Plan(String label) {
            this.label = label;
        }

        /** With sync always: "writable" means the first publish is on disk. */
        RuntimeOptions options() {
            RuntimeOptions d = RuntimeOptions.defaults().withSync(io.jetstart.runtime.SyncPolicy.ALWAYS);
            return switch (this) {
                case DEFAULT -> d;
                case NAMED -> d.withRecovery(d.recovery().withSmallFirst(false)).withFirstStreams(Set.of(SMALL));
                case LARGEST_FIRST -> d.withRecovery(d.recovery().withSmallFirst(false));
            };
        }
    }

    /** One row of the table. */
    record Row(State state, Jvm jvm, Plan plan) {
        String key() {
            return state + "/" + jvm + "/" + plan;
        }

        String label() {
            return state.label + ", " + jvm.label + ", " + plan.label;
        }
    }

    /**
     * One open, every time from the open call: the small stream served (its handle's wait returned,
     * so it is writable), its first publish acked, and the whole recovery done.
     */
    record OpenSample(long smallServedNanos, long smallAckNanos, long recoveryNanos, long messages, String failure) {
        boolean ok() {
            return failure == null;
        }

        static OpenSample failed(String why) {
            return new OpenSample(-1, -1, -1, 0, why);
        }
    }

    /** Every row: both states × the three JVMs × the three plans, the plan before small-first not with the AOT cache. */
    static List<Row> rows() {
        List<Row> out = new ArrayList<>();
        for (State s : State.values()) {
            for (Jvm j : Jvm.values()) {
                for (Plan p : Plan.values()) {
                    if (j == Jvm.FRESH_AOT && p == Plan.LARGEST_FIRST) {
                        continue;
                    }
                    out.add(new Row(s, j, p));
                }
            }
        }
        return out;
    }

    /** The big streams of the open target: {@code streams} × {@code messages} × {@code size} B, cached as {@code open-<streams>x<messages>x<size>}. */
    static Workload workload(int streams, long messages, int size) {
        return new Workload(String.format(Locale.ROOT, "open-%dx%dx%d", streams, messages, size), GeneratorSpec.of(streams, messages, size),
                String.format(Locale.ROOT, "%d streams × %,d messages × %d B, 1 subject each", streams, messages, size));
    }

    private final WorkloadCache.Prepared big;
    private final Path work;
    private final int size;
    private Path aotCache;
    private String aotFailure = "not trained";

    /** @param work a folder of the bench's own, emptied here */
    OpenBench(WorkloadCache.Prepared big, Path work, int size) {
        this.big = big;
        this.work = work;
        this.size = size;
    }

    WorkloadCache.Prepared big() {
        return big;
    }

    /** Why there is no AOT cache, or null. */
    String aotFailure() {
        return aotFailure;
    }

    /**
     * Writes {@code SMALL} once (with the runtime, in a store of its own, copied into every open's
     * store), warms this JVM with one untimed open of each state, and trains the AOT cache in a
     * fresh JVM that opens both states as an application would at start-up.
     */
    void prepare(PrintStream log, long timeoutNanos) throws IOException, InterruptedException {
        Files.createDirectories(work);
        Path template = work.resolve("small-template");
        StoreFiles.deleteTree(template, work);
        Files.createDirectories(template);
        try (JetStartStore store = JetStart.open(template, RuntimeOptions.defaults())) {
            store.recovery().join();
            JetStartStream s = store.createStream(JetStartStore.DEFAULT_ACCOUNT, InProcessPublish.streamConfig(SMALL, "small"));
            for (int i = 0; i < SMALL_MESSAGES; i++) {
                s.publish("small", Headers.EMPTY, InProcessPublish.payload(size));
            }
        }
        for (State s : State.values()) {
            OpenSample o = run(new Row(s, Jvm.WARM, Plan.DEFAULT), timeoutNanos);
            log.printf(Locale.ROOT, "bench publish: open warm-up (%s): %s%n", s.label, o.ok() ? "ok" : o.failure());
        }
        Path aot = work.resolve("open.aot");
        Path intact = copy(State.INTACT, "train-intact");
        Path rebuild = copy(State.REBUILD, "train-rebuild");
        try {
            aotFailure = OpenOnce.train(intact, rebuild, aot, timeoutNanos);
            aotCache = aotFailure == null ? aot : null;
        } finally {
            StoreFiles.deleteTree(intact, work);
            StoreFiles.deleteTree(rebuild, work);
        }
        log.println("bench publish: open AOT cache " + (aotCache != null ? "trained: " + aotCache : "not made: " + aotFailure));
    }

    /** One timed open of {@code row} on a new copy of the store. */
    OpenSample run(Row row, long timeoutNanos) throws IOException, InterruptedException {
        StoreFiles.Snapshot before = StoreFiles.Snapshot.take(big.dir());
        Path dir = copy(row.state(), "run");
        OpenSample sample;
        try {
            sample = switch (row.jvm()) {
                case WARM -> {
                    // Garbage of earlier opens must not be collected in the middle of this one.
                    System.gc();
                    yield openOnce(dir, row.plan(), expectedBigMessages(), timeoutNanos);
                }
                case FRESH -> OpenOnce.inFreshJvm(dir, row.plan(), expectedBigMessages(), null, timeoutNanos);
                case FRESH_AOT -> aotCache == null ? OpenSample.failed("no AOT cache: " + aotFailure)
                        : OpenOnce.inFreshJvm(dir, row.plan(), expectedBigMessages(), aotCache, timeoutNanos);
            };
        } finally {
            StoreFiles.deleteTree(dir, work);
        }
        String changed = StoreFiles.Snapshot.take(big.dir()).changedSince(before);
        if (changed != null) {
            throw new IOException("an open changed the cached store: " + changed);
        }
        return sample;
    }

    long expectedBigMessages() {
        return big.workload().totalMessages();
    }

    /** A new store for one open: the cached big streams (blocks linked) in {@code state}, plus SMALL. */
    private Path copy(State state, String name) throws IOException {
        Path dir = work.resolve(name);
        StoreFiles.deleteTree(dir, work);
        StoreFiles.linkCopy(state == State.INTACT ? big.store() : big.rebuild(), dir, false);
        Path from = work.resolve("small-template").resolve("jetstream").resolve(JetStartStore.DEFAULT_ACCOUNT).resolve("streams").resolve(SMALL);
        Path to = dir.resolve("jetstream").resolve(big.workload().spec().account()).resolve("streams").resolve(SMALL);
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return dir;
    }

    /** One open in this JVM: {@link OpenOnce} runs the same in a fresh one. */
    static OpenSample openOnce(Path storeDir, Plan plan, long expectedBig, long timeoutNanos) throws IOException, InterruptedException {
        byte[] payload = InProcessPublish.payload(100);
        long t0 = System.nanoTime();
        try (JetStartStore store = JetStart.open(storeDir, plan.options())) {
            JetStartStream small = store.stream(SMALL).await(java.time.Duration.ofNanos(timeoutNanos));
            long served = System.nanoTime() - t0;
            small.publish("small", Headers.EMPTY, payload);
            long smallAck = System.nanoTime() - t0;
            store.recovery().get(timeoutNanos, TimeUnit.NANOSECONDS);
            long recovered = System.nanoTime() - t0;
            long messages = store.served().stream().mapToLong(s -> s.info().messages()).sum();
            long bigMessages = messages - small.info().messages();
            String failure = bigMessages == expectedBig ? null
                    : "the big streams hold " + bigMessages + " messages, expected " + expectedBig;
            return new OpenSample(served, smallAck, recovered, messages, failure);
        } catch (ExecutionException e) {
            return OpenSample.failed("open failed: " + e.getCause());
        } catch (io.jetstart.runtime.StreamUnavailableException | io.jetstart.runtime.JetStreamApiException e) {
            return OpenSample.failed(SMALL + " not served: " + e.getMessage());
        } catch (TimeoutException e) {
            return OpenSample.failed("not ready within " + timeoutNanos / 1_000_000_000L + " s");
        }
    }
}
