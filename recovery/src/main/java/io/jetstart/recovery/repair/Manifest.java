package io.jetstart.recovery.repair;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code manifest.json} of a quarantine folder:
 * <pre>
 * {"format":1, "tool":"jetstart repair", "store":"/abs/store_dir", "created":"2026-12-04T19:02:11Z",
 *  "entries":[{"id":1, "op":"truncate", "file":"jetstream/$G/streams/LIM1/msgs/1.blk", "offset":81600,
 *              "length":55240, "sha256":"…", "data":"data/000001.bin", "permissions":"rw-------",
 *              "mtime_ns":…, "stream":"$G > LIM1", "reason":"…"}, …]}
 * </pre>
 * Design note: the manifest is rewritten atomically (temp, fsync, rename, directory fsync) after
 * each entry's bytes are safe and before the store is touched, so a crash at any point leaves a
 * manifest that names every byte already cut, and perhaps one entry not yet applied, which
 * {@link Undo} recognises (the bytes are still in the file) and skips.
 */
record Manifest(Path store, String created, List<QuarantineEntry> entries) {
    static final String FILE = "manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    Manifest {
        entries = List.copyOf(entries);
    }

    Manifest with(QuarantineEntry e) {
        List<QuarantineEntry> more = new ArrayList<>(entries);
        more.add(e);
        return new Manifest(store, created, more);
    }

    void write(Path quarantine) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", 1);
        root.put("tool", "jetstart repair");
        root.put("store", store.toString());
        root.put("created", created);
        ArrayNode a = root.putArray("entries");
        for (QuarantineEntry e : entries) {
            ObjectNode n = a.addObject();
            n.put("id", e.id());
            n.put("op", e.op());
            n.put("file", e.file());
            n.put("offset", e.offset());
            n.put("length", e.length());
            n.put("sha256", e.sha256());
            n.put("data", e.data());
            n.put("permissions", e.permissions());
            n.put("mtime_ns", e.mtimeNanos());
            n.put("stream", e.stream());
            n.put("reason", e.reason());
        }
        AtomicFiles.write(quarantine.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    static Manifest read(Path quarantine) throws IOException {
        Path f = quarantine.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new IOException(quarantine + " is not a jetstart quarantine folder: it has no " + FILE);
        }
        JsonNode root = JSON.readTree(f.toFile());
        if (root == null || root.path("format").asInt() != 1 || !root.hasNonNull("store")) {
            throw new IOException(f + ": expected a jetstart repair manifest (format 1 with a store), found " + root);
        }
        List<QuarantineEntry> entries = new ArrayList<>();
        for (JsonNode n : root.path("entries")) {
            entries.add(new QuarantineEntry(n.path("id").asInt(), n.path("op").asText(), n.path("file").asText(),
                    n.path("offset").asLong(), n.path("length").asLong(), n.path("sha256").asText(), n.path("data").asText(),
                    n.path("permissions").asText(), n.path("mtime_ns").asLong(), n.path("stream").asText(),
                    n.path("reason").asText()));
        }
        return new Manifest(Path.of(root.get("store").asText()), root.path("created").asText(), entries);
    }
}
