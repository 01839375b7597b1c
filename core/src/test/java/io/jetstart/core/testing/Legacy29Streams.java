package io.jetstart.core.testing;

import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.format.LegacyIndex;
import io.jetstart.core.format.LegacyIndexCodec;
import io.jetstart.core.format.Records;
import io.jetstart.core.format.SequenceSet;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.hash.RecordHashes;
import io.jetstart.core.meta.MetaFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * A stream directory shaped as nats-server 2.9 leaves it, written without a server: plain blocks of
 * small message records ({@code <n>.blk}) and an {@code .idx} per block that alone says what was
 * removed (a first sequence past the block's first record, a delete list), as 2.9 keeps a removal
 * (it writes no tombstones, spec 3.3). What a test of hundreds of thousands of removals needs
 * without hundreds of thousands of API calls to a 2.9 server.
 */
public final class Legacy29Streams {
    /** The subject every message has. */
    public static final String SUBJECT = "big.s";
    private static final long TS0 = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z

    private Legacy29Streams() {
    }

    /**
     * Block {@code index}: message records {@code lo..hi}; its {@code .idx} says the block starts at
     * {@code idxFirst} (everything below removed) and lists each sequence of {@code idxFirst..hi}
     * that {@code deleted} accepts (its record stays, as 2.9's plain delete leaves it).
     */
    public record Block(long index, long lo, long hi, long idxFirst, LongPredicate deleted) {
        /** Whether the block's {@code .idx} says {@code seq} was removed. */
        public boolean removes(long seq) {
            return seq < idxFirst || deleted.test(seq);
        }
    }

    /** The time of message {@code seq}: one millisecond apart. */
    public static long ts(long seq) {
        return TS0 + seq * 1_000_000L;
    }

    /** Writes stream {@code name} (limits, no limit set, subject {@value #SUBJECT}) with {@code blocks} into {@code streamDir}. */
    public static void write(Path streamDir, String name, List<Block> blocks) throws IOException {
        write(streamDir, name, blocks, -1);
    }

    /** As {@link #write(Path, String, List)}, with {@code max_bytes} set (-1: none). */
    public static void write(Path streamDir, String name, List<Block> blocks, long maxBytes) throws IOException {
        Files.createDirectories(streamDir.resolve("msgs"));
        String meta = "{" + MetaInfText.replaced(MetaInfText.base(name, "big.>"), "max_bytes", Long.toString(maxBytes)) + "}";
        MetaFiles.writeStream(streamDir, name, meta.getBytes(StandardCharsets.UTF_8));
        byte[] subject = SUBJECT.getBytes(StandardCharsets.US_ASCII);
        byte[] empty = new byte[0];
        int rl = Records.messageLength(subject.length, 0, 0);
        for (Block b : blocks) {
            RecordHash hash = RecordHashes.forBlock(name, b.index());
            ByteWriter w = new ByteWriter(Math.toIntExact((b.hi() - b.lo() + 1) * rl));
            SequenceSet deleted = new SequenceSet();
            long msgs = 0;
            long firstTs = 0;
            for (long seq = b.lo(); seq <= b.hi(); seq++) {
                Records.writeMessage(w, hash, seq, ts(seq), subject, null, empty);
                if (seq >= b.idxFirst()) {
                    if (b.deleted().test(seq)) {
                        deleted.add(seq);
                    } else {
                        firstTs = msgs == 0 ? ts(seq) : firstTs;
                        msgs++;
                    }
                }
            }
            byte[] blk = Arrays.copyOf(w.array(), w.size());
            Files.write(streamDir.resolve("msgs").resolve(b.index() + ".blk"), blk);
            LegacyIndex idx = new LegacyIndex(1, msgs, msgs * rl, b.idxFirst(), firstTs, b.hi(), ts(b.hi()), deleted,
                    Arrays.copyOfRange(blk, blk.length - 8, blk.length), null);
            Files.write(streamDir.resolve("msgs").resolve(b.index() + ".idx"), LegacyIndexCodec.encode(idx));
        }
    }
}
