package io.jetstart.bench;

import io.jetstart.recovery.Outcome;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The measured program: one fresh JVM per run, so every jetstart number includes a cold JIT and
 * its own peak heap and RSS, as a real start-up would.
 *
 * <pre>
 *   RecoverOnce recover STORE_DIR parallel|workers&lt;N&gt;|sequential[-warm]   (-warm: 3 untimed recoveries first)
 *   RecoverOnce floor   STORE_DIR default|THREADS      (default: the parallel run's worker count)
 *   RecoverOnce train   STORE_DIR REBUILD_DIR          (both, parallel: what an AOT cache should learn)
 *   RecoverOnce train-small WORK_DIR -                 (as the launcher's warmup: a small store, both paths)
 * </pre>
 *
 * Prints a {@link ChildLine#RESULT} line as soon as the work is done, then a
 * {@link ChildLine#MEMORY} line. Exit status 0 when every stream came back, 2 otherwise, 64 on
 * wrong arguments.
 */
public final class RecoverOnce {
    private static final String WARM = "-warm";
    private static final int WARM_ROUNDS = 3;

    private RecoverOnce() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: RecoverOnce recover|floor|train|train-small STORE_DIR|WORK_DIR VARIANT|REBUILD_DIR|-");
            System.exit(64);
        }
        Path dir = Path.of(args[1]);
        int status = switch (args[0]) {
            case "recover" -> recover(dir, args[2]);
            case "floor" -> floor(dir, args[2]);
            case "train" -> {
                // Each path's classes and profiles (the fast path reads index.db, the rebuild
                // hashes every record); the result line reports the rebuild.
                StoreRecovery.recover(dir, options("parallel"));
                yield recover(Path.of(args[2]), "parallel");
            }
            case "train-small" -> trainSmall(dir);
            default -> {
                System.err.println("RecoverOnce: unknown action " + args[0]);
                yield 64;
            }
        };
        System.exit(status);
    }

    /**
     * The recovery paths of the CLI's hidden {@code warmup} command, which trains the launcher's AOT
     * cache: the same small store (4 streams × 20,000 messages × 64 B over 100 subjects, 2 consumers
     * each) generated into {@code workDir}, walked on one thread as the warmup's {@code inspect}
     * walks it (the plain start's discovery: without it the cache lacked a class of that walk, which
     * every sequential run then read from the jar, 11-13 ms, while the launcher's cache has it),
     * recovered with {@code index.db}, then again with every {@code index.db} truncated (a rebuild);
     * then the same for its second store, 64 streams × 200 messages × 100 B, 2 consumers each. The
     * result line reports the first store's rebuild.
     */
    private static int trainSmall(Path workDir) throws Exception {
        Path store = workDir.resolve("store");
        Path rebuild = workDir.resolve("rebuild");
        WorkloadCache.generate(store, WARMUP_STORE);
        StoreFiles.linkCopy(store, rebuild, true);
        StoreRecovery.recover(store, options("sequential"));
        StoreRecovery.recover(store, options("parallel"));
        int status = recover(rebuild, "parallel");
        Path many = workDir.resolve("many");
        Path manyRebuild = workDir.resolve("many-rebuild");
        WorkloadCache.generate(many, WARMUP_MANY_STREAMS);
        StoreFiles.linkCopy(many, manyRebuild, true);
        StoreRecovery.recover(many, options("parallel"));
        StoreRecovery.recover(manyRebuild, options("parallel"));
        return status;
    }

    /** WarmupCommand's store (cli module), which the bench cannot import. */
    static final Workload WARMUP_STORE = Workload.custom(io.jetstart.core.write.GeneratorSpec.of(4, 20_000, 64).withSubjects(100)
            .withConsumers(2));
    /** WarmupCommand's second store, of many small streams (its {@code recoverManyStreams}). */
    static final Workload WARMUP_MANY_STREAMS = Workload.custom(io.jetstart.core.write.GeneratorSpec.of(64, 200, 100)
            .withConsumers(2));

    static RecoveryOptions options(String variant) {
        variant = variant.endsWith(WARM) ? variant.substring(0, variant.length() - WARM.length()) : variant;
        RecoveryOptions o = RecoveryOptions.defaults();
        if (variant.startsWith("workers") && variant.length() > "workers".length()) {
            return o.withWorkers(Integer.parseInt(variant.substring("workers".length())));
        }
        return switch (variant) {
            case "parallel" -> o;
            case "sequential" -> o.withMode(RecoveryOptions.Mode.SEQUENTIAL);
            default -> throw new IllegalArgumentException("unknown recovery variant " + variant);
        };
    }

    private static int recover(Path dir, String variant) throws Exception {
        RecoveryOptions options = options(variant);
        if (variant.endsWith(WARM)) {
            // A service's JIT state: the same recovery three times, untimed, before the timed one.
            for (int i = 0; i < WARM_ROUNDS; i++) {
                StoreRecovery.recover(dir, options);
            }
        }
        ProcessMemory.resetPeaks();
        RecoveryReport r = StoreRecovery.recover(dir, options);
        long cpu = ProcessCpu.selfNanos();
        Map<Outcome, Integer> counts = r.counts();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("kind", "recover");
        f.put("wall_ns", r.wallNanos());
        f.put("cpu_ns", cpu);
        f.put("messages", r.messages());
        f.put("bytes", r.bytes());
        f.put("streams", r.streams().size());
        f.put("recovered", counts.get(Outcome.RECOVERED));
        f.put("rebuilt", counts.get(Outcome.REBUILT));
        f.put("failed", counts.get(Outcome.FAILED) + counts.get(Outcome.CANCELLED));
        f.put("workers", r.workers());
        f.put("runner", r.runner());
        f.put("ok", r.allRecovered());
        System.out.println(ChildLine.format(ChildLine.RESULT, f));
        System.out.flush();
        printMemory();
        if (!r.allRecovered()) {
            r.streams().stream().filter(s -> !s.problems().isEmpty()).limit(3)
                    .forEach(s -> System.err.println(s.account() + " > " + s.name() + ": " + s.outcome() + " " + s.problems()));
        }
        return r.allRecovered() ? 0 : 2;
    }

    private static int floor(Path dir, String threadsArg) throws Exception {
        int threads = threadsArg.equals("default") ? RecoveryOptions.defaultWorkers() : Integer.parseInt(threadsArg);
        List<Path> files = RawReadFloor.blockFiles(dir);
        ProcessMemory.resetPeaks();
        RawReadFloor.Result r = RawReadFloor.read(files, threads);
        long cpu = ProcessCpu.selfNanos();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("kind", "floor");
        f.put("wall_ns", r.nanos());
        f.put("cpu_ns", cpu);
        f.put("bytes", r.bytes());
        f.put("files", r.files());
        f.put("workers", r.threads());
        f.put("ok", true);
        System.out.println(ChildLine.format(ChildLine.RESULT, f));
        System.out.flush();
        printMemory();
        return 0;
    }

    private static void printMemory() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("heap_peak", ProcessMemory.peakHeapBytes());
        m.put("rss_peak", ProcessMemory.peakRssBytes());
        m.put("heap_max", Runtime.getRuntime().maxMemory());
        System.out.println(ChildLine.format(ChildLine.MEMORY, m));
        System.out.flush();
    }
}
