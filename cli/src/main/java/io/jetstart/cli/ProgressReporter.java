package io.jetstart.cli;

import io.jetstart.recovery.Progress;
import io.jetstart.recovery.Readiness;
import io.jetstart.recovery.RecoveryEvent;
import io.jetstart.recovery.RecoveryListener;
import io.jetstart.recovery.RecoveryProgress;
import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The live progress line of {@code recover} and {@code demo} on stderr: streams done/total, bytes
 * done/total, rate, ETA and the stream running longest.
 *
 * <p>On a terminal one line is rewritten in place ({@code \r}) at most five times a second; when
 * the process is not on a terminal (output redirected to a file or a pipe), a plain line is
 * printed every five seconds instead, so a log collector gets a heartbeat, not a stream of
 * carriage returns. A ticker thread draws it, not the
 * event reporter, so the line keeps moving (its elapsed times grow) even when no event arrives:
 * that is exactly when an operator needs to see it.
 *
 * <p>Design note: log lines go to stderr too. The log listener is wrapped so that, under one
 * console lock, the progress line is erased before each log line and drawn again below it (at
 * most five times a second; the ticker catches up within 200 ms). Log lines scroll by above the
 * line and never share a row with it. Only a log line written outside the listener (the event
 * pump's warning that a listener threw) could still land on the line's row.
 */
final class ProgressReporter implements AutoCloseable {
    static final long TERMINAL_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    static final long PLAIN_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final RecoveryProgress progress;
    private final PrintWriter err;
    private final boolean terminal;
    private final long period;
    private final int width;
    private final ReentrantLock console = new ReentrantLock();
    private final Thread ticker;
    private volatile boolean stopped;
    private int shown; // characters of the progress line on screen; guarded by console
    private long lastDrawNanos; // guarded by console

    ProgressReporter(RecoveryProgress progress, PrintWriter err, boolean terminal) {
        this(progress, err, terminal, terminal ? TERMINAL_PERIOD_NANOS : PLAIN_PERIOD_NANOS);
    }

    /** With another period between two lines (tests). */
    ProgressReporter(RecoveryProgress progress, PrintWriter err, boolean terminal, long periodNanos) {
        this.progress = progress;
        this.err = err;
        this.terminal = terminal;
        this.period = periodNanos;
        this.width = columns();
        this.ticker = Thread.ofPlatform().daemon().name("jetstart-progress").start(new Ticker());
    }

    /**
     * True when the process talks to a terminal. On JDK 22+ {@code System.console()} may return a
     * console for redirected streams too, so its {@code isTerminal()} is asked when it exists.
     */
    static boolean onTerminal() {
        Object console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) console.getClass().getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return true;
        }
    }

    /** {@code logging}, with the progress line erased before each event it may log. */
    RecoveryListener around(RecoveryListener logging) {
        return new ErasingFirst(logging);
    }

    // Named classes, not a lambda and a method reference: made before every logged recovery, where
    // a fresh JVM would spin a class for each at run time (docs/benchmarks-passes.md, "./jetstart
    // recover's own start").

    /** The log listener, with the progress line erased before each event it may log. */
    private final class ErasingFirst implements RecoveryListener {
        private final RecoveryListener logging;

        ErasingFirst(RecoveryListener logging) {
            this.logging = logging;
        }

        @Override
        public void onEvent(RecoveryEvent e) {
            if (e instanceof RecoveryEvent.BlockScanned || e instanceof RecoveryEvent.ConsumerRestored) {
                logging.onEvent(e); // never logged: no need to erase anything
                return;
            }
            console.lock();
            try {
                erase();
                logging.onEvent(e);
                if (terminal && System.nanoTime() - lastDrawNanos >= period) {
                    draw();
                }
            } finally {
                console.unlock();
            }
        }
    }

    /** The ticker thread's loop. */
    private final class Ticker implements Runnable {
        @Override
        public void run() {
            tickLoop();
        }
    }

    private void tickLoop() {
        while (!stopped) {
            LockSupport.parkNanos(period);
            if (!stopped) {
                tick();
            }
        }
    }

    private void tick() {
        console.lock();
        try {
            if (terminal) {
                draw();
            } else {
                String line = currentLine();
                if (line != null) {
                    err.println("jetstart: " + line);
                    err.flush();
                }
            }
        } finally {
            console.unlock();
        }
    }

    /** The line for a recovery in progress, or null when none is (not started yet, or finished). */
    private String currentLine() {
        if (!(progress.state() instanceof Readiness.Starting s) || s.progress() == Progress.NOT_STARTED) {
            return null;
        }
        return ProgressLine.of(s.progress());
    }

    /** Rewrites the line in place; caller holds the console lock. */
    private void draw() {
        String line = currentLine();
        if (line == null) {
            erase();
            return;
        }
        if (line.length() > width - 1) {
            line = line.substring(0, width - 1); // a wrapped line cannot be rewritten with \r
        }
        err.print("\r" + line + " ".repeat(Math.max(0, shown - line.length())));
        err.flush();
        shown = line.length();
        lastDrawNanos = System.nanoTime();
    }

    /** Caller holds the console lock. */
    private void erase() {
        if (shown > 0) {
            err.print("\r" + " ".repeat(shown) + "\r");
            err.flush();
            shown = 0;
        }
    }

    private static int columns() {
        try {
            String c = System.getenv("COLUMNS");
            int n = c == null ? 0 : Integer.parseInt(c.trim());
            return n >= 20 ? n : 80;
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    /** Stops the ticker and erases the line. */
    @Override
    public void close() {
        stopped = true;
        LockSupport.unpark(ticker);
        boolean interrupted = false;
        while (ticker.isAlive()) {
            try {
                ticker.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        console.lock();
        try {
            erase();
        } finally {
            console.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
