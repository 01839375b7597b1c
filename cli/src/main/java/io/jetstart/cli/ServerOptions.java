package io.jetstart.cli;

import io.nats.client.AuthHandler;
import io.nats.client.AuthenticationException;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.file.Files;
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

    /**
     * {@link Main#USAGE} after saying why on {@code err} when {@code --server} is no NATS URL; else
     * null. Checked before any work: {@code --server bogus://x} exported the stream first and then
     * ended with "java.net.URISyntaxException: Unsupported NATS URI scheme.", exit 2.
     */
    Integer refuseIfBad(java.io.PrintWriter err) {
        try {
            new Options.Builder().servers(url.split(","));
            return null;
        } catch (IllegalArgumentException e) {
            Throwable why = e.getCause() != null ? e.getCause() : e;
            err.println("jetstart: --server " + url + " is not a NATS URL (nats://HOST:PORT, tls://, ws://): " + why.getMessage());
            return Main.USAGE;
        }
    }

    /**
     * A connection; its account on the server is the one the credentials (or the server's default)
     * give. A refusal names the server and what to do about it; jnats's own log lines (printed
     * through java.util.logging by default) are kept off the user's stderr, since the exception
     * says the same once.
     */
    Connection connect() throws IOException, InterruptedException {
        if (creds != null && !Files.isReadable(creds)) {
            throw new IOException("--creds " + creds + ": no such readable file");
        }
        Options.Builder b = new Options.Builder().servers(url.split(",")).connectionTimeout(Duration.ofSeconds(5))
                .maxReconnects(0).connectionName("jetstart").errorListener(new ErrorListener() { });
        if (creds != null) {
            AuthHandler auth = Nats.credentials(creds.toString());
            try {
                // Signing once here loads the NKey signer (bouncycastle's classes, seconds in a cold JVM on
                // a busy machine) before the connection timeout starts, not inside the server's handshake,
                // and a file that is not a creds file is named here rather than as a refused connection.
                auth.sign(new byte[] {0});
            } catch (RuntimeException e) {
                throw new IOException("--creds " + creds + ": not a NATS credentials file (" + e.getMessage() + ")", e);
            }
            b.authHandler(auth);
        }
        try {
            return Nats.connect(b.build());
        } catch (AuthenticationException e) {
            throw new AuthenticationException(url + " refused the connection (" + e.getMessage() + "): "
                    + (creds == null ? "give --creds FILE, a user of the account to work in"
                            : "the user in " + creds + " is not allowed in (unknown, expired or revoked)"));
        } catch (IOException e) {
            throw new IOException("cannot connect to " + url + ": " + e.getMessage(), e);
        }
    }
}
