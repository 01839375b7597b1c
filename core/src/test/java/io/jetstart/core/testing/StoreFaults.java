package io.jetstart.core.testing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Hostile stores: one fault of a known kind put into one stream directory of a store copy. Used by
 * the repair tests (every kind on the three real server lines) and the repair integration test (a
 * few kinds on real servers). Deterministic: a kind always hits the same bytes of the same file.
 */
public enum StoreFaults {
    /** The last block cut 50 bytes short: a torn last record (a crash mid-write). */
    BLOCK_TAIL_TORN,
    /** A bit of the last record's checksum flipped: the last record fails its checksum. */
    BLOCK_LAST_CHECKSUM_FLIP,
    /** A bit flipped in a record header half-way through the last block, and its last byte cut (so the fast path refuses). */
    BLOCK_MIDDLE_FLIP,
    /** The last block ends exactly after its second-to-last record: a valid but shorter block, index.db stale. */
    STALE_INDEX,
    /** A 0-byte block after the last one (a crash right after a block roll). */
    EMPTY_BLOCK,
    /** A block after the last one holding 200 zero bytes: nothing parseable. */
    GARBAGE_BLOCK,
    /** The first block removed. */
    MISSING_BLOCK,
    /** {@code msgs/index.db} truncated to 0 bytes (a crash during its non-atomic write). 2.10+. */
    INDEX_DB_EMPTY,
    /** A bit flipped in the middle of {@code msgs/index.db}. 2.10+. */
    INDEX_DB_FLIP,
    /** {@code msgs/index.db} removed. 2.10+. */
    INDEX_DB_MISSING,
    /** A bit flipped in the middle of a 2.9 {@code <n>.idx}. */
    LEGACY_IDX_FLIP,
    /** A 2.9 {@code <n>.idx} truncated to 5 bytes. */
    LEGACY_IDX_TRUNCATED,
    /** The first consumer's {@code o.dat} magic byte flipped: it does not decode. */
    O_DAT_BAD_MAGIC,
    /** The first consumer's {@code o.dat} truncated to 3 bytes. */
    O_DAT_TRUNCATED,
    /** The first consumer's {@code o.dat} truncated to 0 bytes (the server reads it as a zero state). */
    O_DAT_EMPTY,
    /** A bit flipped in the stream's {@code meta.inf}: its checksum fails. */
    META_INF_FLIP,
    /** The stream's {@code meta.sum} removed. */
    META_SUM_MISSING;

    /** Whether this kind applies to {@code streamDir} (index.db kinds need an index.db, legacy kinds a .idx). */
    public boolean appliesTo(Path streamDir) throws IOException {
        Path msgs = streamDir.resolve("msgs");
        return switch (this) {
            case INDEX_DB_EMPTY, INDEX_DB_FLIP, INDEX_DB_MISSING -> Files.isRegularFile(msgs.resolve("index.db"));
            case LEGACY_IDX_FLIP, LEGACY_IDX_TRUNCATED -> !files(msgs, ".idx").isEmpty();
            case O_DAT_BAD_MAGIC, O_DAT_TRUNCATED, O_DAT_EMPTY -> firstConsumerState(streamDir) != null;
            case MISSING_BLOCK -> blocks(msgs).size() >= 1;
            default -> !blocks(msgs).isEmpty();
        };
    }

    /** Puts the fault into {@code streamDir}; returns the file it concerns. */
    public Path apply(Path streamDir) throws IOException {
        Path msgs = streamDir.resolve("msgs");
        List<Path> blocks = blocks(msgs);
        Path last = blocks.isEmpty() ? null : blocks.get(blocks.size() - 1);
        switch (this) {
            case BLOCK_TAIL_TORN -> truncate(last, Files.size(last) - 50);
            case BLOCK_LAST_CHECKSUM_FLIP -> flip(last, Files.size(last) - 3, 2);
            case BLOCK_MIDDLE_FLIP -> {
                List<Long> starts = recordStarts(Files.readAllBytes(last));
                flip(last, starts.get(starts.size() / 2) + 1, 5);
                truncate(last, Files.size(last) - 1);
            }
            case STALE_INDEX -> {
                List<Long> starts = recordStarts(Files.readAllBytes(last));
                truncate(last, starts.get(starts.size() - 1));
            }
            case EMPTY_BLOCK -> {
                return Files.write(msgs.resolve((index(last) + 1) + ".blk"), new byte[0]);
            }
            case GARBAGE_BLOCK -> {
                return Files.write(msgs.resolve((index(last) + 1) + ".blk"), new byte[200]);
            }
            case MISSING_BLOCK -> {
                Files.delete(blocks.get(0));
                return blocks.get(0);
            }
            case INDEX_DB_EMPTY -> truncate(msgs.resolve("index.db"), 0);
            case INDEX_DB_FLIP -> {
                Path f = msgs.resolve("index.db");
                flip(f, Files.size(f) / 2, 3);
            }
            case INDEX_DB_MISSING -> Files.delete(msgs.resolve("index.db"));
            case LEGACY_IDX_FLIP -> {
                Path f = files(msgs, ".idx").get(0);
                flip(f, Files.size(f) / 2, 1);
                return f;
            }
            case LEGACY_IDX_TRUNCATED -> {
                Path f = files(msgs, ".idx").get(0);
                truncate(f, 5);
                return f;
            }
            case O_DAT_BAD_MAGIC -> {
                Path f = firstConsumerState(streamDir);
                flip(f, 0, 0);
                return f;
            }
            case O_DAT_TRUNCATED -> {
                Path f = firstConsumerState(streamDir);
                truncate(f, 3);
                return f;
            }
            case O_DAT_EMPTY -> {
                Path f = firstConsumerState(streamDir);
                truncate(f, 0);
                return f;
            }
            case META_INF_FLIP -> {
                Path f = streamDir.resolve("meta.inf");
                flip(f, Files.size(f) / 2, 1);
                return f;
            }
            case META_SUM_MISSING -> {
                Files.delete(streamDir.resolve("meta.sum"));
                return streamDir.resolve("meta.sum");
            }
        }
        return switch (this) {
            case INDEX_DB_EMPTY, INDEX_DB_FLIP, INDEX_DB_MISSING -> msgs.resolve("index.db");
            default -> last;
        };
    }

    private static void truncate(Path f, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    private static void flip(Path f, long offset, int bit) throws IOException {
        byte[] b = Files.readAllBytes(f);
        b[(int) offset] ^= (byte) (1 << bit);
        Files.write(f, b);
    }

    private static long index(Path block) {
        String n = block.getFileName().toString();
        return Long.parseLong(n.substring(0, n.length() - ".blk".length()));
    }

    /** {@code <n>.blk} files by index. */
    static List<Path> blocks(Path msgs) throws IOException {
        List<Path> out = new ArrayList<>(files(msgs, ".blk"));
        out.sort((a, b) -> Long.compare(index(a), index(b)));
        return out;
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix) && p.getFileName().toString().matches("\\d+\\..*"))
                    .sorted().toList();
        }
    }

    private static Path firstConsumerState(Path streamDir) throws IOException {
        Path obs = streamDir.resolve("obs");
        if (!Files.isDirectory(obs)) {
            return null;
        }
        try (Stream<Path> s = Files.list(obs)) {
            return s.sorted().map(c -> c.resolve("o.dat")).filter(Files::isRegularFile).findFirst().orElse(null);
        }
    }

    /**
     * Flips the lowest bit of the first payload byte of message {@code seq}'s record in a plain
     * block file: the record keeps its length and fails its checksum (the hostile-store findings'
     * focused tests and DamagedStoreOnServerIT). Returns the block's bytes as written.
     */
    public static byte[] flipPayloadBit(Path block, long seq) throws IOException {
        byte[] b = Files.readAllBytes(block);
        io.jetstart.core.format.RecordCursor c = new io.jetstart.core.format.RecordCursor().wrap(b, b.length);
        while (c.next()) {
            if (c.seq() == seq) {
                b[c.payloadOffset()] ^= 1;
            }
        }
        Files.write(block, b);
        return b;
    }

    /**
     * Flips bit {@code bit} (0 = lowest) of the sequence field of message {@code seq}'s record in a
     * plain block file: the record keeps its length and place, claims another sequence (bit 10 of 1:
     * 1025; bit 0 of 1: 0; bit 63: erased) and fails its checksum, which covers the sequence.
     * Returns the record's offset.
     */
    public static long flipSequenceBit(Path block, long seq, int bit) throws IOException {
        // The sequence is the u64 after the 4-byte length, little-endian.
        return flipInRecord(block, seq, 4 + bit / 8, 1 << (bit % 8));
    }

    /**
     * Flips bit 1 of the length of message {@code seq}'s record in a plain block file: still a
     * plausible length, 2 bytes off, so every record after it is misframed. Returns the record's offset.
     */
    public static long flipLengthBit(Path block, long seq) throws IOException {
        return flipInRecord(block, seq, 0, 2);
    }

    /** XORs byte {@code at} of message {@code seq}'s record with {@code mask}; returns the record's offset. */
    private static long flipInRecord(Path block, long seq, int at, int mask) throws IOException {
        byte[] b = Files.readAllBytes(block);
        io.jetstart.core.format.RecordCursor c = new io.jetstart.core.format.RecordCursor().wrap(b, b.length);
        while (c.next()) {
            if (c.seq() == seq) {
                b[c.offset() + at] ^= (byte) mask;
                Files.write(block, b);
                return c.offset();
            }
        }
        throw new IllegalArgumentException(block + " holds no record of sequence " + seq);
    }

    /** Record offsets of a block, walking {@code rl} (spec 3.2) from the start. */
    public static List<Long> recordStarts(byte[] b) {
        List<Long> out = new ArrayList<>();
        for (long off = 0; off + 22 <= b.length; ) {
            out.add(off);
            int o = (int) off;
            long rl = (b[o] & 0xffL) | (b[o + 1] & 0xffL) << 8 | (b[o + 2] & 0xffL) << 16 | (b[o + 3] & 0x7fL) << 24;
            if (rl <= 0) {
                break;
            }
            off += rl;
        }
        return out;
    }
}
