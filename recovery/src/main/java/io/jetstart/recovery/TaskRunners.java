package io.jetstart.recovery;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the task runner at run time: structured concurrency when the JVM allows it. */
public final class TaskRunners {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRunners.class);
    static final String STRUCTURED = "io.jetstart.recovery.structured.StructuredTaskRunner";

    private TaskRunners() {
    }

    /** The runner for a parallel recovery; says once, at the start of each recovery, which it is and why. */
    public static TaskRunner parallel(boolean preferPreview) {
        if (!preferPreview) {
            // Asked for: not worth a line of its own (and `recover --quiet --no-preview` printed it).
            // The runner is named in the recovery's first log line and in its report.
            LOG.debug("Using the virtual-thread fallback runner (structured concurrency disabled by option)");
            return new VirtualThreadRunner();
        }
        return switch (loadStructured()) {
            case Loaded.Structured(TaskRunner r) -> {
                LOG.debug("Using StructuredTaskScope (JDK {} preview)", Runtime.version().feature());
                yield r;
            }
            case Loaded.Unavailable(String reason) -> {
                LOG.info("StructuredTaskScope unavailable ({}); using the virtual-thread fallback runner", reason);
                yield new VirtualThreadRunner();
            }
        };
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
