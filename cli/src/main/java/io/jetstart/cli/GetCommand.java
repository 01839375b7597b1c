package io.jetstart.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.runtime.StreamSnapshot;
import java.io.IOException;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jetstart get}: one message, read-only (no lock: it works beside a running runtime), its
 * record checksum verified. JSON as {@code dump} prints a message.
 */
@Command(name = "get", mixinStandardHelpOptions = true,
        description = "Print one message of a stream (by sequence, or the last on a subject), read-only.")
final class GetCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    StoreDirArg store = new StoreDirArg();

    @Parameters(index = "1", paramLabel = "STREAM", description = "Stream name")
    String stream;

    @Mixin
    KeyOptions keys = new KeyOptions();

    @Option(names = "--account", defaultValue = "$G", paramLabel = "NAME", description = "Account (default: ${DEFAULT-VALUE})")
    String account;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @Option(names = "--seq", paramLabel = "N", description = "The message with this sequence")
        Long seq;

        @Option(names = "--last", paramLabel = "SUBJECT", description = "The last message on SUBJECT (wildcards allowed)")
        String last;
    }

    @Option(names = "--json", description = "JSON: {\"seq\",\"subject\",\"time\",\"hdrs\",\"data\"} (hdrs and data in base64)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (which.seq != null && which.seq < 1) {
            // Sequences start at 1: no stream holds 0 or -1, a mistyped option rather than a missing
            // message (before: the stream was read, then "no message found", exit 2).
            spec.commandLine().getErr().println("jetstart: --seq must be 1 or more, got " + which.seq);
            return Main.USAGE;
        }
        if (which.last != null && which.last.isEmpty()) {
            // An empty subject read as "any subject" and printed the stream's last message; the
            // server answers a last_by_subj of "" with 400 bad request (JetStartStream.lastBySubject too).
            spec.commandLine().getErr().println("jetstart: --last needs a subject (> for the last message of any subject)");
            return Main.USAGE;
        }
        Integer missing = store.refuseIfMissing(spec.commandLine().getErr());
        if (missing != null) {
            return missing;
        }
        Integer badKey = keys.refuseIfBad(store.dir, spec.commandLine().getErr());
        if (badKey != null) {
            return badKey;
        }
        StreamSnapshot snapshot;
        try {
            snapshot = StreamSnapshot.open(store.dir, account, stream, keys.key);
        } catch (IOException e) {
            String text = ErrorText.of(e);
            // The stream's folder is not there: say which streams are, as publish and consume do.
            String hint = text.startsWith("stream not found: ") ? NotFoundHints.streamsOnDisk(store.dir, account) : "";
            spec.commandLine().getErr().println("jetstart: " + text + hint);
            return Main.NO_INPUT;
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("jetstart: " + e.getMessage());
            return Main.USAGE;
        }
        Optional<StoredMessage> m;
        try {
            m = which.seq != null ? snapshot.get(which.seq) : snapshot.lastBySubject(which.last);
        } catch (java.io.UncheckedIOException e) {
            // A damaged record (a bad checksum, a block whose records disagree with index.db) is
            // not handed out; before, it escaped as an unexpected error, status 2. Named as dump
            // names it (file, offset when known), status 1 as dump's.
            spec.commandLine().getErr().println("jetstart: damage: " + account + " > " + stream + ": " + ErrorText.of(e.getCause()));
            return Main.DAMAGED;
        }
        var out = spec.commandLine().getOut();
        if (m.isEmpty()) {
            // The server's words, then what was asked and what the stream holds, so a sequence
            // out of range or a subject without messages reads as such without another command.
            var state = snapshot.info();
            String asked = which.seq != null ? "seq " + which.seq : "last on " + which.last;
            String holds = state.messages() == 0
                    ? "the stream holds no message (next seq " + (state.lastSeq() + 1) + ")"
                    : String.format("the stream holds %,d messages, seq %d..%d", state.messages(), state.firstSeq(), state.lastSeq());
            spec.commandLine().getErr().println("jetstart: " + account + " > " + stream + ": no message found (" + asked + "; "
                    + holds + ")");
            return Main.FAILED;
        }
        StoredMessage msg = m.get();
        if (json) {
            ObjectNode n = ReportJson.MAPPER.createObjectNode();
            n.put("seq", msg.seq());
            n.put("subject", msg.subject());
            n.put("time", GoTime.format(msg.timestamp()));
            if (msg.headers().length > 0) {
                n.put("hdrs", Base64.getEncoder().encodeToString(msg.headers()));
            }
            n.put("data", Base64.getEncoder().encodeToString(msg.payload()));
            out.println(ReportJson.MAPPER.writeValueAsString(n));
        } else {
            out.printf("%s > %s  %d  %s  %s  %d bytes%s%n", account, stream, msg.seq(), GoTime.format(msg.timestamp()), msg.subject(),
                    msg.payload().length, msg.headers().length > 0 ? " (+" + msg.headers().length + " header bytes)" : "");
        }
        out.flush();
        return Main.OK;
    }
}
