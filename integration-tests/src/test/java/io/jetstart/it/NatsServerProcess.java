package io.jetstart.it;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One running nats-server: JetStream on, listening only on 127.0.0.1 at a free port, storing in
 * the given folder, its log captured to a file. Always stopped: by {@link #close()} (graceful,
 * then forced), and by a JVM shutdown hook should the test JVM exit first (a stray server would
 * keep writing into a temp folder and hold a port).
 *
 * <p>Design note: readiness is the server's own "Server is ready" log line rather than a TCP
 * probe, because the port accepts connections a moment before JetStream has restored its
 * streams on some versions; the line is printed after the restore in every version tested.
 */
final class NatsServerProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern TOOK = Pattern.compile("Took (\\S+) to start JetStream");
    private static final int PORT_ATTEMPTS = 5;

    private final NatsServerBinary binary;
    private final Path storeDir;
    private final Path logFile;
    private final ServerAccounts accounts;
    private final Process process;
    private final int port;
    private final Thread shutdownHook;
    /** {@link System#nanoTime()} when the "Server is ready" line was seen; its restore was done by then. */
    private long readyAtNanos;

    private NatsServerProcess(NatsServerBinary binary, Path storeDir, Path logFile, ServerAccounts accounts,
            Process process, int port) {
        this.binary = binary;
        this.storeDir = storeDir;
        this.logFile = logFile;
        this.accounts = accounts;
        this.process = process;
        this.port = port;
        this.shutdownHook = new Thread(process::destroyForcibly, "stop nats-server pid " + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts {@code binary} on {@code storeDir} and returns once it is ready. The log (and the
     * configuration file, when {@code accounts} needs one) go to {@code workDir}.
     */
    static NatsServerProcess start(NatsServerBinary binary, Path storeDir, Path workDir, ServerAccounts accounts)
            throws IOException {
        return start(binary, storeDir, workDir, accounts, null);
    }

    /**
     * As {@link #start(NatsServerBinary, Path, Path, ServerAccounts)}, with {@code extraConfig}
     * (nats-server configuration text, e.g. a {@code jetstream { key: ..., cipher: ... }} block)
     * appended to the configuration file; null for none.
     */
    static NatsServerProcess start(NatsServerBinary binary, Path storeDir, Path workDir, ServerAccounts accounts,
            String extraConfig) throws IOException {
        Files.createDirectories(storeDir);
        Files.createDirectories(workDir);
        List<String> command = new ArrayList<>(List.of(binary.path().toString(), "-js", "-sd", storeDir.toString(),
                "-a", "127.0.0.1"));
        String conf = accounts.configFile();
        if (extraConfig != null) {
            conf = (conf == null ? "" : conf) + extraConfig;
        }
        if (conf != null) {
            Path confFile = Files.createTempFile(workDir, "nats-server-", ".conf");
            Files.writeString(confFile, conf);
            command.addAll(List.of("-c", confFile.toString()));
        }
        IOException last = null;
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            int port = freePort();
            List<String> withPort = new ArrayList<>(command);
            withPort.addAll(List.of("-p", Integer.toString(port)));
            Path log = Files.createTempFile(workDir, "nats-server-" + binary.version() + "-", ".log");
            Process p = new ProcessBuilder(withPort)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            NatsServerProcess server = new NatsServerProcess(binary, storeDir, log, accounts, p, port);
            try {
                server.awaitReady();
                return server;
            } catch (IOException e) {
                server.close();
                last = e;
                // Another process may take the port between our probe and the server's bind.
                if (!server.log().contains("address already in use")) {
                    throw e;
                }
            }
        }
        throw last;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String log = log();
            if (log.contains("Server is ready")) {
                readyAtNanos = System.nanoTime();
                return;
            }
            if (!process.isAlive()) {
                throw new IOException(binary + " exited with " + process.exitValue() + " before it was ready; log "
                        + logFile + ":\n" + tail(log));
            }
            sleep(Duration.ofMillis(20));
        }
        throw new IOException(binary + " not ready after " + READY_TIMEOUT + "; log " + logFile + ":\n" + tail(log()));
    }

    /** A new client connection to {@code account}, which this server must serve. */
    NatsClient connect(Account account) throws IOException {
        if (!accounts.accounts().contains(account)) {
            throw new IllegalArgumentException(binary + " runs with " + accounts + " accounts, not " + account.name());
        }
        Options.Builder options = Options.builder()
                .server("nats://127.0.0.1:" + port)
                .connectionTimeout(Duration.ofSeconds(10))
                .noReconnect()
                .errorListener(new ErrorListener() {
                    // A killed server resets every connection; only errors from a live one are news.
                    @Override
                    public void errorOccurred(Connection conn, String error) {
                        if (process.isAlive()) {
                            System.err.println("[nats] " + binary + ": " + error);
                        }
                    }

                    @Override
                    public void exceptionOccurred(Connection conn, Exception exp) {
                        if (process.isAlive()) {
                            System.err.println("[nats] " + binary + ": " + exp);
                        }
                    }
                });
        if (!account.isGlobal()) {
            options.userInfo(account.user(), account.password());
        }
        try {
            return new NatsClient(Nats.connect(options.build()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + binary, e);
        }
    }

    /**
     * SIGTERM and waits: nats-server then stops JetStream cleanly (flushes blocks, writes
     * {@code index.db} and consumer state). Forced after 30 s, which is an error:
     * the store is then not the cleanly stopped store the caller wanted.
     */
    void stopGracefully() throws IOException {
        if (!process.isAlive()) {
            removeHook();
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException(binary + " did not stop within " + STOP_TIMEOUT + " after SIGTERM; killed. Log "
                        + logFile + ":\n" + tail(log()));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping " + binary, e);
        } finally {
            removeHook();
        }
    }

    /** SIGKILL: no flush, no state files written; what a power cut leaves, minus the page cache. */
    void kill9() throws IOException {
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IOException(binary + " pid " + process.pid() + " survived SIGKILL for 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while killing " + binary, e);
        } finally {
            removeHook();
        }
    }

    @Override
    public void close() {
        try {
            stopGracefully();
        } catch (IOException e) {
            // close() runs after failures too; the first error is the one worth reporting.
            process.destroyForcibly();
        }
    }

    private void removeHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or will run; it only kills a process that is already gone.
        }
    }

    String log() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + logFile, e);
        }
    }

    /** The server's own startup time, from "Took X to start JetStream" (printed by 2.12.2+). */
    Optional<Duration> jetStreamStartTook() {
        Matcher m = TOOK.matcher(log());
        return m.find() ? Optional.of(java.time.Duration.ofNanos(io.jetstart.recovery.GoFormat.parseDuration(m.group(1).strip()))) : Optional.empty();
    }

    /** Log lines at warning or error level ({@code [WRN]}, {@code [ERR]}). */
    List<String> warnings() {
        return log().lines().filter(l -> l.contains("[WRN]") || l.contains("[ERR]")).toList();
    }

    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    NatsServerBinary binary() {
        return binary;
    }

    ServerVersion version() {
        return binary.version();
    }

    ServerAccounts accounts() {
        return accounts;
    }

    Path storeDir() {
        return storeDir;
    }

    Path logFile() {
        return logFile;
    }

    int port() {
        return port;
    }

    /**
     * {@link System#nanoTime()} at which the server was seen ready: every stream and consumer of its
     * store was restored (and each restore timer armed) before it.
     */
    long readyAtNanos() {
        return readyAtNanos;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public String toString() {
        return binary + " pid " + process.pid() + " on 127.0.0.1:" + port + " store " + storeDir;
    }
}
