package io.jetstart.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@link RecoverOnce} in a fresh JVM (the same java and class path as the bench, with
 * the options {@code ./jetstart} would use, plus the caller's JVM options) and turns
 * its output into a {@link Sample}.
 */
final class JetstartRunner {
    private final List<String> jvmOptions;
    private final long timeoutNanos;

    JetstartRunner(List<String> jvmOptions, long timeoutNanos) {
        this.jvmOptions = List.copyOf(jvmOptions);
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * The AOT caches the bench trained (either may be null: not asked for, or its training failed).
     *
     * @param workload trained on the workload's own stores ({@link Variant.Aot#WORKLOAD})
     * @param launcher trained as {@code ./jetstart} trains its own ({@link Variant.Aot#LAUNCHER})
     */
    record AotCaches(Path workload, Path launcher) {
        static final AotCaches NONE = new AotCaches(null, null);

        Path forVariant(Variant.Aot aot) {
            return switch (aot) {
                case NONE -> null;
                case WORKLOAD -> workload;
                case LAUNCHER -> launcher;
            };
        }
    }

    Sample recover(Path storeDir, Variant.Recover v, AotCaches caches) throws IOException, InterruptedException {
        List<String> extra = new ArrayList<>();
        if (v.aot() != Variant.Aot.NONE) {
            Path aotCache = caches.forVariant(v.aot());
            if (aotCache == null) {
                return Sample.failed(0, "no AOT cache was made (the training run failed)");
            }
            // AOTMode=on: a cache the JVM cannot use is an error, not a silent run without it (the
            // launcher leaves the mode on auto; a row that said "AOT cache" and ran without one
            // would measure the wrong thing).
            extra.add("-XX:AOTMode=on");
            extra.add("-XX:AOTCache=" + aotCache);
        }
        if (v.scalarChecksum()) {
            extra.add("-Djetstart.hash=scalar");
        }
        if (v.jit().option != null) {
            extra.add(v.jit().option);
        }
        return run(extra, "recover", storeDir, v.childArg());
    }

    Sample floor(Path storeDir, Variant.Floor v) throws IOException, InterruptedException {
        return run(List.of(), "floor", storeDir, v.childArg());
    }

    /**
     * Runs {@code RecoverOnce train} once with {@code -XX:AOTCacheOutput}: the JVM recovers the
     * fast-path store, then the rebuild store, and records what it loads, links and profiles on
     * both paths; it writes the cache as it exits (JDK 25, JEP 514/515).
     *
     * @return null when the cache was written, else why not
     */
    String trainAotCache(Path storeDir, Path rebuildDir, Path cacheFile) throws IOException, InterruptedException {
        java.nio.file.Files.deleteIfExists(cacheFile);
        Sample s = run(List.of("-XX:AOTCacheOutput=" + cacheFile, "-Xlog:aot=error", "-Xlog:cds=error"), "train", storeDir,
                rebuildDir.toString());
        if (!s.ok()) {
            return s.failure();
        }
        return java.nio.file.Files.isRegularFile(cacheFile) ? null : "the JVM wrote no " + cacheFile;
    }

    /**
     * Trains an AOT cache as the launcher trains {@code cli/target/jetstart.aot} for a recovery of
     * {@code storeDir}: one JVM with the options the launcher trains with (its {@code bin/jvm.args},
     * plus {@code bin/vector.args} where it would add them for {@code storeDir}; never the C1-only
     * options, which the launcher adds only to the run that uses the cache) runs
     * {@code RecoverOnce train-small} in {@code workDir}: the small store of the CLI's hidden
     * {@code warmup} command, recovered with {@code index.db} and again without.
     *
     * @return null when the cache was written, else why not
     */
    String trainLauncherAotCache(Path storeDir, Path workDir, Path cacheFile) throws IOException, InterruptedException {
        java.nio.file.Files.deleteIfExists(cacheFile);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String o : baseOptions(storeDir, jvmOptions)) {
            if (!o.endsWith("quick-jit.args")) {
                cmd.add(o);
            }
        }
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-XX:AOTCacheOutput=" + cacheFile, "-Xlog:aot=error", "-Xlog:cds=error", "-cp",
                System.getProperty("java.class.path"), RecoverOnce.class.getName(), "train-small", workDir.toString(), "-"));
        Sample s = run(cmd);
        if (!s.ok()) {
            return s.failure();
        }
        return java.nio.file.Files.isRegularFile(cacheFile) ? null : "the JVM wrote no " + cacheFile;
    }

    /**
     * The options {@code ./jetstart recover storeDir} would start its JVM with, given the JVM
     * options {@code jvmOptions}: {@code @bin/jvm.args} of the repository the launcher names
     * ({@code -Djetstart.repo}), and {@code @bin/vector.args} or {@code @bin/quick-jit.args} where
     * the launcher's own rule ({@code bin/vector.sh}, asked here rather than restated) adds the
     * vector checksum's module or chooses C1 only; without the repository's files only
     * {@code --enable-preview}.
     */
    static List<String> baseOptions(Path storeDir, List<String> jvmOptions) throws IOException, InterruptedException {
        Path bin = Path.of(System.getProperty("jetstart.repo", "."), "bin").toAbsolutePath().normalize();
        Path args = bin.resolve("jvm.args");
        if (!java.nio.file.Files.isRegularFile(args)) {
            return List.of("--enable-preview");
        }
        List<String> options = new ArrayList<>(List.of("@" + args));
        Path rule = bin.resolve("vector.sh");
        if (java.nio.file.Files.isRegularFile(rule)) {
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", ". \"$1\" && jetstart_jit_choice recover \"$2\"", "jit-rule",
                    rule.toString(), storeDir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("JETSTART_JAVA_OPTS", String.join(" ", jvmOptions));
            pb.environment().remove("JETSTART_VECTOR");
            pb.environment().remove("JETSTART_QUICK_JIT");
            Process p = pb.start();
            String choice = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
            if (p.waitFor() == 0) {
                switch (choice) {
                    case "vector" -> options.add("@" + bin.resolve("vector.args"));
                    case "quick" -> options.add("@" + bin.resolve("quick-jit.args"));
                    default -> {
                    }
                }
            }
        }
        return options;
    }

    List<String> command(List<String> extra, String action, Path storeDir, String arg) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> given = new ArrayList<>(jvmOptions);
        given.addAll(extra);
        cmd.addAll(baseOptions(storeDir, given));
        cmd.addAll(jvmOptions);
        cmd.addAll(extra);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(RecoverOnce.class.getName());
        cmd.add(action);
        cmd.add(storeDir.toString());
        cmd.add(arg);
        return cmd;
    }

    private Sample run(List<String> extra, String action, Path storeDir, String arg) throws IOException, InterruptedException {
        return run(command(extra, action, storeDir, arg));
    }

    private Sample run(List<String> command) throws IOException, InterruptedException {
        try (ProcessLines p = ProcessLines.start(command)) {
            long deadline = p.startNanos() + timeoutNanos;
            ChildLine result = null;
            long resultAt = -1;
            ChildLine memory = null;
            for (ProcessLines.Line l = p.next(deadline); ; l = p.next(deadline)) {
                if (l == null) {
                    return Sample.failed(System.nanoTime() - p.startNanos(), "no result within "
                            + timeoutNanos / 1_000_000_000L + " s; last output:\n" + p.tail());
                }
                if (l.line() == null) {
                    break;
                }
                ChildLine c = ChildLine.parse(l.line());
                if (c != null && c.tag().equals(ChildLine.RESULT) && result == null) {
                    result = c;
                    resultAt = l.nanos();
                } else if (c != null && c.tag().equals(ChildLine.MEMORY)) {
                    memory = c;
                }
            }
            int status = p.process().waitFor();
            if (result == null) {
                return Sample.failed(System.nanoTime() - p.startNanos(), "exit status " + status + " without a result; last output:\n"
                        + p.tail());
            }
            String failure = null;
            if (status != 0 || !result.field("ok").equals("true")) {
                failure = "exit status " + status + ", " + result.fields() + "; last output:\n" + p.tail();
            }
            return new Sample(resultAt - p.startNanos(), result.longField("wall_ns"),
                    memory == null ? -1 : memory.longField("heap_peak", -1), memory == null ? -1 : memory.longField("rss_peak", -1),
                    result.longField("cpu_ns", -1), result.longField("messages", -1), (int) result.longField("workers", -1), failure);
        }
    }
}
