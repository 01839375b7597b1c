package io.jetstart.core.store;

import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.hash.RecordHashSource;

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
 *  (a damaged 2.9 block read through its .idx: steps 1-2 by slot instead, record i = sequence first + i)
 * </pre>
 *
 * <p>Design note: this follows what nats-server 2.15.1 was seen to do on a copy of a fixture with
 * one payload byte flipped (docs/format-notes.md). With a valid {@code index.db} it indexes the
 * block without hashing and verifies a record only when it hands it out, so only the bad message
 * is refused (404) and the rest of the block is served; when indexing fails it rebuilds the block
 * and keeps only the records before the first bad one. Without {@code index.db} its rebuild stops
 * at the first bad record, which our opener mirrors in the state (the block's valid prefix), so
 * those messages are not live here at all and the opener's problem already names them.
 *
 * <p>Two ways in: over an opened {@link StreamStore} (the CLI's tools; the store must not change
 * while it reads), or over the {@link StreamView}s a stream's writer publishes, with the blocks from
 * a {@link BlockSource} it is given (the runtime: a byte-bounded {@link BlockCache}, so a get is a
 * binary search in a cached record index). Thread-safe when its source is: every read has its own
 * cursor, and views are immutable.
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

        /**
         * Whether a live message with this (not yet verified) subject is wanted at all: one that is
         * not is neither verified nor handed out. Asked only when {@link #filtersSubjects()}.
         */
        default boolean wants(String subject) {
            return true;
        }

        /** Whether {@link #wants} is to be asked (false: every message is wanted, no subject is decoded). */
        default boolean filtersSubjects() {
            return false;
        }
    }

    private final String stream;
    private final RecordHashSource hashes;
    private final BlockSource source;
    private final StreamStore store;

    /** A reader of an opened store's files (not handed over, or read-only): the store must not change while it reads. */
    public MessageReader(StreamStore store) {
        this.stream = store.name;
        this.hashes = store.ctx.hashes();
        this.source = BlockSource.files(store);
        this.store = store;
    }

    /** A reader of the views of stream {@code stream}, whose blocks come from {@code source}. */
    public MessageReader(String stream, RecordHashSource hashes, BlockSource source) {
        this.stream = stream;
        this.hashes = hashes;
        this.source = source;
        this.store = null;
    }

    /** Visits every live message of the store with sequence ≥ {@code fromSeq}, in sequence order. */
    public void forEach(long fromSeq, Visitor visitor) throws InterruptedException {
        forEach(storeView(), fromSeq, visitor);
    }

    /** The store's live message with sequence {@code seq}, copied out, or why there is none. */
    public MessageRead read(long seq) throws InterruptedException {
        return read(storeView(), seq);
    }

    private StreamView storeView() {
        if (store == null) {
            throw new IllegalStateException("this reader reads views: pass the view to read");
        }
        return store.readView();
    }

    /** Visits every live message of {@code view} with sequence ≥ {@code fromSeq}, in sequence order. */
    public void forEach(StreamView view, long fromSeq, Visitor visitor) throws InterruptedException {
        for (StreamView.Block b : view.blocks()) {
            if (b.messages() == 0 || b.lastSeq() < fromSeq) {
                continue;
            }
            if (!forEachIn(b, fromSeq, visitor)) {
                return;
            }
        }
    }

    /**
     * Visits the live messages of block {@code b} with sequence ≥ {@code fromSeq} (for a reader
     * that walks blocks in its own order, such as a last-by-subject search from the end).
     *
     * @return false when the visitor stopped
     */
    public boolean forEachIn(StreamView.Block b, long fromSeq, Visitor visitor) throws InterruptedException {
        if (b.messages() == 0 || b.lastSeq() < fromSeq) {
            return true;
        }
        return readBlock(b, fromSeq, Long.MAX_VALUE, visitor);
    }

    /** Receives the sequence and subject of each message record {@link #forEachSubjectIn} walks. */
    @FunctionalInterface
    public interface SubjectVisitor {
        /** The record of {@code seq}: its subject is {@code buf[off, off + len)}, valid only during this call. */
        void subject(long seq, byte[] buf, int off, int len);
    }

    /**
     * The sequence and subject of every message record of block {@code b} with sequence in
     * [{@code from}, its last], in file order, live or not (the caller applies a view's deleted
     * set): for counts by subject (a consumer's {@code num_pending}), which nats-server answers from
     * a block's subject state without loading a message. Neither checksums nor payloads are looked
     * at. Only a sound block is walked; for any other (unreadable, records disagreeing with the
     * state, a damaged 2.9 block read by slot, a header length past its record) false is returned
     * and what was visited is to be dropped: the caller reads through {@link #forEachIn}, which
     * reports the damage.
     *
     * @return whether the block was walked
     */
    public boolean forEachSubjectIn(StreamView.Block b, long from, SubjectVisitor v) throws InterruptedException {
        if (b.file() == null || b.bySlot()) {
            return b.file() == null;
        }
        if (b.messages() == 0 || b.lastSeq() < from) {
            return true;
        }
        BlockBytes bytes;
        try {
            bytes = source.load(b);
        } catch (BlockUnreadableException e) {
            return false;
        }
        try (bytes) {
            byte[] buf = bytes.array();
            int limit = b.length() >= 0 ? (int) Math.min(bytes.length(), b.length()) : bytes.length();
            RecordIndex index = bytes.index();
            if (index.layoutProblem(b, limit) != null || !index.ascending()) {
                return false;
            }
            long lo = Math.max(from, b.firstSeq());
            // Straight to the first record wanted when it is there (a growing block's new part).
            int start = index.offsetOf(lo, limit);
            RecordCursor cursor = start >= 0 ? new RecordCursor().wrap(buf, start, limit) : new RecordCursor().wrap(buf, limit);
            while (cursor.next()) {
                long seq = cursor.seq();
                if (seq > b.lastSeq()) {
                    break;
                }
                if (!cursor.isMessage() || cursor.isErasedOrSkip() || seq < lo) {
                    continue;
                }
                if (!cursor.headersFit()) {
                    return false;
                }
                v.subject(seq, buf, cursor.subjectOffset(), cursor.subjectLength());
            }
            return true;
        }
    }

    /** The live message {@code seq} of {@code view}, copied out, or why there is none. */
    public MessageRead read(StreamView view, long seq) throws InterruptedException {
        StreamView.Block b = view.blockFor(seq);
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
    private boolean readBlock(StreamView.Block b, long from, long to, Visitor v) throws InterruptedException {
        if (b.file() == null) {
            return true;
        }
        BlockBytes bytes;
        try {
            bytes = source.load(b);
        } catch (BlockUnreadableException e) {
            long lo = Math.max(from, b.firstSeq());
            v.damaged(new RecordDamage(RecordDamage.Kind.UNREADABLE, b.file(), e.offset(), lo, b.liveInRange(lo, to),
                    e.reason()));
            return true;
        }
        try (bytes) {
            byte[] buf = bytes.array();
            int limit = b.length() >= 0 ? (int) Math.min(bytes.length(), b.length()) : bytes.length();
            if (b.bySlot()) {
                return visitSlots(b, buf, limit, from, to, v);
            }
            RecordIndex index = bytes.index();
            String layout = index.layoutProblem(b, limit);
            if (layout != null) {
                BlockScan scan = new BlockScanner(stream, hashes).scan(b.index(), buf, limit);
                limit = (int) scan.validLength();
                String first = scan.problem() == null ? "every record is sound"
                        : "its first bad record, at offset " + scan.problem().offset() + ": " + scan.problem().reason();
                v.damaged(new RecordDamage(RecordDamage.Kind.BLOCK_LAYOUT, b.file(),
                        scan.problem() == null ? -1 : scan.problem().offset(), 0, 0,
                        "block records disagree with the stream state (" + layout + "); nats-server rebuilds such a block "
                                + "when it loads it and keeps only the " + limit + " bytes before " + first));
            } else if (from == to) {
                // One message of a sound block: straight to its record.
                int off = index.offsetOf(from, limit);
                if (off >= 0) {
                    RecordCursor c = new RecordCursor().wrap(buf, off, limit);
                    if (c.next() && c.seq() == from) {
                        handOut(b, c, new MessageView().wrap(buf, c), v);
                        return true;
                    }
                }
            }
            return visitMessages(b, buf, limit, from, to, v);
        }
    }

    /** Verifies the record under {@code c} and hands it out, or reports why not; false when the visitor stopped. */
    private boolean handOut(StreamView.Block b, RecordCursor c, MessageView view, Visitor v) {
        long seq = c.seq();
        String bad = c.checksumProblem(hashes.forBlock(stream, b.index()));
        if (bad != null) {
            v.damaged(new RecordDamage(RecordDamage.Kind.CHECKSUM, b.file(), c.offset(), seq, 1, "message " + seq
                    + ": " + bad + "; not handed out (nats-server answers 404 for it)"));
            return true;
        }
        if (!c.headersFit()) {
            v.damaged(new RecordDamage(RecordDamage.Kind.HEADER_LENGTH, b.file(), c.offset(), seq, 1, "message "
                    + seq + ": header length runs past the end of its " + c.rawLength()
                    + "-byte record; not handed out (nats-server: invalid message length)"));
            return true;
        }
        return v.message(view);
    }

    private boolean visitMessages(StreamView.Block b, byte[] buf, int limit, long from, long to, Visitor v) {
        RecordHash hash = hashes.forBlock(stream, b.index());
        RecordCursor cursor = new RecordCursor().wrap(buf, limit);
        MessageView view = new MessageView();
        long last = 0;
        long expect = Math.max(from, b.firstSeq());
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
                    v.damaged(new RecordDamage(RecordDamage.Kind.CHECKSUM, b.file(), cursor.offset(), seq, 0, "record claiming "
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
            if (v.filtersSubjects() && cursor.headersFit() && !v.wants(new String(buf, cursor.subjectOffset(),
                    cursor.subjectLength(), java.nio.charset.StandardCharsets.UTF_8))) {
                continue;
            }
            view.wrap(buf, cursor);
            if (!handOut(b, cursor, view, v)) {
                return false;
            }
        }
        long hi = Math.min(to, b.lastSeq());
        if (expect <= hi) {
            missing(b, expect, hi, v);
        }
        return true;
    }

    /**
     * The live messages in [from, to] of a damaged 2.9 block read through its {@code .idx}, as
     * nats-server 2.9 finds them: record {@code i} holds sequence first + {@code i}. Recovery
     * admitted the block only with every record framed and every record that passes its checksum
     * in its slot ({@link LegacyBlockReadThroughIndex}), so the slots' first sequence is that of
     * the first record that passes. A record that fails is its slot's message withheld, whatever
     * sequence it claims: walked by claimed sequences, a flipped one (1 read as 1025) hid every
     * message after it, which 2.9.10 serves (LIM1: 2..1000).
     */
    private boolean visitSlots(StreamView.Block b, byte[] buf, int limit, long from, long to, Visitor v) {
        RecordHash hash = hashes.forBlock(stream, b.index());
        RecordCursor cursor = new RecordCursor().wrap(buf, limit);
        long first = -1;
        for (long slot = 0; first < 0 && cursor.next(); slot++) {
            if (cursor.checksumProblem(hash) == null) {
                first = cursor.seq() - slot;
            }
        }
        long lo = Math.max(from, b.firstSeq());
        long hi = Math.min(to, b.lastSeq());
        if (first < 0) {
            missing(b, lo, hi, v);
            return true;
        }
        cursor.wrap(buf, limit);
        MessageView view = new MessageView();
        long expect = lo;
        for (long seq = first; seq <= hi && cursor.next(); seq++) {
            if (seq < lo || !b.isLive(seq)) {
                continue;
            }
            if (seq > expect) {
                missing(b, expect, seq - 1, v);
            }
            expect = seq + 1;
            if (cursor.rawSeq() != seq) {
                // Its own sequence is damaged (or flagged): the checksum, which covers it, fails.
                String bad = cursor.checksumProblem(hash);
                v.damaged(new RecordDamage(RecordDamage.Kind.CHECKSUM, b.file(), cursor.offset(), seq, 1, "message " + seq
                        + " (its record claims " + Long.toUnsignedString(cursor.rawSeq()) + "): "
                        + (bad == null ? "out of its slot" : bad) + "; not handed out (nats-server answers 404 for it)"));
                continue;
            }
            if (v.filtersSubjects() && cursor.headersFit() && !v.wants(new String(buf, cursor.subjectOffset(),
                    cursor.subjectLength(), java.nio.charset.StandardCharsets.UTF_8))) {
                continue;
            }
            // handOut verifies the checksum (a bad payload, subject or time: that message alone).
            if (!handOut(b, cursor, view.wrap(buf, cursor), v)) {
                return false;
            }
        }
        if (expect <= hi) {
            missing(b, expect, hi, v);
        }
        return true;
    }

    private static void missing(StreamView.Block b, long lo, long hi, Visitor v) {
        long n = b.liveInRange(lo, hi);
        if (n == 0) {
            return;
        }
        long first = lo;
        while (!b.isLive(first)) {
            first++;
        }
        v.damaged(new RecordDamage(RecordDamage.Kind.MISSING, b.file(), -1, first, n, n + " live message"
                + (n == 1 ? "" : "s") + " in " + lo + ".." + hi + " (first " + first + ") not found in the block's readable records"));
    }
}
