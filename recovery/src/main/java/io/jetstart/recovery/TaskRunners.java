package io.jetstart.recovery;

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
        try {
            TaskRunner r = (TaskRunner) Class.forName(STRUCTURED).getDeclaredConstructor().newInstance();
            LOG.debug("Using StructuredTaskScope (JDK {} preview)", Runtime.version().feature());
            return r;
        } catch (UnsupportedClassVersionError e) {
            LOG.info("StructuredTaskScope unavailable (JDK {} without --enable-preview); using the virtual-thread fallback runner",
                    Runtime.version().feature());
        } catch (LinkageError | ReflectiveOperationException | ClassCastException e) {
            LOG.info("StructuredTaskScope unavailable ({}); using the virtual-thread fallback runner", e.toString());
        }
        return new VirtualThreadRunner();
    }

    public static TaskRunner sequential() {
        return new SequentialRunner();
    }
}
