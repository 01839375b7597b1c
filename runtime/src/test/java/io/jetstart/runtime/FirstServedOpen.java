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
            store.stream("SMALL").await(Duration.ofSeconds(30));
            Served.mark();
            store.recovery().get();
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
