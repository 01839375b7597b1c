package io.jetstart.core.store;

import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.CompressionEnvelope;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.BlockFiles;
import java.io.IOException;
import java.util.List;

/**
 * Reads the live messages of an opened stream and hands out only what nats-server would: each
 * message's record checksum is verified before its bytes leave, the stream's deleted sets are
 * applied, and a message that cannot be handed out is reported as {@link RecordDamage} (file,
 * offset, sequence), never returned. Every path that gives message bytes away (the CLI's
 * {@code dump}, the runtime's reads) goes through this class.
 *
 * <pre>
 *  per block holding a wanted sequence, read whole through the gate:
 *   1. layout: do its records agree with the state (all sane, first and last sequence where expected)?
 *      no  -&gt; BLOCK_LAYOUT; read only the prefix before its first bad record (BlockScanner.scan)
 *   2. walk the records in file order; for each live message record in the wanted range:
 *      checksum bad -&gt; CHECKSUM (that message only)   header length bad -&gt; HEADER_LENGTH
 *      else         -&gt; visitor.message(view)
 *      live sequences that never showed up            -&gt; MISSING
 * </pre>
 *
 * <p>Design note: this follows what nats-server 2.15.1 was seen to do on a copy of a fixture with
 * one payload byte flipped (docs/format-notes.md). With a valid {@code index.db} it indexes the
 * block without hashing and verifies a record only when it hands it out, so only the bad message
 * is refused (404) and the rest of the block is served; when indexing fails it rebuilds the block
 * and keeps only the records before the first bad one. Without {@code index.db} its rebuild stops
 * at the first bad record, which our opener mirrors in the state (the block's valid prefix), so
 * those messages are not live here at all and the opener's problem already names them. Not
 * thread-safe: one reader per thread, and the store must not change while it reads.
 */
public final class MessageReader {

    /** Receives the messages of a read, and the damage met on the way, in sequence order. */
    public interface Visitor {
        /**
         * A verified live message; {@code m} is valid only during this call.
         *
         * @return false to stop reading
         */
        boolean message(MessageView m);

        /** A live message (or a block's part) that is not handed out, and why. */
        void damaged(RecordDamage damage);
    }

    private final StreamStore store;
    private final RecordCursor cursor = new RecordCursor();
    private final MessageView view = new MessageView();

    public MessageReader(StreamStore store) {
        this.store = store;
    }

    /** Visits every live message with sequence ≥ {@code fromSeq}, in sequence order. */
    public void forEach(long fromSeq, Visitor visitor) throws InterruptedException {
        for (BlockState b : List.copyOf(store.blocks)) {
            if (b.msgs == 0 || b.lastSeq < fromSeq) {
                continue;
            }
            if (!readBlock(b, fromSeq, Long.MAX_VALUE, visitor)) {
                return;
            }
        }
    }

    /** The live message with sequence {@code seq}, copied out, or why there is none. */
    public MessageRead read(long seq) throws InterruptedException {
        BlockState b = store.blockFor(seq);
        if (b == null || !b.isLive(seq)) {
            return new MessageRead.Absent(seq);
        }
        StoredMessage[] found = {null};
        RecordDamage[] damage = {null};
        readBlock(b, seq, seq, new Visitor() {
            @Override
            public boolean message(MessageView m) {
                found[0] = m.toMessage();
                return false;
            }

            @Override
            public void damaged(RecordDamage d) {
                // The damage that withholds this sequence wins over a block-wide layout notice and
                // over a damaged record that held no live message.
                if (damage[0] == null || (d.messages() > 0 && damage[0].messages() == 0)) {
                    damage[0] = d;
                }
            }
        });
        if (found[0] != null) {
            return new MessageRead.Found(found[0]);
        }
        return damage[0] != null ? new MessageRead.Damaged(damage[0]) : new MessageRead.Absent(seq);
    }

    /** Reads block {@code b} and visits its live messages in [from, to]; false when the visitor stopped. */
    private boolean readBlock(BlockState b, long from, long to, Visitor v) throws InterruptedException {
        if (b.file == null) {
            return true;
        }
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        try {
            int len;
            try {
                len = BlockFiles.readBlock(b.file, store.ctx.buffers(), lease, store.ctx.gate());
            } catch (IOException e) {
                long lo = Math.max(from, b.firstSeq);
                v.damaged(new RecordDamage(RecordDamage.Kind.UNREADABLE, b.file, -1, lo, b.liveInRange(lo, to),
                        "cannot read block: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
                return true;
            }
            byte[] buf = lease[0].array();
            try {
                store.decryptBlock(b.index, buf, len);
            } catch (StoreException e) {
                long lo = Math.max(from, b.firstSeq);
                v.damaged(new RecordDamage(RecordDamage.Kind.UNREADABLE, b.file, -1, lo, b.liveInRange(lo, to),
                        "cannot decrypt block: " + e.getMessage()));
                return true;
            }
            String compressed = compression(buf, len);
            if (compressed != null) {
                long lo = Math.max(from, b.firstSeq);
                v.damaged(new RecordDamage(RecordDamage.Kind.UNREADABLE, b.file, 0, lo, b.liveInRange(lo, to), compressed));
                return true;
            }
            int limit = b.validLength >= 0 ? (int) Math.min(len, b.validLength) : len;
            String layout = layoutProblem(b, buf, limit);
            if (layout != null) {
                BlockScan scan = new BlockScanner(store.name, store.ctx.hashes()).scan(b.index, buf, limit);
                limit = (int) scan.validLength();
                String first = scan.problem() == null ? "every record is sound"
                        : "its first bad record, at offset " + scan.problem().offset() + ": " + scan.problem().reason();
                v.damaged(new RecordDamage(RecordDamage.Kind.BLOCK_LAYOUT, b.file,
                        scan.problem() == null ? -1 : scan.problem().offset(), 0, 0,
                        "block records disagree with the stream state (" + layout + "); nats-server rebuilds such a block "
                                + "when it loads it and keeps only the " + limit + " bytes before " + first));
            }
            return visitMessages(b, buf, limit, from, to, v);
        } finally {
            if (lease[0] != null) {
                lease[0].close();
            }
        }
    }

    private static String compression(byte[] buf, int len) {
        try {
            var size = CompressionEnvelope.originalSize(buf, len);
            return size.isPresent() ? "block is S2-compressed (origSize=" + size.getAsLong()
                    + "); compressed streams are not supported yet" : null;
        } catch (FormatException e) {
            return "S2 compression envelope unreadable: " + e.reason();
        }
    }

    /**
     * Why the records of {@code buf[0, limit)} do not describe the block's state, or null; the
     * checks of nats-server's {@code indexCacheBuf} (spec §3.6), which rebuilds the block when one
     * fails: every record passes the sanity checks, the block's first sequence has a message
     * record, and its highest record sequence is the block's last. A live sequence missing in
     * between is not one of them: the server fills the hole and answers 404 for it alone.
     */
    private String layoutProblem(BlockState b, byte[] buf, int limit) {
        cursor.wrap(buf, limit);
        long last = 0;
        boolean firstSeen = false;
        while (cursor.next()) {
            if (cursor.isTombstone()) {
                continue;
            }
            long seq = cursor.seq();
            last = Math.max(last, seq);
            firstSeen |= cursor.isMessage() && seq == b.firstSeq;
        }
        if (cursor.problem() != null) {
            return "record at offset " + cursor.offset() + ": " + cursor.problem();
        }
        if (!firstSeen) {
            return "no message record holds the block's first sequence " + b.firstSeq;
        }
        return last == b.lastSeq ? null : "the highest record sequence is " + Long.toUnsignedString(last)
                + ", the block's last is " + b.lastSeq;
    }

    private boolean visitMessages(BlockState b, byte[] buf, int limit, long from, long to, Visitor v) {
        RecordHash hash = store.ctx.hashes().forBlock(store.name, b.index);
        cursor.wrap(buf, limit);
        long last = 0;
        long expect = Math.max(from, b.firstSeq);
        while (cursor.next()) {
            long seq = cursor.seq();
            if (cursor.isErasedOrSkip()) {
                last = Math.max(last, seq);
                continue;
            }
            if (!cursor.isMessage()) {
                continue;
            }
            if (seq <= last) {
                // Never written by a server; a flipped sequence byte looks like this. Its checksum
                // says whether the record is damaged (the live sequence it held is then MISSING).
                String bad = cursor.checksumProblem(hash);
                if (bad != null) {
                    v.damaged(new RecordDamage(RecordDamage.Kind.CHECKSUM, b.file, cursor.offset(), seq, 0, "record claiming "
                            + "sequence " + seq + " (after " + last + "): " + bad));
                }
                continue;
            }
            last = seq;
            if (seq > to) {
                break;
            }
            if (seq < from || !b.isLive(seq)) {
                continue;
            }
            if (seq > expect) {
                missing(b, expect, seq - 1, v);
            }
            expect = seq + 1;
            String bad = cursor.checksumProblem(hash);
            if (bad != null) {
                v.damaged(new RecordDamage(RecordDamage.Kind.CHECKSUM, b.file, cursor.offset(), seq, 1, "message " + seq
                        + ": " + bad + "; not handed out (nats-server answers 404 for it)"));
                continue;
            }
            if (!cursor.headersFit()) {
                v.damaged(new RecordDamage(RecordDamage.Kind.HEADER_LENGTH, b.file, cursor.offset(), seq, 1, "message "
                        + seq + ": header length runs past the end of its " + cursor.rawLength()
                        + "-byte record; not handed out (nats-server: invalid message length)"));
                continue;
            }
            if (!v.message(view.wrap(buf, cursor))) {
                return false;
            }
        }
        long hi = Math.min(to, b.lastSeq);
        if (expect <= hi) {
            missing(b, expect, hi, v);
        }
        return true;
    }

    private static void missing(BlockState b, long lo, long hi, Visitor v) {
        long n = b.liveInRange(lo, hi);
        if (n == 0) {
            return;
        }
        long first = lo;
        while (!b.isLive(first)) {
            first++;
        }
        v.damaged(new RecordDamage(RecordDamage.Kind.MISSING, b.file, -1, first, n, n + " live message"
                + (n == 1 ? "" : "s") + " in " + lo + ".." + hi + " (first " + first + ") not found in the block's readable records"));
    }
}
