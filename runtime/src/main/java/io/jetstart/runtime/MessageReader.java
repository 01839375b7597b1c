package io.jetstart.runtime;

import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.MessageRecord;
import io.jetstart.core.format.Records;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * Reads committed messages for any thread: the view the writer last published says which blocks
 * hold which live sequences and how many bytes of each are committed; the block is read through
 * the gate into the byte-bounded {@link BlockCache}, only up to that length, and each returned
 * record's checksum is verified before its bytes are handed out ({@link Records#read}).
 *
 * <p>Design note: the whole read path is this class, so a shared verified reader in core can
 * replace it without touching the writer.
 */
final class MessageReader {
    private final String stream;
    private final BlockCache cache;
    private final RecordHashSource hashes;

    MessageReader(String stream, BlockCache cache, RecordHashSource hashes) {
        this.stream = stream;
        this.cache = cache;
        this.hashes = hashes;
    }

    Optional<StoredMessage> get(StreamView view, long seq) throws InterruptedException {
        StreamView.Block b = view.blockFor(seq);
        if (b == null || !b.isLive(seq)) {
            return Optional.empty();
        }
        try {
            BlockCache.Bytes bytes = cache.read(b.file(), b.length());
            int off = bytes.offsetOf(seq);
            return off < 0 ? Optional.empty() : Optional.of(verified(b, bytes.array(), off, bytes.length()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + b.file() + ": " + e.getMessage(), e);
        }
    }

    /** The first live message with sequence ≥ {@code from} whose subject matches {@code filter}. */
    Optional<StoredMessage> next(StreamView view, long from, SubjectFilter filter) throws InterruptedException {
        for (StreamView.Block b : view.blocks()) {
            if (b.messages() == 0 || b.lastSeq() < from) {
                continue;
            }
            StoredMessage[] out = new StoredMessage[1];
            visit(b, (s, off, buf, len) -> {
                if (s >= from && b.isLive(s) && filter.matches(subjectAt(buf, off))) {
                    out[0] = verified(b, buf, off, len);
                    return false;
                }
                return true;
            });
            if (out[0] != null) {
                return Optional.of(out[0]);
            }
        }
        return Optional.empty();
    }

    /**
     * Up to {@code max} live messages with sequence ≥ {@code from} whose subject matches
     * {@code filter}, in sequence order: one pass over each block instead of one per message, for
     * callers that walk a stream (the KV view's keys, history and watch).
     */
    List<StoredMessage> batch(StreamView view, long from, SubjectFilter filter, int max) throws InterruptedException {
        List<StoredMessage> out = new java.util.ArrayList<>();
        for (StreamView.Block b : view.blocks()) {
            if (out.size() >= max) {
                break;
            }
            if (b.messages() == 0 || b.lastSeq() < from) {
                continue;
            }
            visit(b, (s, off, buf, len) -> {
                if (s >= from && b.isLive(s) && filter.matches(subjectAt(buf, off))) {
                    out.add(verified(b, buf, off, len));
                }
                return out.size() < max;
            });
        }
        return out;
    }

    /** The live message with the highest sequence whose subject matches {@code filter} (wildcards allowed). */
    Optional<StoredMessage> last(StreamView view, SubjectFilter filter) throws InterruptedException {
        List<StreamView.Block> blocks = view.blocks();
        for (int i = blocks.size() - 1; i >= 0; i--) {
            StreamView.Block b = blocks.get(i);
            if (b.messages() == 0) {
                continue;
            }
            StoredMessage[] out = new StoredMessage[1];
            visit(b, (s, off, buf, len) -> {
                if (b.isLive(s) && filter.matches(subjectAt(buf, off))) {
                    out[0] = verified(b, buf, off, len);
                }
                return true;
            });
            if (out[0] != null) {
                return Optional.of(out[0]);
            }
        }
        return Optional.empty();
    }

    @FunctionalInterface
    private interface RecordVisitor {
        /** @return false to stop */
        boolean record(long seq, int recordOffset, byte[] buf, int len);
    }

    /** Visits the message records of the committed prefix of {@code b}, in file order. */
    private void visit(StreamView.Block b, RecordVisitor v) throws InterruptedException {
        try {
            BlockCache.Bytes bytes = cache.read(b.file(), b.length());
            byte[] buf = bytes.array();
            int end = bytes.length();
            boolean[] stop = {false};
            new BlockScanner(stream, hashes).forEachMessage(b.index(), buf, end, (seq, ts, bb, so, sl, ho, hl, po, pl, rl) -> {
                if (!stop[0] && !v.record(seq, so - Records.HEADER_SIZE, bb, end)) {
                    stop[0] = true;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + b.file() + ": " + e.getMessage(), e);
        }
    }

    private StoredMessage verified(StreamView.Block b, byte[] buf, int off, int end) {
        try {
            MessageRecord r = Records.read(buf, off, end, hashes.forBlock(stream, b.index()));
            return new StoredMessage(r.seq(), new String(r.subject(), java.nio.charset.StandardCharsets.UTF_8), r.ts(),
                    r.headers(), r.payload());
        } catch (FormatException e) {
            throw new UncheckedIOException(new IOException("malformed or corrupt message in " + b.file() + " at offset " + off
                    + ": " + e.reason()));
        }
    }

    private static String subjectAt(byte[] buf, int recordOffset) {
        int slen = (buf[recordOffset + 20] & 0xff) | (buf[recordOffset + 21] & 0xff) << 8;
        return new String(buf, recordOffset + Records.HEADER_SIZE, slen, java.nio.charset.StandardCharsets.UTF_8);
    }
}
