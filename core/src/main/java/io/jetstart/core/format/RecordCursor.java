package io.jetstart.core.format;

import io.jetstart.core.hash.RecordHash;

/**
 * A flyweight that walks the records of one block buffer in file order (layout in
 * {@link Records}) and exposes the current record's fields as offsets into that buffer.
 *
 * <pre>
 *  wrap(buf, len) -&gt; next() -&gt; record at offset(): kind, seq, ts, subject/headers/payload ranges
 *                    next() -&gt; ...
 *                    next() == false: at the end (problem() null) or at a record that fails the
 *                                     §3.4 sanity checks (problem() says why; offset() is where)
 * </pre>
 *
 * <p>Design note: the cursor checks only what every reader needs before it may look at a
 * record (§3.4, so the ranges it gives are inside the buffer) and leaves the checksum to the
 * caller ({@link #checksumProblem}), because nats-server verifies it at different times on its
 * two paths: a rebuild verifies every record, a read from a block indexed through
 * {@code index.db} verifies only the record it hands out. Allocates nothing but the problem
 * strings. Not thread-safe; the buffer must not change while wrapped.
 */
public final class RecordCursor {
    private byte[] buf;
    private int end;
    private int next;
    private int offset;
    private int rl;
    private boolean hasHeaders;
    private int slen;
    private String problem;

    /** Starts before the first record of {@code buf[0, len)}. */
    public RecordCursor wrap(byte[] buf, int len) {
        return wrap(buf, 0, len);
    }

    /**
     * Starts before the record at {@code start} of {@code buf[0, len)}: a record start found earlier
     * (an index of record offsets), or where a walk of a shorter prefix ended.
     */
    public RecordCursor wrap(byte[] buf, int start, int len) {
        if (len < 0 || len > buf.length || start < 0 || start > len) {
            throw new IllegalArgumentException("start " + start + ", length " + len + " outside a buffer of " + buf.length);
        }
        this.buf = buf;
        this.end = len;
        this.next = start;
        this.offset = start;
        this.rl = 0;
        this.problem = null;
        return this;
    }

    /**
     * Moves to the next record.
     *
     * @return false at the end of the buffer, or when the record at {@link #offset()} fails the
     *         sanity checks ({@link #problem()} then says why; the cursor stays there)
     */
    public boolean next() {
        if (problem != null) {
            return false;
        }
        offset = next;
        rl = 0;
        if (offset >= end) {
            return false;
        }
        String bad = Records.sanity(buf, offset, end);
        if (bad != null) {
            problem = bad;
            return false;
        }
        long raw = LittleEndian.u32(buf, offset);
        hasHeaders = (raw & Records.HBIT) != 0;
        rl = (int) (raw & 0x7fff_ffffL);
        slen = LittleEndian.u16(buf, offset + 20);
        next = offset + rl;
        return true;
    }

    /** Why the walk stopped before the end (a record that fails §3.4), or null. */
    public String problem() {
        return problem;
    }

    /** Where the current record starts (or, after a failed {@link #next()}, where the bad one does). */
    public int offset() {
        return offset;
    }

    /** {@code rl} with the header bit masked off: the whole record, checksum included. */
    public int rawLength() {
        return rl;
    }

    /** The sequence field as stored, flag bits included. */
    public long rawSeq() {
        return LittleEndian.u64(buf, offset + 4);
    }

    /** The sequence with the {@code ebit}/{@code tbit} flags stripped. */
    public long seq() {
        return rawSeq() & ~(Records.EBIT | Records.TBIT);
    }

    public boolean isTombstone() {
        return (rawSeq() & Records.TBIT) != 0;
    }

    /** An erased message or a skip marker ({@code ebit}, no {@code tbit}). */
    public boolean isErasedOrSkip() {
        long s = rawSeq();
        return (s & Records.EBIT) != 0 && (s & Records.TBIT) == 0;
    }

    /** A message record: neither flag set. */
    public boolean isMessage() {
        return (rawSeq() & (Records.EBIT | Records.TBIT)) == 0;
    }

    public long timestamp() {
        return LittleEndian.u64(buf, offset + 12);
    }

    public int subjectOffset() {
        return offset + Records.HEADER_SIZE;
    }

    public int subjectLength() {
        return slen;
    }

    /**
     * True unless the record has headers whose 4-byte length runs past its payload. The length is
     * not covered by the checksum, so a record can pass its checksum and still fail here.
     */
    public boolean headersFit() {
        return !hasHeaders || LittleEndian.u32(buf, subjectOffset() + slen) <= bodyEnd() - (subjectOffset() + slen + 4);
    }

    /** Where the header block starts (only meaningful when it has one and {@link #headersFit()}). */
    public int headersOffset() {
        return subjectOffset() + slen + (hasHeaders ? 4 : 0);
    }

    /** Bytes of the header block, 0 when the record has none; call only when {@link #headersFit()}. */
    public int headersLength() {
        return hasHeaders ? (int) LittleEndian.u32(buf, subjectOffset() + slen) : 0;
    }

    public int payloadOffset() {
        return headersOffset() + headersLength();
    }

    public int payloadLength() {
        return bodyEnd() - payloadOffset();
    }

    private int bodyEnd() {
        return offset + rl - Records.CHECKSUM_SIZE;
    }

    /**
     * Verifies the current record's checksum with its block's keyed hash.
     *
     * @return null when it matches, else what was stored and what was computed
     */
    public String checksumProblem(RecordHash blockHash) {
        long computed = Records.checksum(blockHash, buf, offset, slen, hasHeaders, rl);
        long stored = LittleEndian.u64(buf, bodyEnd());
        return computed == stored ? null : Records.invalidChecksum(stored, computed);
    }
}
