package io.jetstart.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@link RecoverOnce} in a fresh JVM (the same java and class path as the bench, with
 * {@code --enable-preview} as {@code ./jetstart} uses, plus the caller's JVM options) and turns
 * its output into a {@link Sample}.
 */
final class JetstartRunner {
    private final List<String> jvmOptions;
    private final long timeoutNanos;

    JetstartRunner(List<String> jvmOptions, long timeoutNanos) {
        this.jvmOptions = List.copyOf(jvmOptions);
        this.timeoutNanos = timeoutNanos;
    }

    Sample recover(Path storeDir, Variant.Recover v) throws IOException, InterruptedException {
        return run("recover", storeDir, v.childArg());
    }

    Sample floor(Path storeDir, Variant.Floor v) throws IOException, InterruptedException {
        return run("floor", storeDir, v.childArg());
    }

    List<String> command(String action, Path storeDir, String arg) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-preview");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(RecoverOnce.class.getName());
        cmd.add(action);
        cmd.add(storeDir.toString());
        cmd.add(arg);
        return cmd;
    }

    private Sample run(String action, Path storeDir, String arg) throws IOException, InterruptedException {
        try (ProcessLines p = ProcessLines.start(command(action, storeDir, arg))) {
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
                    result.longField("messages", -1), (int) result.longField("workers", -1), failure);
        }
    }
}
