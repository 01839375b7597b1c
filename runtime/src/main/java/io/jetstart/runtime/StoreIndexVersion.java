package io.jetstart.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The {@code index.db} version of a stream that has none of its own ({@link IndexVersions#ofStore}),
 * as the store was at open: made on the warm-up's thread after its work ({@link #run}), or by the
 * first caller that needs it first ({@link #get}). Not on the open's way: it reads a stream's
 * {@code index.db} header (0.45 ms in a warm JVM, a few in a fresh one; in an encrypted store it
 * opens the seal of the smallest one) and a stream with its own needs none. Nothing changes the answer before it is made: a served stream writes its index.db in
 * its own version or in this one (made first), and a stream is deleted only after it is made.
 */
final class StoreIndexVersion implements Runnable {
    private final FutureTask<Integer> version;

    StoreIndexVersion(RuntimeOptions options, Path storeDir) {
        this.version = new FutureTask<>(new Read(options, storeDir));
    }

    /** Makes it unless it is made or being made. */
    @Override
    public void run() {
        version.run();
    }

    /** The version, made here when the warm-up has not made it yet. */
    int get() throws InterruptedException, IOException {
        version.run();
        try {
            return version.get();
        } catch (ExecutionException e) {
            throw new IOException("cannot tell the store's index.db version: " + e.getCause(), e.getCause());
        }
    }

    /** The options' version, else the store's own (a named class: it is made on the opening thread, package-info). */
    private static final class Read implements Callable<Integer> {
        private final RuntimeOptions options;
        private final Path storeDir;

        Read(RuntimeOptions options, Path storeDir) {
            this.options = options;
            this.storeDir = storeDir;
        }

        @Override
        public Integer call() throws IOException {
            return options.indexVersion() != 0 ? options.indexVersion() : IndexVersions.ofStore(storeDir, options.key());
        }
    }
}
