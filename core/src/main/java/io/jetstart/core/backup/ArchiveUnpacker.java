package io.jetstart.core.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.format.GoTime;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.format.SequencePair;
import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.write.StreamWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes a stream folder from nats-server's second snapshot format ({@link ArchiveReader}): the
 * files the server itself would have, so jetstart and the server open it like any other stream.
 * {@code meta.inf} is the stream config the snapshot API answered with (plus the time of the pull
 * as {@code Created}); the messages go into blocks with their own sequences and times (skipped
 * sequences are deleted ones, as in a compacted block); each {@code consumers/<name>} entry becomes
 * {@code obs/<name>/meta.inf}, {@code meta.sum} and {@code o.dat}.
 *
 * <p>Design note: {@code index.db} is written only for a stream whose sequences run from 1 without
 * a gap, the one shape this writer's index describes exactly; otherwise the blocks alone are the
 * state and every reader rebuilds it from them, which is what a missing {@code index.db} means.
 * A stream whose last sequences were deleted (no message carries them) comes back ending at its
 * last message: the archive holds no marker for them.
 */
final class ArchiveUnpacker {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ArchiveUnpacker() {
    }

    /** Unpacks into {@code dir} (empty); returns the number of files written. */
    static int unpack(ArchiveReader archive, JsonNode streamConfig, Path dir) throws IOException {
        String stream = streamConfig.path("name").asText("");
        if (stream.isEmpty()) {
            throw new IOException("the snapshot's stream config has no name");
        }
        long now = System.currentTimeMillis() * 1_000_000L;
        ObjectNode meta = JSON.createObjectNode().put("Created", GoTime.format(now));
        meta.setAll((ObjectNode) streamConfig.deepCopy());
        MetaFiles.writeStream(dir, stream, JSON.writeValueAsBytes(meta));
        int files = 2;

        ArchiveReader.Entry e = archive.next();
        if (e == null || !e.name().equals("state.json")) {
            throw new IOException("archive: expected state.json first, found " + (e == null ? "the end" : "'" + e.name() + "'"));
        }
        boolean compress = "s2".equals(streamConfig.path("compression").asText());
        StreamWriter writer = new StreamWriter(dir, stream, StreamWriter.DEFAULT_BLOCK_SIZE, IndexDbCodec.MAX_VERSION, compress);
        boolean exact = true;
        long last = 0;
        boolean ended = false;
        try {
            while ((e = archive.next()) != null) {
                if (e.isEnd()) {
                    ended = true;
                    break;
                }
                if (e.sequence() > 0) {
                    if (e.sequence() <= last) {
                        throw new IOException("archive: message at offset " + e.offset() + " has sequence " + e.sequence()
                                + ", not above the previous " + last);
                    }
                    exact &= e.sequence() == last + 1;
                    writer.appendAt(e.sequence(), e.name().getBytes(StandardCharsets.UTF_8),
                            e.header().length == 0 ? null : e.header(), e.payload(), e.timestamp());
                    last = e.sequence();
                } else if (e.name().startsWith("consumers/")) {
                    writeConsumer(dir, stream, e);
                    files += 3;
                } else {
                    throw new IOException("archive: unexpected entry '" + e.name() + "' at offset " + e.offset());
                }
            }
        } finally {
            if (exact) {
                writer.close();
            } else {
                writer.closeWithoutIndex();
            }
        }
        if (!ended) {
            throw new IOException("archive: the end marker is missing; the snapshot was cut short after sequence " + last);
        }
        try (var blocks = Files.list(dir.resolve("msgs"))) {
            files += (int) blocks.count();
        }
        return files;
    }

    private static void writeConsumer(Path dir, String stream, ArchiveReader.Entry e) throws IOException {
        String name = e.name().substring("consumers/".length());
        if (name.isEmpty() || name.contains("/") || name.equals("..") || name.equals(".")) {
            throw new IOException("archive: consumer entry '" + e.name() + "' at offset " + e.offset() + " has no usable name");
        }
        JsonNode doc = JSON.readTree(e.payload());
        Path od = dir.resolve("obs").resolve(name);
        Files.createDirectories(od);
        ObjectNode meta = JSON.createObjectNode().put("Created", GoTime.format(System.currentTimeMillis() * 1_000_000L))
                .put("Name", name);
        meta.setAll((ObjectNode) doc.path("config").deepCopy());
        MetaFiles.writeConsumer(od, stream, name, JSON.writeValueAsBytes(meta));

        JsonNode st = doc.path("state");
        List<ConsumerState.Pending> pending = new ArrayList<>();
        long maxSeconds = System.currentTimeMillis() / 1000;
        for (Iterator<Map.Entry<String, JsonNode>> it = st.path("pending").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            long ts = p.getValue().path("ts").asLong();
            maxSeconds = Math.max(maxSeconds, Math.floorDiv(ts, 1_000_000_000L) + 1);
            pending.add(new ConsumerState.Pending(Long.parseLong(p.getKey()), p.getValue().path("sequence").asLong(), ts));
        }
        pending.sort((a, b) -> Long.compare(a.streamSeq(), b.streamSeq()));
        List<ConsumerState.Redelivery> redelivered = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = st.path("redelivered").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> r = it.next();
            redelivered.add(new ConsumerState.Redelivery(Long.parseLong(r.getKey()), r.getValue().asLong()));
        }
        redelivered.sort((a, b) -> Long.compare(a.streamSeq(), b.streamSeq()));
        ConsumerState state = new ConsumerState(2, pair(st.path("delivered")), pair(st.path("ack_floor")), maxSeconds,
                pending, redelivered);
        AtomicFiles.write(od.resolve("o.dat"), ConsumerStateCodec.encode(state));
    }

    private static SequencePair pair(JsonNode n) {
        return new SequencePair(n.path("consumer_seq").asLong(), n.path("stream_seq").asLong());
    }
}
