package io.jetstart.cli;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --server URL [--creds FILE]}: the live nats-server (or cluster) push and pull talk to. */
final class ServerOptions {
    @Option(names = "--server", paramLabel = "URL", required = true,
            description = "nats-server URL, e.g. nats://127.0.0.1:4222 (comma-separated for a cluster)")
    String url;

    @Option(names = "--creds", paramLabel = "FILE", description = "NATS credentials file (user JWT and NKey seed)")
    Path creds;

    /** A connection; its account on the server is the one the credentials (or the server's default) give. */
    Connection connect() throws IOException, InterruptedException {
        Options.Builder b = new Options.Builder().servers(url.split(",")).connectionTimeout(Duration.ofSeconds(5))
                .maxReconnects(0).connectionName("jetstart");
        if (creds != null) {
            b.authHandler(Nats.credentials(creds.toString()));
        }
        return Nats.connect(b.build());
    }
}
