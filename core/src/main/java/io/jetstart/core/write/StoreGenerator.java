package io.jetstart.core.write;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.format.SequencePair;
import io.jetstart.core.meta.MetaFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a whole store that nats-server 2.10+ starts on: per stream the meta files (the 2.10 key
 * set, which every newer server also knows), the blocks, {@code index.db}, and consumers with
 * delivery state that has pending acks. Deterministic: the same spec gives the same bytes.
 */
public final class StoreGenerator {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The most subjects made once per stream and kept; above it each message makes its own (writeStream). */
    private static final int SUBJECT_TABLE_MAX = 1 << 16;

    /** Progress after each stream: streams done and messages written so far. */
    @FunctionalInterface
    public interface Progress {
        void streamWritten(int streamsDone, long messagesWritten);
    }

    private StoreGenerator() {
    }

    /**
     * Writes into {@code storeDir/jetstream/<account>/streams/}, one stream after another; refuses a
     * directory that already has streams. Callers that want speed use {@link #prepare} and
     * {@link #writeStream} from their own threads.
     */
    public static void generate(Path storeDir, GeneratorSpec spec, Progress progress) throws IOException {
        Path streamsDir = prepare(storeDir, spec);
        long written = 0;
        for (int i = 1; i <= spec.streams(); i++) {
            written += writeStream(streamsDir, i, spec);
            progress.streamWritten(i, written);
        }
    }

    /** Checks the target and creates its streams directory; returns it. */
    public static Path prepare(Path storeDir, GeneratorSpec spec) throws IOException {
        Path streamsDir = storeDir.resolve("jetstream").resolve(spec.account()).resolve("streams");
        if (Files.isDirectory(streamsDir)) {
            try (var s = Files.list(streamsDir)) {
                if (s.findAny().isPresent()) {
                    throw new IOException(streamsDir + " already holds streams; generate writes only into an empty store");
                }
            }
        }
        Files.createDirectories(streamsDir);
        return streamsDir;
    }

    private static byte[] subject(int stream, long k) {
        return ("s" + stream + "." + k).getBytes(StandardCharsets.US_ASCII);
    }

    public static String streamName(int i) {
        return "S" + i;
    }

    /** Writes stream {@code S<i>} (1-based); independent of every other stream, so callers may run several at once. */
    public static long writeStream(Path streamsDir, int i, GeneratorSpec spec) throws IOException {
        String name = streamName(i);
        Path dir = streamsDir.resolve(name);
        Files.createDirectories(dir);
        long created = spec.firstTs() - 1_000_000_000L;
        MetaFiles.writeStream(dir, name, streamMeta(name, "s" + i, created, spec.s2() ? "s2" : "none"));
        // Message m goes to subject m % K. A table of the subjects the messages use, when it is small;
        // otherwise each message's subject is made as it is written: a table of every subject the
        // option allows (10,000,000) ran a small heap out of memory before the first message.
        long used = Math.max(1, Math.min(spec.subjects(), spec.messages()));
        byte[][] subjects = used <= SUBJECT_TABLE_MAX ? new byte[(int) used][] : null;
        for (int k = 0; subjects != null && k < subjects.length; k++) {
            subjects[k] = subject(i, k);
        }
        byte[] payload = new byte[spec.payload()];
        long ts = spec.firstTs();
        try (StreamWriter w = new StreamWriter(dir, name, spec.blockSize(), spec.indexVersion(), spec.s2())) {
            for (long m = 0; m < spec.messages(); m++) {
                fillPayload(payload, i, m + 1);
                w.append(subjects != null ? subjects[(int) (m % subjects.length)] : subject(i, m % spec.subjects()), null, payload, ts);
                ts += 1_000;
            }
        }
        for (int c = 1; c <= spec.consumers(); c++) {
            writeConsumer(dir, name, "C" + c, c, spec, created);
        }
        return spec.messages();
    }

    /** Letters drawn once; never written after class initialisation. */
    private static final byte[] POOL = letters(1 << 16);

    private static byte[] letters(int n) {
        byte[] p = new byte[n];
        long x = 0x2545F4914F6CDD1DL;
        for (int j = 0; j < n; j++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            p[j] = (byte) ('a' + Math.floorMod(x, 26));
        }
        return p;
    }

    /**
     * Payload bytes that differ per stream and sequence, so a mix-up shows in a comparison: a slice
     * of a fixed pool at an offset derived from both, with the sequence in the first digits.
     * A copy, not a computation per byte, so generation runs at disk speed.
     */
    static void fillPayload(byte[] p, int stream, long seq) {
        if (p.length == 0) {
            return;
        }
        int span = POOL.length - Math.min(p.length, POOL.length);
        int off = span == 0 ? 0 : (int) Math.floorMod(seq * 7919L + stream * 104_729L, (long) span + 1);
        int n = Math.min(p.length, POOL.length);
        System.arraycopy(POOL, off, p, 0, n);
        for (int j = n; j < p.length; j++) {
            p[j] = POOL[j % POOL.length];
        }
        // The sequence in decimal at the front makes a payload readable in a hex dump.
        long v = seq;
        for (int j = Math.min(p.length, 20) - 1; j >= 0 && v > 0; j--) {
            p[j] = (byte) ('0' + v % 10);
            v /= 10;
        }
    }

    /** The payload message {@code seq} of stream {@code stream} holds, for tests that compare. */
    public static byte[] payloadOf(int stream, long seq, int length) {
        byte[] p = new byte[length];
        fillPayload(p, stream, seq);
        return p;
    }

    static byte[] streamMeta(String name, String prefix, long createdNanos) throws IOException {
        return streamMeta(name, prefix, createdNanos, "none");
    }

    static byte[] streamMeta(String name, String prefix, long createdNanos, String compression) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("Created", GoTime.format(createdNanos));
        n.put("name", name);
        n.putArray("subjects").add(prefix + ".*");
        n.put("retention", "limits");
        n.put("max_consumers", -1);
        n.put("max_msgs", -1);
        n.put("max_bytes", -1);
        n.put("max_age", 0);
        n.put("max_msgs_per_subject", -1);
        n.put("max_msg_size", -1);
        n.put("discard", "old");
        n.put("storage", "file");
        n.put("num_replicas", 1);
        n.put("duplicate_window", 120_000_000_000L);
        n.put("compression", compression);
        n.put("allow_direct", false);
        n.put("mirror_direct", false);
        n.put("sealed", false);
        n.put("deny_delete", false);
        n.put("deny_purge", false);
        n.put("allow_rollup_hdrs", false);
        n.putObject("consumer_limits");
        return JSON.writeValueAsBytes(n);
    }

    private static void writeConsumer(Path streamDir, String stream, String name, int c, GeneratorSpec spec, long created)
            throws IOException {
        Path dir = streamDir.resolve("obs").resolve(name);
        Files.createDirectories(dir);
        ObjectNode n = JSON.createObjectNode();
        n.put("Created", GoTime.format(created + c * 1_000_000L));
        n.put("Name", name);
        n.put("durable_name", name);
        n.put("name", name);
        n.put("deliver_policy", "all");
        n.put("ack_policy", "explicit");
        n.put("ack_wait", 30_000_000_000L);
        n.put("max_deliver", -1);
        n.put("replay_policy", "instant");
        n.put("max_waiting", 512);
        n.put("max_ack_pending", 1000);
        n.put("num_replicas", 0);
        MetaFiles.writeConsumer(dir, stream, name, JSON.writeValueAsBytes(n));
        // Consumer c has delivered c/(C+1) of the stream and has up to 10 of those pending.
        long delivered = spec.messages() * c / (spec.consumers() + 1L);
        long floor = Math.max(0, delivered - 10);
        long baseSec = Math.floorDiv(spec.firstTs(), 1_000_000_000L) + 3600;
        List<ConsumerState.Pending> pending = new ArrayList<>();
        for (long s = floor + 1; s <= delivered; s += 2) {
            pending.add(new ConsumerState.Pending(s, s, (baseSec - 60) * 1_000_000_000L));
        }
        // Odd sequences pending, even ones acked: the floor stays below the first pending one.
        ConsumerState state = new ConsumerState(2, new SequencePair(delivered, delivered), new SequencePair(floor, floor),
                baseSec, pending, List.of());
        io.jetstart.core.io.AtomicFiles.write(dir.resolve("o.dat"), ConsumerStateCodec.encode(state));
    }
}
