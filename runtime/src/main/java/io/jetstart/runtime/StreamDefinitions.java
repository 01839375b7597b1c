package io.jetstart.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.meta.StreamConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * Stream configs as the runtime writes and accepts them: the {@code meta.inf} JSON with
 * nats-server 2.10's key set and defaults (through {@link StreamConfig#toBuilder}), what the
 * runtime cannot write yet, and the block size the server would pick.
 */
final class StreamDefinitions {
    /**
     * Made on first use, not with this class: {@link #readOnlyReason} runs as each recovered stream
     * is served, and an ObjectMapper's start-up (about 450 classes, Jackson's and the JDK's date
     * and locale ones) was most of a small stream's hand-over in a fresh JVM.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
    static final long DEFAULT_DUPLICATE_WINDOW = 120_000_000_000L;
    /** How a reason from {@link RestoreRefusals} starts: the runtime's publishes would be lost to the server. */
    static final String NOT_RESTORED = "nats-server would not restore this stream as it is: ";

    private StreamDefinitions() {
    }

    /**
     * The {@code meta.inf} bytes for {@code config}: {@code "Created"} (the given one, else
     * {@code createdNanos}), then what {@link StreamConfig#toBuilder} builds: the 2.10 keys in the
     * server's order with its defaults, the given ones where the server puts them
     * ({@code description} after the name, {@code metadata} last), so a new stream's file is the
     * one nats-server writes. Given values the server corrects on create ({@code checkStreamCfg}:
     * a limit of 0 or below is -1, fewer than one replica is one, no duplicate window is the
     * default) are corrected first; the defaults themselves are the builder's.
     */
    static byte[] metaInf(StreamConfig config, long createdNanos) {
        ObjectNode given = config.json();
        if (!given.hasNonNull("Created")) {
            given.put("Created", GoTime.format(createdNanos));
        }
        for (String limit : new String[] {"max_consumers", "max_msgs", "max_bytes", "max_msgs_per_subject", "max_msg_size"}) {
            if (given.has(limit) && given.get(limit).asLong(0) <= 0) {
                given.put(limit, -1);
            }
        }
        if (given.has("num_replicas") && given.get("num_replicas").asInt(0) < 1) {
            given.put("num_replicas", 1);
        }
        if (given.has("duplicate_window") && given.get("duplicate_window").asLong(0) <= 0) {
            given.remove("duplicate_window");
        }
        given.put("discard", config.discard() == StreamConfig.Discard.NEW ? "new" : "old");
        markerDefaults(given);
        byte[] completed;
        try {
            completed = Json.MAPPER.writeValueAsBytes(given);
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            // Only a key no config has can nest this deep (metadata is strings), which is refused
            // anyway; it came out as an UncheckedIOException from Jackson's writer.
            throw JetStreamApiException.invalidConfig("stream config nested deeper than the " + Json.MAPPER.getFactory()
                    .streamWriteConstraints().getMaxNestingDepth() + " levels the runtime writes: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] built;
        try {
            built = parse(completed).toBuilder().build().originalBytes();
        } catch (IllegalArgumentException e) {
            // The rules between fields the server checks too (duplicate_window above max_age, ...).
            throw JetStreamApiException.invalidConfig("invalid stream config: " + e.getMessage());
        }
        // What nats-server would refuse at its next start: the runtime writes no such file (a
        // max_age under 100 ms, two replicas, overlapping subjects, ...), in the server's words.
        String refused = RestoreRefusals.reason(parse(built));
        if (refused != null) {
            // The server's codes: 10074 and 10133 are errors of their own, the rest 10052.
            throw switch (refused) {
                case RestoreRefusals.REPLICAS_NOT_SUPPORTED -> new JetStreamApiException(500, 10074, refused);
                case RestoreRefusals.NEGATIVE_REPLICAS -> new JetStreamApiException(400, 10133, refused);
                default -> JetStreamApiException.invalidConfig(refused);
            };
        }
        return built;
    }

    /**
     * nats-server's checkStreamCfg for {@code subject_delete_marker_ttl} (not pedantic, as clients
     * create streams): under 1 s or negative is refused; otherwise TTLs and rollups are turned on
     * and {@code deny_purge} off, since each marker is a message with a TTL and a rollup.
     */
    private static void markerDefaults(ObjectNode given) {
        if (!given.has("subject_delete_marker_ttl")) {
            return;
        }
        long ttl = given.get("subject_delete_marker_ttl").asLong(0);
        if (ttl < 0) {
            throw JetStreamApiException.invalidConfig("subject delete marker TTL must not be negative");
        }
        if (ttl == 0) {
            return;
        }
        if (ttl < 1_000_000_000L) {
            throw JetStreamApiException.invalidConfig("subject delete marker TTL must be at least 1 second");
        }
        given.put("allow_msg_ttl", true);
        if (!given.path("allow_rollup_hdrs").asBoolean(false)) {
            given.put("allow_rollup_hdrs", true);
            given.put("deny_purge", false);
        }
    }

    /** The server's default: 2 min, or max_age when that is shorter. */
    static long duplicateWindow(StreamConfig c) {
        long w = c.duplicateWindowNanos();
        if (w > 0) {
            return w;
        }
        long age = c.maxAgeNanos();
        return age > 0 && age < DEFAULT_DUPLICATE_WINDOW ? age : DEFAULT_DUPLICATE_WINDOW;
    }

    /**
     * Why a stream with {@code allow_msg_ttl} is served read-only here though its config is writable:
     * served as a line before 2.11 ({@code asLine}, the recovery's {@code --as}; null for the line
     * the files say), which has no per-message TTL and would keep what the runtime expires; or with
     * {@code index.db} {@code version} 1 (2.10's), which has no per-block count of TTL messages, so
     * nats-server 2.11+ reading it counts none and, rebuilding its time wheel from the blocks, never
     * expires them. Empty when it can be written.
     */
    static Optional<String> ttlReason(StreamConfig c, int version, io.jetstart.core.lines.ServerLine asLine) {
        if (!c.flag("allow_msg_ttl") && c.subjectDeleteMarkerTtlNanos() <= 0) {
            return Optional.empty();
        }
        if (asLine != null && asLine.compareTo(io.jetstart.core.lines.ServerLine.V2_11) < 0) {
            return Optional.of("'allow_msg_ttl' is not written for nats-server " + asLine + ", which has no per-message TTL");
        }
        if (version < 2) {
            return Optional.of("'allow_msg_ttl' needs index.db version 2 or later (a per-block count of TTL messages); this store's is "
                    + version + " (nats-server 2.10, which has no per-message TTL); open it with RuntimeOptions.withIndexVersion(4)");
        }
        return Optional.empty();
    }

    /**
     * Why nats-server 2.10 (to 2.10.27) would remove every message of this stream at its next start,
     * or null: its config has a {@code first_seq} and its first sequence is at it (below it only a
     * config changed on disk puts it, and the open removed what was below), so its first message, or
     * the next one published into it when it is empty, is the one at {@code first_seq}; 2.10's open
     * purges a stream whose first is at or below {@code first_seq} ({@code ServerLine.purgesAtConfiguredFirstSeq}).
     * Asked of a stream served for the 2.10 line: as {@code asLine} (the recovery's {@code --as}), or,
     * without one, whose {@code index.db} is written as version 1, the only one 2.10 reads. The
     * runtime keeps the messages; nothing it writes avoids the purge but removing the message at
     * {@code first_seq}, which is the user's to decide (a stream whose first is above it is safe).
     *
     * @param firstSeq the stream's first sequence as served
     * @param messages its messages as served
     */
    static String purgedBy210AtStart(StreamConfig c, long firstSeq, long messages, int indexVersion, io.jetstart.core.lines.ServerLine asLine) {
        boolean for210 = asLine != null ? asLine.purgesAtConfiguredFirstSeq() : indexVersion == 1;
        long fseq = c.firstSeq();
        if (!for210 || fseq <= 0 || firstSeq > fseq) {
            return null;
        }
        String which = messages > 0 ? "its " + messages + " messages" : "the messages published into it";
        return "first_seq " + fseq + " and its first message " + (messages > 0 ? "is" : "will be") + " the one at it: nats-server "
                + "2.10.0-2.10.27 remove " + which + " at every start while that is so (2.10.28+ and 2.11.2+ keep them, as the runtime "
                + "does); a stream whose first sequence is above first_seq (the message at it deleted) is safe";
    }

    /** Why the runtime serves this stream read-only, or empty when it can write it. */
    static Optional<String> readOnlyReason(StreamConfig c) {
        // From the parsed values, not json(): a tree per stream served, and in a fresh JVM the
        // first one loads Jackson's node classes on the first stream's hand-over.
        if (c.hasMirror()) {
            return Optional.of("the stream is a mirror; mirrors are not written by the runtime yet");
        }
        if (c.hasSources()) {
            return Optional.of("the stream has sources; sourcing is not written by the runtime yet");
        }
        if (!"none".equals(c.compression()) && !c.compression().isEmpty() && !"s2".equals(c.compression())) {
            return Optional.of("compression '" + c.compression() + "' is not one nats-server writes");
        }
        if (!"file".equals(c.storage())) {
            return Optional.of("storage '" + c.storage() + "' is not a file store");
        }
        for (String flag : new String[] {"allow_msg_schedules", "allow_msg_counter", "allow_atomic", "allow_batched"}) {
            if (c.flag(flag)) {
                return Optional.of("'" + flag + "' is not supported by the runtime yet");
            }
        }
        if (c.firstSeq() < 0) {
            // Unsigned in the file; the runtime's sequences are signed longs. nats-server takes it
            // and then fails every publish ("Invalid JetStream ack." in jnats, OddStreamConfigIT).
            return Optional.of("first_seq " + Long.toUnsignedString(c.firstSeq()) + " is beyond the sequences the runtime writes (2^63-1)");
        }
        for (String obj : new String[] {"subject_transform", "republish"}) {
            if (c.hasNonEmptyObject(obj)) {
                return Optional.of("'" + obj + "' is not supported by the runtime yet");
            }
        }
        return Optional.empty();
    }

    /**
     * As {@link #readOnlyReason(StreamConfig)} for a stream recovered from the directory
     * {@code dirName}: also read-only when nats-server would not restore it from there
     * ({@link RestoreRefusals}), so that no publish lands where the server will not load it.
     * Create and update refuse such a config outright ({@link #metaInf}).
     */
    static Optional<String> readOnlyReason(StreamConfig c, String dirName) {
        Optional<String> r = readOnlyReason(c);
        if (r.isPresent()) {
            return r;
        }
        if (c.subjectDeleteMarkerTtlNanos() > 0 && (!c.flag("allow_msg_ttl") || !c.flag("allow_rollup_hdrs") || c.flag("deny_purge"))) {
            // nats-server turns these on (and deny_purge off) whenever it takes subject delete markers
            // (checkStreamCfg): a meta.inf without them was not written by it (a create
            // turns them on: metaInf), and its markers' rollups
            // would be refused.
            return Optional.of("subject delete markers without allow_msg_ttl and allow_rollup_hdrs (or with deny_purge), "
                    + "as nats-server never writes them");
        }
        String refused = RestoreRefusals.reason(c, dirName);
        return refused == null ? Optional.empty() : Optional.of(NOT_RESTORED + refused);
    }

    /**
     * Why nats-server 2.11+ would stop the stream at start for one of its {@code restored}
     * consumers, or null: a consumer {@code meta.inf} with a key it does not know (not a known key
     * in other letter case, which every line reads) fails its strict decode, and a standalone server
     * then logs "Stopping unsupported stream" and serves neither the stream nor its other consumers
     * (OddConsumerConfigIT: {@code CONSUMER.INFO} answers 10195 "consumer is offline"). 2.10 ignores
     * the key. So the stream takes no publish the newer lines would not serve.
     */
    static String stoppedByConsumer(List<io.jetstart.core.store.ConsumerInfo> restored) {
        // Loops, not a stream pipeline: every recovered stream's hand-over runs this (the package note).
        for (io.jetstart.core.store.ConsumerInfo info : restored) {
            for (String key : info.config().unknownKeys()) {
                if (ConsumerConfig.knownKeyIgnoringCase(key) == null) {
                    return NOT_RESTORED + "nats-server 2.11+ stop it at start (\"Stopping unsupported stream\"): the meta.inf of its "
                            + "consumer '" + info.name() + "' fails their strict decode (json: unknown field \"" + key + "\")";
                }
            }
        }
        return null;
    }

    /**
     * nats-server's block size for a stream ({@code autoTuneFileStorageBlockSize},
     * {@code dynBlkSize}, spec 3.7): 8 MiB for limits streams; 4 MiB for KV-like ones
     * (per-subject limit, no message or byte limit); with max_bytes (or max_msgs × 1 KiB as the
     * estimate) the estimate / 4 + 1 rounded up to 100, at least 32,000, and 4 MiB for anything
     * between that and 8 MiB.
     */
    static int blockSize(StreamConfig c) {
        long est = c.maxBytes() > 0 ? c.maxBytes() : c.maxMsgs() > 0 ? c.maxMsgs() * 1024 : 0;
        if (est > 0) {
            long size = est / 4 + 1;
            if (size % 100 != 0) {
                size += 100 - size % 100;
            }
            if (size <= 32_000) {
                return 32_000;
            }
            return size >= 8 << 20 ? 8 << 20 : 4 << 20;
        }
        if (c.maxMsgsPerSubject() > 0) {
            return 4 << 20;
        }
        return 8 << 20;
    }

    static StreamConfig parse(byte[] metaInf) {
        try {
            return StreamConfig.parse(metaInf);
        } catch (FormatException e) {
            throw JetStreamApiException.invalidConfig("invalid stream config: " + e.getMessage());
        }
    }
}
