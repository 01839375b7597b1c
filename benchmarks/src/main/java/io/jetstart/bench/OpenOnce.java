package io.jetstart.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The open target in a fresh JVM, as an application opens its store at start-up (cold classes and
 * JIT):
 * <ul>
 *   <li>{@code OpenOnce open STORE_DIR PLAN EXPECTED_BIG_MESSAGES TIMEOUT_SECONDS}: one timed open
 *       ({@link OpenBench#openOnce}); prints one {@link ChildLine#RESULT} line with {@code served_ns}, {@code small_ns},
 *       {@code recovery_ns}, {@code messages} and, when it failed, {@code failure};</li>
 *   <li>{@code OpenOnce train INTACT_DIR REBUILD_DIR TIMEOUT_SECONDS}: opens both stores one after
 *       the other with the defaults, then both again with {@code SMALL} named first, publishing to
 *       {@code SMALL} in each, untimed: what an application's AOT training run does (started with
 *       {@code -XX:AOTCacheOutput}).</li>
 * </ul>
 */
public final class OpenOnce {
    private OpenOnce() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 5 && args[0].equals("open")) {
            OpenBench.OpenSample s = OpenBench.openOnce(Path.of(args[1]), OpenBench.Plan.valueOf(args[2]), Long.parseLong(args[3]),
                    Long.parseLong(args[4]) * 1_000_000_000L);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("served_ns", s.smallServedNanos());
            fields.put("small_ns", s.smallAckNanos());
            fields.put("recovery_ns", s.recoveryNanos());
            fields.put("messages", s.messages());
            if (!s.ok()) {
                fields.put("failure", s.failure().replaceAll("\\s+", "_"));
            }
            System.out.println(ChildLine.format(ChildLine.RESULT, fields));
        } else if (args.length == 4 && args[0].equals("train")) {
            long timeout = Long.parseLong(args[3]) * 1_000_000_000L;
            // Each store with the defaults, then again with SMALL named first: an application that
            // names its first streams trains that start (NamedFirstStart's classes). A class the cache
            // lacks is read from the jar, and the first such read opens the jar: 30-40 ms of the
            // named row's first stream in a fresh JVM (docs/benchmarks-passes.md, "Per-stream readiness",
            // fifth pass). The second open of a store finds the index.db the first one wrote: the
            // classes are what is trained, not the state.
            for (OpenBench.Plan plan : List.of(OpenBench.Plan.DEFAULT, OpenBench.Plan.NAMED)) {
                for (String dir : List.of(args[1], args[2])) {
                    OpenBench.OpenSample s = OpenBench.openOnce(Path.of(dir), plan, -1, timeout);
                    if (s.smallAckNanos() < 0) {
                        System.out.println(ChildLine.format(ChildLine.RESULT, Map.of("failure", s.failure().replaceAll("\\s+", "_"))));
                        System.exit(0);
                    }
                }
            }
            System.out.println(ChildLine.format(ChildLine.RESULT, Map.of("trained", 1)));
        } else {
            System.err.println("usage: OpenOnce open STORE_DIR PLAN EXPECTED_BIG_MESSAGES TIMEOUT_SECONDS"
                    + " | OpenOnce train INTACT_DIR REBUILD_DIR TIMEOUT_SECONDS");
            System.exit(64);
        }
        System.out.flush();
        System.exit(0);
    }

    /** Runs one timed open in a fresh JVM with the options {@code ./jetstart} uses (and the AOT cache, if given). */
    static OpenBench.OpenSample inFreshJvm(Path storeDir, OpenBench.Plan plan, long expectedBig, Path aotCache, long timeoutNanos)
            throws IOException, InterruptedException {
        List<String> extra = new ArrayList<>();
        if (aotCache != null) {
            // AOTMode=on: a cache the JVM cannot use is an error, not a silent run without it.
            extra.add("-XX:AOTMode=on");
            extra.add("-XX:AOTCache=" + aotCache);
        }
        ChildLine c = runChild(storeDir, extra, List.of("open", storeDir.toString(), plan.name(), Long.toString(expectedBig),
                Long.toString(Math.max(1, timeoutNanos / 1_000_000_000L))), timeoutNanos);
        if (c == null) {
            return OpenBench.OpenSample.failed("the fresh JVM gave no result");
        }
        String failure = c.field("failure");
        return new OpenBench.OpenSample(c.longField("served_ns"), c.longField("small_ns"), c.longField("recovery_ns"), c.longField("messages"),
                failure.isEmpty() ? null : failure);
    }

    /**
     * Trains {@code cacheFile}: one JVM with {@code -XX:AOTCacheOutput} opens both stores.
     *
     * @return null when the cache was written, else why not
     */
    static String train(Path intact, Path rebuild, Path cacheFile, long timeoutNanos) throws IOException, InterruptedException {
        Files.deleteIfExists(cacheFile);
        ChildLine c = runChild(intact, List.of("-XX:AOTCacheOutput=" + cacheFile, "-Xlog:aot=error", "-Xlog:cds=error"),
                List.of("train", intact.toString(), rebuild.toString(), Long.toString(Math.max(1, timeoutNanos / 1_000_000_000L))),
                timeoutNanos);
        if (c == null) {
            return "the training JVM gave no result";
        }
        if (!c.field("failure").isEmpty()) {
            return c.field("failure");
        }
        return Files.isRegularFile(cacheFile) ? null : "the JVM wrote no " + cacheFile;
    }

    private static ChildLine runChild(Path storeDir, List<String> jvmExtra, List<String> args, long timeoutNanos)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JetstartRunner.baseOptions(storeDir, List.of()));
        cmd.addAll(jvmExtra);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), OpenOnce.class.getName()));
        cmd.addAll(args);
        try (ProcessLines p = ProcessLines.start(cmd)) {
            long deadline = p.startNanos() + 2 * timeoutNanos + 30_000_000_000L;
            for (ProcessLines.Line l = p.next(deadline); ; l = p.next(deadline)) {
                if (l == null || l.line() == null) {
                    System.err.println("bench publish: a fresh JVM gave no result; last output: " + p.tail());
                    return null;
                }
                ChildLine c = ChildLine.parse(l.line());
                if (c != null && c.tag().equals(ChildLine.RESULT)) {
                    // Let it exit by itself: a training JVM writes its AOT cache as it exits, and
                    // an open's copy is deleted next.
                    p.process().waitFor(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                    return c;
                }
            }
        }
    }
}
