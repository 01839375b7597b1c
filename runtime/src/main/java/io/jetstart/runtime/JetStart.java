package io.jetstart.runtime;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Entry point of the embedded runtime:
 *
 * <pre>{@code
 * try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
 *     JetStartStream orders = store.stream("ORDERS").await(Duration.ofSeconds(30));
 *     PublishAck ack = orders.publish("orders.new", payload);
 * }
 * }</pre>
 */
public final class JetStart {
    private JetStart() {
    }

    /**
     * Locks the store and returns at once; recovery runs behind the returned store, and each
     * stream is served as soon as its own recovery finishes.
     *
     * @param storeDir an existing directory: nats-server's {@code store_dir} (or its {@code jetstream}
     *                 folder); an empty one becomes a new store ({@code jetstream/$G/streams/})
     * @throws StoreLockedException when another runtime has the store open
     * @throws IOException          when {@code storeDir} does not exist or is not a directory (named)
     */
    public static JetStartStore open(Path storeDir, RuntimeOptions options) throws IOException {
        java.util.Objects.requireNonNull(storeDir, "storeDir");
        java.util.Objects.requireNonNull(options, "options (RuntimeOptions.defaults() for the defaults)");
        JetStartStore s = new JetStartStore(storeDir, options);
        s.start();
        return s;
    }

    /**
     * Refuses an account name no store can hold, as {@link JetStartStore#createStream} and
     * {@link JetStartStore#stream(String, String)} do: empty, {@code .} or {@code ..}, a path
     * separator, whitespace or NUL (an account is a folder under {@code jetstream/}). For a caller
     * that checks its arguments before it opens a store.
     *
     * @throws IllegalArgumentException {@code invalid account name '<account>'}
     */
    public static void checkAccount(String account) {
        StreamNames.checkAccount(account);
    }
}
