package io.jetstart.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.backup.SnapshotUnpacker;
import io.nats.client.Connection;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code jetstart pull}: a snapshot of a stream (with its consumers) taken by a live nats-server
 * through the JetStream snapshot API, unpacked into the store's stream folder, where the runtime
 * and every other command open it. The stream must not exist in the store yet.
 */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = "Take a snapshot of a stream from a live nats-server (JetStream snapshot API) into a local store.")
final class PullCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    StreamArgs args = new StreamArgs();

    @Mixin
    ServerOptions server = new ServerOptions();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Integer badServer = server.refuseIfBad(err);
        if (badServer != null) {
            return badServer;
        }
        Path target = args.streamFolder();
        if (Files.exists(target)) {
            err.println("jetstart: " + target + " exists already; pull writes a new stream only");
            return Main.USAGE;
        }
        // The folders this pull makes (a new store's jetstream/<account>/streams), deepest first: a
        // failed pull (server down, no such stream) left them, an empty store where the operator
        // had none, though a failed pull is to leave nothing.
        List<Path> made = new ArrayList<>();
        for (Path d = target.getParent(); d != null && !Files.exists(d); d = d.getParent()) {
            made.add(d);
        }
        Files.createDirectories(target.getParent());
        // Ctrl-C or SIGTERM: stop between two chunks, clean up, say so, exit 3. The JVM's own exit
        // (130) left the snapshot's temp file in the store's streams folder and the folders made for it.
        AtomicBoolean stop = new AtomicBoolean();
        try (ReportOnShutdown shutdown = ReportOnShutdown.install(() -> stop.set(true))) {
            int status;
            boolean pulled = false;
            Path tmp = Files.createTempFile(target.getParent(), "." + args.stream + ".pull-", ".tar.s2");
            try {
                status = pull(target, tmp, stop, err);
                pulled = status == Main.OK;
            } catch (StreamTransfer.Stopped st) {
                err.println("jetstart: pull " + args.stream + " stopped by a signal after " + ProgressLine.bytes(st.bytes)
                        + " received; nothing written in " + args.dir + " (the server drops the unfinished snapshot itself)");
                status = Main.CANCELLED;
            } finally {
                Files.deleteIfExists(tmp);
                if (!pulled) {
                    removeEmpty(made);
                }
            }
            err.flush();
            // Only now: a signal's hook ends the process as soon as it is told the status.
            shutdown.finished(status);
            return status;
        }
    }

    private int pull(Path target, Path tmp, AtomicBoolean stop, PrintWriter err) throws Exception {
        JsonNode meta;
        try (Connection nc = server.connect();
             OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            long[] lastMiB = {-1};
            meta = StreamTransfer.snapshot(nc, args.stream, out, got -> {
                long step = got >> 23; // a line every 8 MiB
                if (step != lastMiB[0]) {
                    lastMiB[0] = step;
                    err.printf("jetstart: pull %s: %s received%n", args.stream, ProgressLine.bytes(got));
                    err.flush();
                }
            }, stop::get);
        }
        SnapshotUnpacker.Result r;
        try (InputStream in = Files.newInputStream(tmp)) {
            r = SnapshotUnpacker.unpack(in, target, meta.path("config"));
        }
        JsonNode state = meta.path("state");
        spec.commandLine().getOut().printf("pulled %s from %s into %s: %d files; the server reported %d messages, sequences %d..%d%n",
                args.stream, server.url, r.streamDir(), r.files(), state.path("messages").asLong(),
                state.path("first_seq").asLong(), state.path("last_seq").asLong());
        return Main.OK;
    }

    /** Removes each folder, deepest first, while it is empty; never throws over the pull's own error. */
    private static void removeEmpty(List<Path> folders) {
        for (Path d : folders) {
            try {
                Files.delete(d);
            } catch (java.io.IOException notEmptyOrGone) {
                return;
            }
        }
    }
}
