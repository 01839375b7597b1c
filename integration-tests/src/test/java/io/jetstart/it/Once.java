package io.jetstart.it;

/**
 * A value computed on first use and shared by the dynamic tests of one container (one server
 * build); a failure is kept too, so every test that needs the value reports the same cause.
 */
final class Once<T> {

    @FunctionalInterface
    interface Computation<T> {
        T compute() throws Exception;
    }

    private final Computation<T> computation;
    private T value;
    private Throwable failure;
    private boolean done;

    Once(Computation<T> computation) {
        this.computation = computation;
    }

    T get() throws Exception {
        if (!done) {
            done = true;
            try {
                value = computation.compute();
            } catch (Exception | AssertionError e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw new IllegalStateException("setup failed: " + failure, failure);
        }
        return value;
    }
}
