package io.jetstart.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.meta.MetaException;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.store.ConsumerSettlement;
import io.jetstart.core.store.MessageReader;
import io.jetstart.core.store.MessageView;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.RecordDamage;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamStore;
import io.jetstart.runtime.StreamSnapshot;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jetstart dump}: every live message of every stream, read-only, as nats-server's
 * message-get API returns them ({@code seq}, {@code subject}, {@code hdrs} and {@code data} in
 * base64, {@code time}). Streams the output, so memory does not grow with the store.
 *
 * <p>Each stream is opened as a startup opens it (blocks, then consumers and the interest sweep
 * they imply) and read through {@link MessageReader}, so every message printed passed its record
 * checksum and a damaged one is named on stderr (file, offset) instead of printed. Exit status as
 * {@code inspect}'s: 1 when damage was found, 2 when a stream could not be opened.
 */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Print every live message (seq, time, subject, headers, payload), read-only. Each message's "
                + "record checksum is verified first; a damaged message is not printed but named on stderr "
                + "(file, offset), and the exit status is then 1.",
                "Text: one line per message, headers and payload as quoted strings, printable ASCII as is "
                        + "and every other byte escaped (\\r \\n \\t \\\\ \\\" \\xNN)."})
final class DumpCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    StoreInput input = new StoreInput();

    @Option(names = "--json", description = "JSON: {\"streams\":[{\"account\",\"name\",\"messages\":[{\"seq\",\"subject\","
            + "\"time\",\"hdrs\",\"data\"}],\"problems\":[...]}]} (docs/json.md)")
    boolean json;

    @Option(names = "--pretty", description = "Indent the JSON (default: compact)")
    boolean pretty;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Integer refused = input.refusal(err);
        if (refused != null) {
            return refused;
        }
        Set<String> streams = input.streams();
        StoreLayout layout = StoreLayout.discover(input.dir(), DiskGate.unbounded());
        List<StreamDir> chosen = layout.streams().stream()
                .filter(sd -> streams.isEmpty() || streams.contains(sd.name())).toList();
        // Dump verifies every record it prints: the same size rule as a recovery for its checksum.
        RecordHashSource hashes = RecordHashSource.forStore(chosen.stream().mapToLong(StreamDir::blockBytes).sum());
        PrintWriter text = spec.commandLine().getOut();
        int status = Main.OK;
        // Written to the command's own writer (not System.out) so Main.run(out, err, ...) captures it;
        // the writer stays open, it is not ours to close.
        try (JsonGenerator g = ReportJson.MAPPER.getFactory().createGenerator(text)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            if (json) {
                g.writeStartObject();
                g.writeArrayFieldStart("streams");
            }
            for (StreamDir sd : chosen) {
                status = Math.max(status, dumpStream(sd, hashes, g, text, err));
                if (stdoutClosed) {
                    err.flush();
                    return Main.STDOUT_CLOSED;
                }
            }
            if (json) {
                g.writeEndArray();
                g.writeEndObject();
                g.flush();
                text.println();
            }
        }
        text.flush();
        err.flush();
        return status;
    }

    /** Messages printed between two checks that stdout is still read (a check flushes it). */
    private static final int CHECK_EVERY = 1024;

    private long printed;

    /** Set when stdout was found closed: the dump stops. */
    private boolean stdoutClosed;

    /**
     * True when nothing reads stdout any more ({@link Main#stdoutGone}). `dump | head -1` read on
     * after head was gone: 9.5 million messages, 72 s, every write failing inside the PrintWriter.
     */
    private boolean stdoutGone(JsonGenerator g, PrintWriter text) throws IOException {
        if (json) {
            g.flush();
        }
        return Main.stdoutGone(text);
    }

    /** Dumps one stream; returns its exit status (OK, DAMAGED or FAILED). */
    private int dumpStream(StreamDir sd, RecordHashSource hashes, JsonGenerator g, PrintWriter text, PrintWriter err)
            throws IOException, InterruptedException {
        String label = sd.account() + " > " + sd.name();
        List<Problem> problems = new ArrayList<>();
        StreamStore s;
        try {
            StreamKeys streamKeys = StreamKeys.load(input.key(), sd.account(), sd.dir(), DiskGate.unbounded());
            s = StreamOpener.open(sd.account(), sd.name(), sd.dir(),
                    MetaFiles.readStream(sd.dir(), DiskGate.unbounded(), streamKeys).config(),
                    StoreContext.singleThreaded(hashes).withKey(input.key()));
            problems.addAll(s.problems());
            // As a startup does: a rebuilt interest stream then shows what the server keeps. A
            // consumer that cannot be loaded is damage (as in inspect), not a failed dump.
            problems.addAll(ConsumerSettlement.loadAndSettle(s, sd.consumers()));
        } catch (MetaException | StoreException | DecryptionException e) {
            Problem p = switch (e) {
                case StoreException se -> se.problem();
                case MetaException me -> Problem.fatal(me.file(), -1, e.getMessage());
                default -> Problem.fatal(sd.dir(), -1, e.getMessage());
            };
            report(err, label, p);
            if (json) {
                startStream(g, sd);
                g.writeEndArray();
                writeProblems(g, List.of(p));
                g.writeEndObject();
            }
            return Main.FAILED;
        }
        for (Problem p : problems) {
            report(err, label, p);
        }
        if (json) {
            startStream(g, sd);
        }
        Base64.Encoder b64 = Base64.getEncoder();
        int[] removedWhileRead = {0};
        int[] rewrittenWhileRead = {0};
        try {
            new MessageReader(s).forEach(s.firstSeq(), new MessageReader.Visitor() {
                @Override
                public boolean message(MessageView m) {
                    try {
                        if (json) {
                            g.writeStartObject();
                            g.writeNumberField("seq", m.seq());
                            g.writeStringField("subject", m.subject());
                            g.writeStringField("time", GoTime.format(m.timestamp()));
                            if (m.headersLength() > 0) {
                                g.writeStringField("hdrs", b64.encodeToString(m.headers()));
                            }
                            g.writeStringField("data", b64.encodeToString(m.payload()));
                            g.writeEndObject();
                        } else {
                            text.print(label + "  " + m.seq() + "  " + GoTime.format(m.timestamp()) + "  " + m.subject());
                            if (m.headersLength() > 0) {
                                text.print("  hdrs " + Escaped.quote(m.headers()));
                            }
                            text.println("  data " + Escaped.quote(m.payload()));
                        }
                        if (++printed % CHECK_EVERY == 0 && stdoutGone(g, text)) {
                            stdoutClosed = true;
                            return false;
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return true;
                }

                @Override
                public void damaged(RecordDamage d) {
                    if (removedOnPurpose(sd, d)) {
                        removedWhileRead[0]++;
                        return;
                    }
                    if (rewrittenOnPurpose(sd, d)) {
                        rewrittenWhileRead[0]++;
                        return;
                    }
                    Problem p = d.toProblem();
                    problems.add(p);
                    report(err, label, p);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (removedWhileRead[0] > 0) {
            err.println("jetstart: note: " + label + ": " + removedWhileRead[0] + (removedWhileRead[0] == 1 ? " block was" : " blocks were")
                    + " removed while the stream was dumped (the runtime holding the store removes a block once nothing in it is"
                    + " live): their messages were removed meanwhile and are not in the dump");
        }
        if (rewrittenWhileRead[0] > 0) {
            err.println("jetstart: note: " + label + ": blocks were compacted while the stream was dumped (the runtime holding the"
                    + " store rewrites a block without the messages removed from it): messages removed meanwhile are not in the dump");
        }
        if (json) {
            g.writeEndArray();
            writeProblems(g, problems);
            g.writeEndObject();
        }
        return problems.stream().anyMatch(p -> p.severity() != Problem.Severity.WARNING) ? Main.DAMAGED : Main.OK;
    }

    /**
     * Whether {@code d} is a block file that was there when the stream was opened and that a runtime
     * holding the store removed since, once nothing in it was live: not damage, the stream moved on
     * ({@link StreamSnapshot#removedSince}). Any other unreadable block is reported as before.
     */
    private boolean removedOnPurpose(StreamDir sd, RecordDamage d) {
        if (d.kind() != RecordDamage.Kind.UNREADABLE || d.messages() == 0) {
            return false;
        }
        try {
            return StreamSnapshot.removedSince(sd.dir(), sd.account(), sd.name(), input.key(), d.file());
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Whether {@code d} (a missing record, a block whose layout disagrees with the state read at the
     * open) is a block a runtime holding the store compacted since, once the messages it was for were
     * removed: not damage ({@link StreamSnapshot#rewrittenSince}). Anything else is reported as before.
     */
    private boolean rewrittenOnPurpose(StreamDir sd, RecordDamage d) {
        if (d.kind() != RecordDamage.Kind.MISSING && d.kind() != RecordDamage.Kind.BLOCK_LAYOUT) {
            return false;
        }
        try {
            return StreamSnapshot.rewrittenSince(sd.dir(), sd.account(), sd.name(), input.key(), d);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void report(PrintWriter err, String label, Problem p) {
        err.println("jetstart: " + p.severity().name().toLowerCase(java.util.Locale.ROOT) + ": " + label + ": " + p.describe());
    }

    /** Opens a stream's object, up to its "messages" array (left open). */
    private static void startStream(JsonGenerator g, StreamDir sd) throws IOException {
        g.writeStartObject();
        g.writeStringField("account", sd.account());
        g.writeStringField("name", sd.name());
        g.writeArrayFieldStart("messages");
    }

        private static void writeProblems(JsonGenerator g, List<Problem> problems) throws IOException {
        g.writeFieldName("problems");
        ReportJson.MAPPER.writeTree(g, ReportJson.problems(problems));
    }
}
