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
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamStore;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jetstart dump}: every live message of every stream, read-only, as nats-server's
 * message-get API returns them ({@code seq}, {@code subject}, {@code hdrs} and {@code data} in
 * base64, {@code time}). Streams the JSON out, so memory does not grow with the store.
 */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Print every live message (seq, subject, time, headers, payload), read-only.")
final class DumpCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    StoreDirArg store = new StoreDirArg();

    @Mixin
    KeyOptions keys = new KeyOptions();

    @Option(names = "--json", description = "JSON: {\"streams\":[{\"account\",\"name\",\"messages\":[{\"seq\",\"subject\",\"time\",\"hdrs\",\"data\"}]}]}")
    boolean json;

    @Option(names = "--stream", paramLabel = "NAME", description = "Only this stream (repeatable)")
    Set<String> streams = Set.of();

    @Override
    public Integer call() throws Exception {
        Integer missing = store.refuseIfMissing(spec.commandLine().getErr());
        if (missing != null) {
            return missing;
        }
        Integer badKey = keys.refuseIfBad(store.dir, spec.commandLine().getErr());
        if (badKey != null) {
            return badKey;
        }
        Path storeDir = store.dir;
        StoreLayout layout = StoreLayout.discover(storeDir, DiskGate.unbounded());
        // Dump verifies every record it prints: the same size rule as a recovery for its checksum.
        RecordHashSource hashes = RecordHashSource.forStore(layout.streams().stream()
                .filter(sd -> streams.isEmpty() || streams.contains(sd.name())).mapToLong(StreamDir::blockBytes).sum());
        int status = Main.OK;
        var text = spec.commandLine().getOut();
        // Written to the command's own writer (not System.out) so Main.run(out, err, ...) captures it;
        // the writer stays open, it is not ours to close.
        try (JsonGenerator g = ReportJson.MAPPER.getFactory().createGenerator(text)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
            if (json) {
                g.writeStartObject();
                g.writeArrayFieldStart("streams");
            }
            Base64.Encoder b64 = Base64.getEncoder();
            for (StreamDir sd : layout.streams()) {
                if (!streams.isEmpty() && !streams.contains(sd.name())) {
                    continue;
                }
                StreamStore store;
                try {
                    StreamKeys streamKeys = StreamKeys.load(keys.key, sd.account(), sd.dir(), DiskGate.unbounded());
                    store = StreamOpener.open(sd.account(), sd.name(), sd.dir(),
                            MetaFiles.readStream(sd.dir(), DiskGate.unbounded(), streamKeys).config(),
                            StoreContext.singleThreaded(hashes).withKey(keys.key));
                } catch (MetaException | StoreException | DecryptionException e) {
                    spec.commandLine().getErr().println("jetstart: " + sd.account() + " > " + sd.name() + ": " + e.getMessage());
                    status = Main.FAILED;
                    continue;
                }
                if (json) {
                    g.writeStartObject();
                    g.writeStringField("account", sd.account());
                    g.writeStringField("name", sd.name());
                    g.writeArrayFieldStart("messages");
                }
                store.forEachLive(store.firstSeq(), (seq, ts, subject, buf, ho, hl, po, pl, rl) -> {
                    try {
                        if (json) {
                            g.writeStartObject();
                            g.writeNumberField("seq", seq);
                            g.writeStringField("subject", subject);
                            g.writeStringField("time", GoTime.format(ts));
                            if (hl > 0) {
                                g.writeStringField("hdrs", b64.encodeToString(Arrays.copyOfRange(buf, ho, ho + hl)));
                            }
                            g.writeStringField("data", b64.encodeToString(Arrays.copyOfRange(buf, po, po + pl)));
                            g.writeEndObject();
                        } else {
                            text.printf("%s > %s  %d  %s  %s  %d bytes%s%n", sd.account(), sd.name(), seq, GoTime.format(ts), subject, pl,
                                    hl > 0 ? " (+" + hl + " header bytes)" : "");
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return true;
                });
                if (json) {
                    g.writeEndArray();
                    g.writeEndObject();
                }
            }
            if (json) {
                g.writeEndArray();
                g.writeEndObject();
                g.writeRaw('\n');
            }
        }
        text.flush();
        return status;
    }
}
