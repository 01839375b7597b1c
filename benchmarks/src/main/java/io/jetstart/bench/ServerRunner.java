package io.jetstart.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Starts a real nats-server with JetStream on a store copy and times it from the exec to its ready
 * line ({@link ServerLog}); then reads its peak RSS and stops it (SIGTERM, then SIGKILL).
 *
 * <p>The server listens on 127.0.0.1 only, on a port that was free a moment before; nothing is
 * sent to it.
 */
final class ServerRunner {
    private final long timeoutNanos;

    ServerRunner(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    static List<String> command(Path binary, Path storeDir, int port) {
        return List.of(binary.toString(), "-js", "-sd", storeDir.toString(), "-a", "127.0.0.1", "-p", Integer.toString(port));
    }

    /**
     * @param storeDir         a copy the server may change; the caller deletes it afterwards
     * @param expectedMessages what every stream together holds, to check the server's restore lines
     */
    Sample start(ServerBuild build, Path storeDir, long expectedMessages) throws IOException, InterruptedException {
        try (ProcessLines p = ProcessLines.start(command(build.binary(), storeDir, freePort()))) {
            long deadline = p.startNanos() + timeoutNanos;
            long restored = 0;
            boolean sawRestore = false;
            for (ProcessLines.Line l = p.next(deadline); ; l = p.next(deadline)) {
                if (l == null) {
                    return Sample.failed(System.nanoTime() - p.startNanos(), "not ready within "
                            + timeoutNanos / 1_000_000_000L + " s; last log lines:\n" + p.tail());
                }
                if (l.line() == null) {
                    return Sample.failed(l.nanos() - p.startNanos(), "exited before it was ready (status "
                            + p.process().waitFor() + "); last log lines:\n" + p.tail());
                }
                long n = ServerLog.restoredMessages(l.line());
                if (n >= 0) {
                    restored += n;
                    sawRestore = true;
                }
                if (ServerLog.fatal(l.line())) {
                    return Sample.failed(l.nanos() - p.startNanos(), "fatal: " + l.line());
                }
                ServerLog.Ready ready = ServerLog.ready(l.line());
                if (ready != null) {
                    long fromExec = l.nanos() - p.startNanos();
                    long cpu = ProcessCpu.nanos(p.process().pid());
                    long rss = ProcessMemory.peakRssBytes(p.process().pid());
                    String failure = sawRestore && restored == expectedMessages ? null
                            : String.format(Locale.ROOT, "restored %,d messages, expected %,d", restored, expectedMessages);
                    return new Sample(fromExec, ready.tookNanos(), -1, rss, cpu, restored, -1, failure);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
