package io.jetstart.examples;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.ConsumerSettlement;
import io.jetstart.core.store.MessageRead;
import io.jetstart.core.store.MessageReader;
import io.jetstart.core.store.MessageView;
import io.jetstart.core.store.RecordDamage;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Opens one stream on the calling thread, as a startup would, and reads its messages: every one
 * checksum-verified before it is handed out; a damaged one is reported, never returned.
 */
public final class ReadMessages {
    private ReadMessages() {
    }

    /** Opens one stream: its blocks (index.db or a rebuild), then its consumers, as a startup does. */
    public static StreamStore open(Path storeDir, String streamName) throws Exception {
        StoreLayout layout = StoreLayout.discover(storeDir, DiskGate.unbounded());
        StreamDir sd = layout.streams().stream()
                .filter(d -> d.name().equals(streamName)).findFirst().orElseThrow();
        StreamConfig config = MetaFiles.readStream(sd.dir(), DiskGate.unbounded()).config();
        StreamStore store = StreamOpener.open(sd.account(), sd.name(), sd.dir(), config, StoreContext.singleThreaded());
        ConsumerSettlement.loadAndSettle(store, sd.consumers()); // interest streams: what the server keeps
        store.problems().forEach(p -> System.err.println(p.severity() + ": " + p.describe()));
        return store;
    }

    /** Prints the stream's messages; returns how many were handed out. */
    public static long printAll(StreamStore store) throws InterruptedException {
        long[] count = {0};
        new MessageReader(store).forEach(store.firstSeq(), new MessageReader.Visitor() {
            @Override
            public boolean message(MessageView m) { // valid only during this call: copy what you keep
                System.out.println(m.seq() + " " + m.subject() + " " + m.payloadLength() + " bytes");
                count[0]++;
                return true; // false stops the read
            }

            @Override
            public void damaged(RecordDamage d) {
                System.err.println("withheld: " + d.toProblem().describe());
            }
        });
        return count[0];
    }

    /** One message by sequence: found, absent (the server's 404), or damaged (reported, not returned). */
    public static String get(StreamStore store, long seq) throws InterruptedException {
        return switch (new MessageReader(store).read(seq)) {
            case MessageRead.Found f -> {
                StoredMessage m = f.message();
                yield m.subject() + ": " + new String(m.payload(), StandardCharsets.UTF_8);
            }
            case MessageRead.Absent a -> "no message " + a.seq();
            case MessageRead.Damaged d -> "damaged: " + d.damage().toProblem().describe();
        };
    }

    public static void main(String[] args) throws Exception {
        StreamStore store = open(Path.of(args[0]), args[1]);
        printAll(store);
        System.out.println(get(store, store.firstSeq()));
    }
}
