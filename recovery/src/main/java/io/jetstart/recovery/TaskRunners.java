package io.jetstart.recovery;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the task runner at run time: structured concurrency when the JVM allows it.
 *
 * <p>Design note: the structured runner is chosen without a log line (it is named in the run's
 * {@code RecoveryStarted} event and its report), and so without slf4j: the logger's start-up (its
 * provider lookup through the ServiceLoader) took about 20 ms of a fresh JVM's open on the
 * recovery thread, before any stream could start; the fallback's lines still log
 * (docs/benchmarks-passes.md, "Per-stream readiness", fifth pass).
 */
public final class TaskRunners {
    static final String STRUCTURED = "io.jetstart.recovery.structured.StructuredTaskRunner";

    private TaskRunners() {
    }

    /** The runner for a parallel recovery; says, at the start of each recovery, when it is the fallback and why. */
    public static TaskRunner parallel(boolean preferPreview) {
        if (!preferPreview) {
            // Asked for: not worth a line of its own (and `recover --quiet --no-preview` printed it).
            // The runner is named in the recovery's first log line and in its report.
            log().debug("Using the virtual-thread fallback runner (structured concurrency disabled by option)");
            return new VirtualThreadRunner();
        }
        // Not a pattern switch: its bootstrap is a few more milliseconds of a fresh JVM's start here.
        Loaded loaded = loadStructured();
        if (loaded instanceof Loaded.Structured(TaskRunner r)) {
            return r;
        }
        log().info("StructuredTaskScope unavailable ({}); using the virtual-thread fallback runner", ((Loaded.Unavailable) loaded).reason());
        return new VirtualThreadRunner();
    }

    private static Logger log() {
        return LoggerFactory.getLogger(TaskRunners.class);
    }

    /**
     * Why this JVM cannot use the structured runner (the same sentence the fallback's log line
     * gives), or empty when it can. Tries to load the runner's class, so call it once, not per task.
     */
    public static Optional<String> structuredUnavailableReason() {
        return loadStructured() instanceof Loaded.Unavailable(String reason) ? Optional.of(reason) : Optional.empty();
    }

    /** The structured runner, or the reason it could not be made. */
    private sealed interface Loaded {
        record Structured(TaskRunner runner) implements Loaded {
        }

        record Unavailable(String reason) implements Loaded {
        }
    }

    private static Loaded loadStructured() {
        try {
            return new Loaded.Structured((TaskRunner) Class.forName(STRUCTURED).getDeclaredConstructor().newInstance());
        } catch (LinkageError | ReflectiveOperationException | ClassCastException e) {
            return new Loaded.Unavailable(StructuredUnavailable.reason(Runtime.version().feature(),
                    !StructuredUnavailable.previewRefused(e), e));
        }
    }

    public static TaskRunner sequential() {
        return new SequentialRunner();
    }
}
