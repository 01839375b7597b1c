package io.jetstart.bench;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --no-servers} and {@code --servers DIR} of the bench commands, and the folder of nats-server builds they mean. */
final class ServersOption {
    @Option(names = "--no-servers", description = "Do not start nats-server")
    boolean none;

    @Option(names = "--servers", paramLabel = "DIR",
            description = "Folder of nats-server-<version> binaries (default: $JETSTART_NATS_SERVERS, else <repo>/.cache/nats-servers/bin)")
    Path dir;

    /**
     * {@code --servers} when given, else {@code $JETSTART_NATS_SERVERS}, else
     * {@code <repo>/.cache/nats-servers/bin}; null with {@code --no-servers}.
     */
    Path folder(Path repo) {
        if (none) {
            return null;
        }
        if (dir != null) {
            return dir;
        }
        String env = System.getenv("JETSTART_NATS_SERVERS");
        return env != null && !env.isBlank() ? Path.of(env) : repo.resolve(".cache/nats-servers/bin");
    }
}
