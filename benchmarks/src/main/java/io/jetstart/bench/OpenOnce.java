package io.jetstart.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One timed open of the open target's store in a fresh JVM, as an application opens its store at
 * start-up (cold classes and JIT): {@code OpenOnce <storeDir> <streams> <messages> <size> <timeoutSeconds>}
 * prints one {@link ChildLine#RESULT} line with {@code small_ns}, {@code recovery_ns},
 * {@code messages} and, when it failed, {@code failure}.
 */
public final class OpenOnce {
    private OpenOnce() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: OpenOnce STORE_DIR STREAMS MESSAGES SIZE TIMEOUT_SECONDS");
            System.exit(64);
        }
        OpenBench bench = new OpenBench(Path.of(args[0]), Integer.parseInt(args[1]), Long.parseLong(args[2]), Integer.parseInt(args[3]));
        OpenBench.OpenSample s = bench.runOnce(Long.parseLong(args[4]) * 1_000_000_000L);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("small_ns", s.smallAckNanos());
        fields.put("recovery_ns", s.recoveryNanos());
        fields.put("messages", s.messages());
        if (!s.ok()) {
            fields.put("failure", s.failure().replaceAll("\\s+", "_"));
        }
        System.out.println(ChildLine.format(ChildLine.RESULT, fields));
        System.out.flush();
        System.exit(0);
    }

    /** Runs {@link #main} in a fresh JVM with the options {@code ./jetstart} uses, and reads its result. */
    static OpenBench.OpenSample inFreshJvm(Path storeDir, OpenBench bench, long timeoutNanos)
            throws java.io.IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JetstartRunner.baseOptions(storeDir, List.of()));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), OpenOnce.class.getName(), storeDir.toString(),
                Integer.toString(bench.spec().streams()), Long.toString(bench.spec().messages()), Integer.toString(bench.spec().payload()),
                Long.toString(Math.max(1, timeoutNanos / 1_000_000_000L))));
        try (ProcessLines p = ProcessLines.start(cmd)) {
            long deadline = p.startNanos() + timeoutNanos + 30_000_000_000L;
            for (ProcessLines.Line l = p.next(deadline); ; l = p.next(deadline)) {
                if (l == null || l.line() == null) {
                    return new OpenBench.OpenSample(-1, -1, 0, "the fresh JVM gave no result; last output: " + p.tail());
                }
                ChildLine c = ChildLine.parse(l.line());
                if (c != null && c.tag().equals(ChildLine.RESULT)) {
                    String failure = c.field("failure");
                    return new OpenBench.OpenSample(c.longField("small_ns"), c.longField("recovery_ns"), c.longField("messages"),
                            failure.isEmpty() ? null : failure);
                }
            }
        }
    }
}
