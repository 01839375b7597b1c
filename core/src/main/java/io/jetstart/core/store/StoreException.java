package io.jetstart.core.store;

/** A stream (or consumer) that cannot be opened; carries the problem with file and offset. */
public final class StoreException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Problem problem;

    public StoreException(Problem problem) {
        super(problem.describe());
        this.problem = problem;
    }

    public StoreException(Problem problem, Throwable cause) {
        super(problem.describe(), cause);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
