package io.jetstart.runtime;

import io.jetstart.core.compress.BlockCompression;
import io.jetstart.core.crypto.BlockKeystream;
import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamMutator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rewrites a stream's sealed blocks whose live messages take less than half their plaintext (nats-server's
 * {@code shouldCompactSync} → {@code compactWithFloor}, run from {@code syncBlocks}), for the stream's
 * writer, on its thread, at the sync interval, a flush and the close; never the block it appends to.
 *
 * <pre>
 *  before:  [t 3][m 10 dead][m 11 live][t 10][m 12 dead]...[m 40 dead = block's last]
 *  after:   [t 3]           [m 11 live]                 ...[m 40 dead = block's last]
 *           kept: every live message record, byte for byte; the record of the block's last
 *           sequence; the tombstones an earlier block file that stays may need (and the one of
 *           the block's last, when it is here)
 * </pre>
 *
 * <p>Design note: the block's state does not change at all (first, last, deleted map, bytes), so the
 * {@code index.db} on disk, current or stale, still describes it, and no reader's view of it is wrong:
 * <ul>
 *   <li>its first sequence is its first live message, whose record stays; its last sequence's
 *       record stays even when that message is gone (nats-server moves the block's last down to its
 *       last live message instead, so an {@code index.db} written before the rewrite would name a
 *       last no record holds, which nats-server's {@code indexCacheBuf} and our reader take as a
 *       block to rebuild). A kept dead record is still removed by its tombstone: the one in this
 *       block stays with it, one in a later block stays by the reclaim rules (its sequence lies in
 *       this block's range);</li>
 *   <li>the gaps the dropped records leave are in the deleted map already; a rebuild without
 *       {@code index.db} (jetstart's, 2.10.27's and 2.15.1's {@code rebuildStateLocked}: "gaps from
 *       compaction") takes them as deletes;</li>
 *   <li>a tombstone stays when it names a sequence an earlier block file that stays may hold (its
 *       records lie in [recordsFrom, last]), the rule {@link EmptiedMiddleBlocks} keeps; the server's
 *       looser rule ({@code fsDmap}: interior deletes only) would let a message come back when a
 *       tombstone in a later block that names it goes first. Tombstones of this block's own dropped
 *       records, and of blocks that are gone, go;</li>
 *   <li>only blocks that keep a live message are rewritten (an emptied one is removed whole), so a
 *       rewritten block is never one of tombstones only (2.10.27's rebuild starts such a block at its
 *       lowest tombstone + 1): a rebuild starts it at its first live message, as before.</li>
 * </ul>
 * The new file is written as the server writes it: the kept records in file order, S2-compressed
 * when the block was (or the stream asks for it), then encrypted with the block's keystream from
 * offset 0 (its {@code .key} stays); to a temp file in {@code msgs/} whose name no reader takes for a
 * block (nats-server 2.10.27 lists blocks with {@code Sscanf(name, "%d.blk")} alone, which takes
 * {@code 5.blk.x.tmp} for block 5; later lines check the suffix first), synced,
 * renamed over the block, and the directory synced. A kill anywhere leaves the old file or the new
 * one under the block's name; both hold the same live messages and the tombstones that removed
 * the others are durable (the caller syncs the tail first), so every reader comes back to the same
 * state. A block whose records do not parse, do not ascend, or do not add up to its state is left as
 * it is.
 */
final class BlockCompactor {
    /** The steps of one rewrite, for tests that copy the store at each. */
    enum Step { TEMP_WRITTEN, RENAMED, DIRECTORY_SYNCED }

    private final Path msgsDir;
    /** Plaintext bytes of each sealed block as last seen: read once from its file, then what a rewrite kept. */
    private final Map<Long, Long> rawLengths = new HashMap<>();
    /** A block's live bytes when it was last looked at whole: not again until a removal changes them. */
    private final Map<Long, Long> lookedAt = new HashMap<>();
    /** Test seam: runs after each {@link Step}; null in service. */
    private volatile java.util.function.Consumer<Step> afterStep;
    private long rewritten;
    private long bytesFreed;

    BlockCompactor(Path msgsDir) {
        this.msgsDir = msgsDir;
    }

    /**
     * The sealed blocks worth a rewrite now, ascending: they hold a live message, their live bytes
     * are less than half their plaintext (nats-server's {@code bytes*2 < rbytes}), a removal changed them since they were last looked at, and no
     * block file the state does not hold lies before them (a stray: what it holds is not known).
     */
    long[] due(StreamMutator state, long[] strays) throws IOException, InterruptedException {
        List<StreamMutator.BlockSpan> spans = state.blocks();
        if (rawLengths.size() > 2 * spans.size()) {
            // What is kept of blocks that went (removed whole since) goes now and then, not per removal.
            java.util.Set<Long> held = new java.util.HashSet<>();
            for (StreamMutator.BlockSpan b : spans) {
                held.add(b.index());
            }
            rawLengths.keySet().retainAll(held);
            lookedAt.keySet().retainAll(held);
        }
        long lowestStray = strays.length > 0 ? strays[0] : Long.MAX_VALUE;
        long[] out = new long[4];
        int n = 0;
        for (int j = 0; j < spans.size() - 1; j++) {
            StreamMutator.BlockSpan b = spans.get(j);
            if (b.messages() == 0 || b.index() >= lowestStray) {
                continue;
            }
            Long seen = lookedAt.get(b.index());
            if (seen != null && seen == b.bytes()) {
                continue;
            }
            long raw = rawLength(state, b.index());
            if (raw < 0 || b.bytes() * 2 >= raw) {
                continue;
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = b.index();
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Rewrites block {@code index} (one {@link #due} named, the tail synced since the removals that
     * made it due) without the records no reader needs.
     *
     * @param compress whether the stream's config asks for compressed blocks
     * @return whether the block's file was replaced
     */
    boolean compact(StreamMutator state, long index, boolean compress) throws IOException, InterruptedException {
        List<StreamMutator.BlockSpan> spans = state.blocks();
        int at = -1;
        for (int j = 0; j < spans.size() - 1; j++) {
            if (spans.get(j).index() == index) {
                at = j;
                break;
            }
        }
        if (at < 0) {
            return false;
        }
        StreamMutator.BlockSpan b = spans.get(at);
        lookedAt.put(index, b.bytes());
        StreamMutator.SealedContent content = state.readSealed(index);
        if (content == null) {
            return false;
        }
        byte[] kept = keep(state, spans, at, content.plaintext());
        if (kept == null || kept.length >= content.plaintext().length) {
            return false;
        }
        byte[] out = compress || content.compressed() ? BlockCompression.compress(kept, 0, kept.length) : kept;
        Optional<BlockKeystream> ks;
        try {
            ks = state.blockKeystream(index);
        } catch (StoreException e) {
            return false;
        }
        if (ks.isPresent()) {
            // As the server's compactWithFloor: a keystream made again from the block's seed and
            // nonce, from offset 0 (the .key file stays as it is).
            ks.get().xor(out, 0, out.length, 0);
        }
        if (out.length >= content.fileLength()) {
            return false;
        }
        replace(BlockFiles.blockPath(msgsDir, index), out);
        rawLengths.put(index, (long) kept.length);
        rewritten++;
        bytesFreed += content.fileLength() - out.length;
        state.rewritten(index);
        return true;
    }

    /**
     * The records of block {@code spans[at]}'s plaintext that stay, in file order; null when its
     * records do not parse, their sequences do not ascend, or what stays does not add up to the
     * block's state (its live messages and their bytes, the record of its last sequence).
     */
    private static byte[] keep(StreamMutator state, List<StreamMutator.BlockSpan> spans, int at, byte[] plain) {
        StreamMutator.BlockSpan b = spans.get(at);
        byte[] out = new byte[plain.length];
        int len = 0;
        long liveKept = 0;
        long liveBytes = 0;
        boolean lastKept = false;
        long previous = -1;
        RecordCursor c = new RecordCursor().wrap(plain, plain.length);
        while (c.next()) {
            long seq = c.seq();
            int rl = c.rawLength();
            boolean stays;
            if (c.isTombstone()) {
                stays = seq == b.lastSeq() || heldBefore(spans, at, seq);
            } else {
                if (seq <= previous) {
                    return null;
                }
                previous = seq;
                boolean live = c.isMessage() && seq >= b.firstSeq() && seq <= b.lastSeq() && state.isLive(seq);
                if (live) {
                    liveKept++;
                    liveBytes += rl;
                }
                if (seq == b.lastSeq()) {
                    lastKept = true;
                }
                stays = live || seq == b.lastSeq();
            }
            if (stays) {
                System.arraycopy(plain, c.offset(), out, len, rl);
                len += rl;
            }
        }
        if (c.problem() != null || !lastKept || liveKept != b.messages() || liveBytes != b.bytes()) {
            return null;
        }
        return Arrays.copyOf(out, len);
    }

    /**
     * Whether a block before {@code spans[at]} (all stay) may hold a record of {@code seq}: their
     * ranges [recordsFrom, last] ascend without overlapping, so the first whose last is at or above
     * {@code seq} is the only one that may.
     */
    private static boolean heldBefore(List<StreamMutator.BlockSpan> spans, int at, long seq) {
        int lo = 0;
        int hi = at;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (spans.get(mid).lastSeq() < seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < at && spans.get(lo).recordsFrom() <= seq;
    }

    /**
     * {@link AtomicFiles#write}: a temp file (whose name begins with a dot, which no block scan
     * takes), synced, renamed over {@code file}, the directory synced; each step told to the test seam.
     */
    private void replace(Path file, byte[] data) throws IOException {
        AtomicFiles.write(file, data, new AtomicFiles.Steps() {
            @Override
            public void tempWritten() {
                step(Step.TEMP_WRITTEN);
            }

            @Override
            public void renamed() {
                step(Step.RENAMED);
            }

            @Override
            public void directorySynced() {
                step(Step.DIRECTORY_SYNCED);
            }
        });
    }

    private void step(Step s) {
        java.util.function.Consumer<Step> hook = afterStep;
        if (hook != null) {
            hook.accept(s);
        }
    }

    /**
     * The block's plaintext length as last seen (nats-server's {@code rbytes}), found the first time
     * from the file: its length, or for a compressed block the size its envelope declares (its first
     * bytes read, and decrypted with the block's keystream when it has one); -1 when it cannot be read.
     */
    private long rawLength(StreamMutator state, long index) throws IOException, InterruptedException {
        Long known = rawLengths.get(index);
        if (known != null) {
            return known;
        }
        Path file = BlockFiles.blockPath(msgsDir, index);
        byte[] head = new byte[16];
        int n = 0;
        long size;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            size = ch.size();
            ByteBuffer bb = ByteBuffer.wrap(head);
            while (bb.hasRemaining()) {
                int r = ch.read(bb, n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (NoSuchFileException e) {
            return -1;
        }
        long raw = size;
        try {
            Optional<BlockKeystream> ks = state.blockKeystream(index);
            if (ks.isPresent()) {
                ks.get().xor(head, 0, n, 0);
            }
            java.util.OptionalLong declared = io.jetstart.core.format.CompressionEnvelope.originalSize(head, n);
            if (declared.isPresent()) {
                raw = declared.getAsLong();
            }
        } catch (StoreException | io.jetstart.core.format.FormatException e) {
            return -1;
        }
        rawLengths.put(index, raw);
        return raw;
    }

    /** Test seam: {@code hook} runs after each step of a rewrite. */
    void afterStep(java.util.function.Consumer<Step> hook) {
        afterStep = hook;
    }

    /** Blocks rewritten since the writer started. */
    long rewritten() {
        return rewritten;
    }

    /** Bytes of block files the rewrites gave back. */
    long bytesFreed() {
        return bytesFreed;
    }
}
