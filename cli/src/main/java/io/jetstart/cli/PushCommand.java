package io.jetstart.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.backup.BackupLayout;
import io.jetstart.core.backup.StreamExport;
import io.jetstart.core.layout.StreamDir;
import io.nats.client.Connection;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jetstart push}: one stream of a closed store into a live nats-server or cluster, through
 * the JetStream restore API: the stream is exported as {@code jetstart export} writes it and the
 * snapshot sent in chunks; the server then reports the restored stream, which is compared with
 * the exported state.
 */
@Command(name = "push", mixinStandardHelpOptions = true,
        description = "Restore one stream of a closed store into a live nats-server or cluster (JetStream restore API).")
final class PushCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    StreamArgs args = new StreamArgs();

    @Mixin
    KeyOptions keys = new KeyOptions();

    @Mixin
    ServerOptions server = new ServerOptions();

    @Option(names = "--replicas", paramLabel = "N", description = "replicas of the restored stream (default: the stream's own)")
    Integer replicas;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (replicas != null && (replicas < 1 || replicas > 5)) {
            err.println("jetstart: --replicas must be 1 to 5, not " + replicas);
            return Main.USAGE;
        }
        Integer badServer = server.refuseIfBad(err);
        if (badServer != null) {
            return badServer;
        }
        StreamDir sd;
        switch (args.findReadable(keys, err)) {
            case StreamArgs.Refused r -> {
                return r.exitStatus();
            }
            case StreamArgs.Found f -> sd = f.stream();
        }
        Path work = Files.createTempDirectory("jetstart-push-");
        // Ctrl-C or SIGTERM: the JVM's own exit (130) left this folder, the whole stream exported
        // (as plaintext for an encrypted one) in the temp folder, and said nothing of the server. The
        // folder goes at the signal itself, in case the command does not end within the grace period.
        // The signal also interrupts this thread: an export under way stops at its next file channel
        // operation, and a chunk's request stops waiting (the server gets no other chunk either way).
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong sentSoFar = new java.util.concurrent.atomic.AtomicLong();
        Thread pusher = Thread.currentThread();
        try (ReportOnShutdown shutdown = ReportOnShutdown.install(() -> {
            stop.set(true);
            pusher.interrupt();
            deleteTree(work);
        })) {
            int status;
            try {
                status = push(sd, work, stop, sentSoFar, err);
            } catch (java.io.IOException | InterruptedException e) {
                if (!stop.get()) {
                    throw e;
                }
                // Stopped between two chunks, or the export failed on its folder deleted by the signal.
                err.println("jetstart: push " + sd.account() + " > " + sd.name() + " stopped by a signal"
                        + (sentSoFar.get() > 0 ? " after " + ProgressLine.bytes(sentSoFar.get()) + " sent" : " before sending")
                        + "; the server did not create the stream (it drops a restore that gets no chunk for 5 s); "
                        + "`jetstart push` again sends it whole");
                status = Main.CANCELLED;
            }
            err.flush();
            shutdown.finished(status);
            return status;
        } finally {
            deleteTree(work);
        }
    }

    private int push(StreamDir sd, Path work, AtomicBoolean stop, java.util.concurrent.atomic.AtomicLong sentSoFar, PrintWriter err)
            throws Exception {
        StreamExport.Result exported = StreamExport.export(sd, work, keys.key);
        // Sent as they are, as export writes them: what was wrong with them is said first.
        ExportCommand.sayProblems(err, exported.problems());
        JsonNode backup = JSON.readTree(exported.metadata().toFile());
        ObjectNode config = (ObjectNode) backup.get("config");
        if (replicas != null) {
            config.put("num_replicas", replicas);
        }
        long size = Files.size(exported.data());
        JsonNode info;
        try (Connection nc = server.connect(); InputStream in = Files.newInputStream(work.resolve(BackupLayout.DATA))) {
            long[] lastTenth = {-1};
            info = StreamTransfer.restore(nc, config, (ObjectNode) backup.get("state"), in, sent -> {
                sentSoFar.set(sent);
                long tenth = size == 0 ? 10 : sent * 10 / size;
                if (tenth != lastTenth[0]) {
                    lastTenth[0] = tenth;
                    err.printf("jetstart: push %s > %s: %s%n", sd.account(), sd.name(), ProgressLine.bytesOf(sent, size));
                    err.flush();
                }
            }, stop::get);
        }
        JsonNode state = info.path("state");
        spec.commandLine().getOut().printf("pushed %s > %s to %s: the server reports %d messages, sequences %d..%d, %d consumers%n",
                sd.account(), sd.name(), server.url, state.path("messages").asLong(), state.path("first_seq").asLong(),
                state.path("last_seq").asLong(), state.path("consumer_count").asLong());
        var s = exported.state();
        if (state.path("messages").asLong() != s.messages() || state.path("last_seq").asLong() != s.lastSeq()
                || state.path("first_seq").asLong() != s.firstSeq()) {
            err.printf("jetstart: the server's state differs from the store's: %d messages, sequences %d..%d here%n",
                    s.messages(), s.firstSeq(), s.lastSeq());
            return Main.DAMAGED;
        }
        return Main.OK;
    }

    /** Deletes {@code dir} and what is in it, as far as it can: called from the signal's hook too. */
    private static void deleteTree(Path dir) {
        try (Stream<Path> w = Files.walk(dir)) {
            w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException | java.io.UncheckedIOException goneAlready) {
            // deleted by the other caller, or never made
        }
    }
}
