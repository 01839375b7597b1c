package io.jetstart.it;

import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PurgeRequest;
import io.jetstart.runtime.RuntimeOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

/**
 * The process {@link PurgeCrashIT} kills: opens a store holding stream {@code PURGE} (written by
 * {@link #fill}) with the embedded runtime and purges its oldest messages, a random number at a
 * time, until nothing is left to purge; then it waits to be killed.
 *
 * <p>Each purge is one of the runtime's purges of the oldest messages, drawn at random: up to a
 * sequence ({@code Compact}), or keep the newest N ({@code PurgeEx} with keep). The stream has no
 * other removal, so either kind removes every message below a cut. Most of them remove whole
 * blocks (nats-server's way, no tombstone per message) and write tombstones for the block the cut
 * falls in; some fall back to a tombstone per message (docs/runtime.md).
 *
 * <p>Its stdout, one line each, every line flushed before the next:
 * <ul>
 *   <li>{@code ready <first> <last>} once the stream is served;</li>
 *   <li>{@code purging <cut>} just before the purge that leaves {@code cut} the first sequence;</li>
 *   <li>{@code purged <cut>} when that purge returned (its ack: durable);</li>
 *   <li>{@code done} when the next purge would leave fewer than {@link #MAX_STEP} messages.</li>
 * </ul>
 *
 * <p>Arguments: {@code <store dir> <seed>}.
 */
public final class PurgeCrashChild {
    static final String STREAM = "PURGE";
    static final int MESSAGES = 40_000;
    /** 16 KiB blocks of ~80-byte records: ~200 messages a block, ~200 blocks. */
    static final int BLOCK_SIZE = 16 * 1024;
    /** A purge removes 1 to this many messages: from inside one block to a few whole ones. */
    static final int MAX_STEP = 3_000;

    private PurgeCrashChild() {
    }

    /** The payload of stream sequence {@code seq}: it names its sequence, so a message checks itself. */
    static byte[] payload(long seq) {
        return ("purge crash message " + seq + " " + "x".repeat((int) (seq % 41))).getBytes(StandardCharsets.UTF_8);
    }

    static String subject(long seq) {
        return "pc." + (seq % 4);
    }

    static RuntimeOptions options() {
        return RuntimeOptions.defaults().withBlockSize(BLOCK_SIZE);
    }

    /** Writes stream {@code PURGE} with {@link #MESSAGES} messages into {@code storeDir} (an empty directory). */
    static void fill(Path storeDir) throws Exception {
        CrashReaders.fill(storeDir, options(), STREAM, "pc.*", MESSAGES, PurgeCrashChild::subject, PurgeCrashChild::payload);
    }

    public static void main(String[] args) throws Exception {
        Path storeDir = Path.of(args[0]);
        Random random = new Random(Long.parseLong(args[1]));
        PrintStream out = CrashReaders.childOut();
        try (JetStartStore store = JetStart.open(storeDir, options())) {
            JetStartStream s = store.stream(JetStartStore.DEFAULT_ACCOUNT, STREAM).await(java.time.Duration.ofSeconds(60));
            long first = s.info().firstSeq();
            long last = s.info().lastSeq();
            CrashReaders.line(out, "ready " + first + " " + last);
            while (last - first + 1 > MAX_STEP) {
                long cut = first + 1 + random.nextInt(MAX_STEP);
                CrashReaders.line(out, "purging " + cut);
                if (random.nextInt(4) == 0) {
                    s.purge(new PurgeRequest(null, last - cut + 1, 0));
                } else {
                    s.purge(new PurgeRequest(null, 0, cut));
                }
                CrashReaders.line(out, "purged " + cut);
                first = cut;
            }
            CrashReaders.line(out, "done");
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
