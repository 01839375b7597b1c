package io.jetstart.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * Opens a store and waits for its stream {@code SMALL}, then loads {@link Served}: run in a child
 * JVM by {@link NoBootstrapsOnServePathTest}, whose class-loading log then shows what was loaded
 * before the stream was served (everything before {@code Served}).
 */
final class FirstServedOpen {
    private FirstServedOpen() {
    }

    public static void main(String[] args) throws Exception {
        RuntimeOptions d = RuntimeOptions.defaults();
        RuntimeOptions options = args[1].equals("named")
                ? d.withRecovery(d.recovery().withSmallFirst(false)).withFirstStreams(Set.of("SMALL")) : d;
        try (JetStartStore store = JetStart.open(Path.of(args[0]), options)) {
            // Marked by the thread that serves SMALL, as it does: the main thread may wake from
            // await only after the other streams' tasks have loaded classes of their own paths.
            store.stream("SMALL").ready().thenRun(new OnServed());
            store.stream("SMALL").await(Duration.ofSeconds(30));
            store.recovery().get();
        }
    }

    /** Loads {@link Served} when it runs (a named class: a lambda here would be in the log too). */
    static final class OnServed implements Runnable {
        @Override
        public void run() {
            Served.mark();
        }
    }

    /** Loaded once {@code SMALL} is served: its line in the log is the end of the serve path. */
    static final class Served {
        private Served() {
        }

        static void mark() {
            System.out.println("served");
        }
    }
}
