package io.jetstart.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT), SIGTERM or SIGHUP while a recovery runs: cancel it, let the command print its
 * report (table or JSON) and write {@code --metrics-out}, then end the process with the command's
 * own exit status (3 when streams were cancelled), as docs/cli.md promises.
 *
 * <p>Design note: on such a signal the JVM runs its shutdown hooks and exits as soon as they
 * return (status 130 for SIGINT, 143 for SIGTERM), whatever the main thread is doing. A hook that
 * only cancelled the recovery therefore lost the report and the metrics file: the JVM was gone
 * before the main thread got to write them. This hook cancels, then waits (at most
 * {@link #GRACE}) until the command says everything is written, and then ends the process with
 * {@link Runtime#halt(int)}: a hook cannot change the exit status any other way, and
 * {@code System.exit} called from a hook blocks forever. {@code halt} skips the hooks still
 * running; the CLI registers none that matter (slf4j-simple writes straight to stderr, which is
 * flushed first). We chose a shutdown hook over {@code sun.misc.Signal} handlers because it is
 * public API and covers every way the JVM is asked to stop. If the command does not finish
 * within the grace period, the hook returns and the JVM exits with the signal's status.
 *
 * <p>A signal is only honoured this way while the hook is installed; outside (before discovery
 * or after {@link #close()}) the JVM's usual exit applies.
 */
final class ReportOnShutdown implements AutoCloseable {
    /** How long a signalled process waits for the cancelled run's report before exiting anyway. */
    static final Duration GRACE = Duration.ofSeconds(20);

    private final Runnable cancel;
    private final Thread hook;
    private final CountDownLatch written = new CountDownLatch(1);
    private volatile int status = Main.FAILED;

    private ReportOnShutdown(Runnable cancel) {
        this.cancel = cancel;
        this.hook = new Thread(this::onShutdown, "jetstart-cancel");
    }

    /**
     * Installs the hook.
     *
     * @param cancel what a signal does first: cancel the recovery (and stop lingering); it must
     *               make the command reach {@link #finished(int)} soon
     */
    static ReportOnShutdown install(Runnable cancel) {
        ReportOnShutdown r = new ReportOnShutdown(cancel);
        Runtime.getRuntime().addShutdownHook(r.hook);
        return r;
    }

    /**
     * The command has written its report and files (and flushed stdout): a shutdown in progress
     * may end the process now, with {@code exitStatus}.
     */
    void finished(int exitStatus) {
        status = exitStatus;
        written.countDown();
    }

    private void onShutdown() {
        cancel.run();
        try {
            if (written.await(GRACE.toNanos(), TimeUnit.NANOSECONDS)) {
                System.out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(status);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Removes the hook. When the JVM is already shutting down (the hook runs) and the command did
     * not reach {@link #finished(int)} (it failed on the way), releases the hook with status 2
     * rather than keep the process waiting for the grace period.
     */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            if (written.getCount() > 0) {
                finished(Main.FAILED);
            }
        }
    }
}
