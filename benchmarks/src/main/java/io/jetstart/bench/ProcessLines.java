package io.jetstart.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A started process whose output (stdout and stderr merged) is read line by line on its own
 * thread, each line stamped with {@link System#nanoTime()} the moment it was read, so the timed
 * region ends when the line arrived, not when the bench got round to looking at it. Only the
 * thread that started it calls {@link #next} and {@link #tail}.
 */
final class ProcessLines implements AutoCloseable {
    /** A line and when it arrived; {@code line == null} marks the end of the output. */
    record Line(long nanos, String line) {
    }

    private static final int TAIL = 40;

    private final Process process;
    private final long startNanos;
    private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
    private final Deque<String> tail = new ArrayDeque<>();
    private final Thread reader;

    private ProcessLines(Process process, long startNanos) {
        this.process = process;
        this.startNanos = startNanos;
        this.reader = Thread.ofPlatform().daemon().name("bench-output-" + process.pid()).start(this::pump);
    }

    /** Starts {@code command}; the clock starts just before the exec. */
    static ProcessLines start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        long t0 = System.nanoTime();
        Process p = pb.start();
        return new ProcessLines(p, t0);
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                lines.add(new Line(System.nanoTime(), l));
            }
        } catch (IOException e) {
            lines.add(new Line(System.nanoTime(), "bench: output unreadable: " + e.getMessage()));
        }
        lines.add(new Line(System.nanoTime(), null));
    }

    long startNanos() {
        return startNanos;
    }

    Process process() {
        return process;
    }

    /** The next line, or null when none came before {@code deadlineNanos}; {@code Line.line()} null at the end. */
    Line next(long deadlineNanos) throws InterruptedException {
        long wait = deadlineNanos - System.nanoTime();
        Line l = wait <= 0 ? lines.poll() : lines.poll(wait, TimeUnit.NANOSECONDS);
        if (l != null && l.line() != null) {
            tail.addLast(l.line());
            if (tail.size() > TAIL) {
                tail.removeFirst();
            }
        }
        return l;
    }

    /** The last lines seen, for error messages. */
    String tail() {
        return String.join("\n", tail);
    }

    /** SIGTERM, then SIGKILL after {@code graceMillis}; waits for the exit and the reader. */
    void stop(long graceMillis) throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        reader.join(5_000);
    }

    @Override
    public void close() throws InterruptedException {
        stop(10_000);
    }
}
