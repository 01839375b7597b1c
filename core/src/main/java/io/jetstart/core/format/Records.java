package io.jetstart.core.format;

import io.jetstart.core.hash.HighwayHash64;
import io.jetstart.core.hash.RecordHash;

/**
 * Encoder and checked decoder of the records that make up a message block {@code msgs/<n>.blk}
 * (spec §3.2–3.4).
 *
 * <pre>
 *  offset   size  field
 *  0        4     rl       u32 LE: whole record length, checksum included; bit 31 (hbit) = has headers
 *  4        8     seq      u64 LE: sequence; bit 63 (ebit) erased/skip, bit 62 (tbit) tombstone
 *  12       8     ts       i64 LE: nanoseconds since the epoch (0 = none)
 *  20       2     slen     u16 LE
 *  22       slen  subject
 *  -- only when hbit:
 *  22+slen  4     hlen     u32 LE (not hashed)
 *           hlen  headers  "NATS/1.0\r\n...\r\n\r\n"
 *  --
 *           ...   payload  up to rl-8
 *  rl-8     8     checksum HH64(sha256("&lt;stream&gt;-&lt;n&gt;"), seq|ts|subject|headers|payload), LE
 *
 *  message     seq            full record
 *  skip        seq | ebit     rl 30, ts = stream's last time, nothing else
 *  erased      seq | ebit     original rl, ts 0, slen 0, rl-30 random bytes
 *  tombstone   seq | tbit     rl 30, ts = the removed message's ts
 * </pre>
 *
 * <p>Design note: the checksum skips {@code rl}, {@code slen} and {@code hlen} and covers the
 * sequence with its flag bits, so erasing a message in place (flag + random body + new checksum)
 * needs no other change to the file and a tombstone can never be confused with its message.
 * Because the checksum is keyed per block, hashing needs the caller's keyed {@link RecordHash};
 * writers lay the record out first and hash it where it lies, exactly as a reader verifies it.
 */
public final class Records {
    public static final int HEADER_SIZE = 22;
    public static final int CHECKSUM_SIZE = 8;
    public static final int EMPTY_RECORD_LENGTH = 30;
    /** nats-server's {@code rlBadThresh}: a longer record is corrupt (read) or too large (write). */
    public static final int MAX_RECORD_LENGTH = 32 * 1024 * 1024;
    /** In {@code rl}: the record carries a header block. */
    public static final long HBIT = 1L << 31;
    /** In {@code seq}: erased message or skip marker. */
    public static final long EBIT = 1L << 63;
    /** In {@code seq}: delete tombstone. */
    public static final long TBIT = 1L << 62;

    static final int MAX_SUBJECT_LENGTH = 0xffff;
    private static final long RL_MASK = 0x7fff_ffffL;

    private Records() {
    }

    /** {@code rl} of a message with these part lengths ({@code headersLen} 0 = no header block). */
    public static int messageLength(int subjectLen, int headersLen, int payloadLen) {
        if (subjectLen < 0 || headersLen < 0 || payloadLen < 0) {
            throw new IllegalArgumentException("negative length: subject " + subjectLen + ", headers "
                    + headersLen + ", payload " + payloadLen);
        }
        if (subjectLen > MAX_SUBJECT_LENGTH) {
            throw new IllegalArgumentException("subject of " + subjectLen + " bytes exceeds " + MAX_SUBJECT_LENGTH);
        }
        long rl = (long) HEADER_SIZE + subjectLen + (headersLen > 0 ? 4L + headersLen : 0) + payloadLen + CHECKSUM_SIZE;
        if (rl > MAX_RECORD_LENGTH) {
            throw new IllegalArgumentException("message record of " + rl + " bytes exceeds " + MAX_RECORD_LENGTH);
        }
        return (int) rl;
    }

    /** Appends a message record; returns its {@code rl} (without the header bit). */
    public static int writeMessage(ByteWriter out, RecordHash blockHash, long seq, long ts,
                                   byte[] subject, byte[] headers, byte[] payload) {
        int hlen = headers == null ? 0 : headers.length;
        int rl = messageLength(subject.length, hlen, payload.length);
        checkPlainSeq(seq);
        int start = out.size();
        out.u32(hlen > 0 ? rl | HBIT : rl).u64(seq).u64(ts).u16(subject.length).bytes(subject);
        if (hlen > 0) {
            out.u32(hlen).bytes(headers);
        }
        out.bytes(payload);
        out.u64(checksum(blockHash, out.array(), start, subject.length, hlen > 0, rl));
        return rl;
    }

    /**
     * Writes a message record straight into {@code dst} at {@code off} (the caller has made room for
     * {@link #messageLength}); returns its {@code rl}. The fast path for bulk writers.
     */
    public static int writeMessage(byte[] dst, int off, RecordHash blockHash, long seq, long ts,
                                   byte[] subject, byte[] headers, byte[] payload) {
        int hlen = headers == null ? 0 : headers.length;
        int rl = messageLength(subject.length, hlen, payload.length);
        checkPlainSeq(seq);
        if (off < 0 || off > dst.length - rl) {
            throw new IndexOutOfBoundsException("record of " + rl + " bytes at " + off + " does not fit in " + dst.length);
        }
        LittleEndian.putU32(dst, off, hlen > 0 ? rl | HBIT : rl);
        LittleEndian.putU64(dst, off + 4, seq);
        LittleEndian.putU64(dst, off + 12, ts);
        LittleEndian.putU16(dst, off + 20, subject.length);
        int p = off + HEADER_SIZE;
        System.arraycopy(subject, 0, dst, p, subject.length);
        p += subject.length;
        if (hlen > 0) {
            LittleEndian.putU32(dst, p, hlen);
            System.arraycopy(headers, 0, dst, p + 4, hlen);
            p += 4 + hlen;
        }
        System.arraycopy(payload, 0, dst, p, payload.length);
        p += payload.length;
        LittleEndian.putU64(dst, p, checksum(blockHash, dst, off, subject.length, hlen > 0, rl));
        return rl;
    }

    /** Appends a delete tombstone for {@code seq} (rl 30, seq | tbit); returns 30. */
    public static int writeTombstone(ByteWriter out, RecordHash blockHash, long seq, long ts) {
        checkPlainSeq(seq);
        return writeEmpty(out, blockHash, seq | TBIT, ts);
    }

    /** Appends a skip marker for {@code seq} (rl 30, seq | ebit); returns 30. */
    public static int writeSkip(ByteWriter out, RecordHash blockHash, long seq, long ts) {
        checkPlainSeq(seq);
        return writeEmpty(out, blockHash, seq | EBIT, ts);
    }

    /**
     * Appends an erased message: the original {@code rl} is kept, seq | ebit, ts 0, no subject,
     * and {@code rl - 30} filler bytes (random in nats-server). Returns {@code rl}.
     */
    public static int writeErased(ByteWriter out, RecordHash blockHash, long seq, int rl, byte[] randomBody) {
        checkPlainSeq(seq);
        if (rl < EMPTY_RECORD_LENGTH || rl > MAX_RECORD_LENGTH) {
            throw new IllegalArgumentException("erased record length " + rl + " outside "
                    + EMPTY_RECORD_LENGTH + ".." + MAX_RECORD_LENGTH);
        }
        if (randomBody.length != rl - EMPTY_RECORD_LENGTH) {
            throw new IllegalArgumentException("erased record of " + rl + " bytes needs " + (rl - EMPTY_RECORD_LENGTH)
                    + " filler bytes, got " + randomBody.length);
        }
        int start = out.size();
        out.u32(rl).u64(seq | EBIT).u64(0).u16(0).bytes(randomBody);
        out.u64(checksum(blockHash, out.array(), start, 0, false, rl));
        return rl;
    }

    private static int writeEmpty(ByteWriter out, RecordHash blockHash, long flaggedSeq, long ts) {
        int start = out.size();
        out.u32(EMPTY_RECORD_LENGTH).u64(flaggedSeq).u64(ts).u16(0);
        out.u64(checksum(blockHash, out.array(), start, 0, false, EMPTY_RECORD_LENGTH));
        return EMPTY_RECORD_LENGTH;
    }

    private static void checkPlainSeq(long seq) {
        if ((seq & (EBIT | TBIT)) != 0) {
            throw new IllegalArgumentException("sequence " + Long.toUnsignedString(seq) + " uses the flag bits 62/63");
        }
    }

    /**
     * Decodes and verifies the record at {@code buf[off]}, which must end at or before {@code end}:
     * the §3.4 sanity checks, {@code rl >= 30}, the header-length bound, then the checksum.
     */
    public static MessageRecord read(byte[] buf, int off, int end, RecordHash blockHash) throws FormatException {
        if (off < 0 || end > buf.length || off > end) {
            throw new IllegalArgumentException("slice " + off + ".." + end + " outside " + buf.length);
        }
        String bad = sanity(buf, off, end);
        if (bad != null) {
            throw new FormatException(off, bad);
        }
        long rawRl = LittleEndian.u32(buf, off);
        boolean hasHeaders = (rawRl & HBIT) != 0;
        int rl = (int) (rawRl & RL_MASK);
        int slen = LittleEndian.u16(buf, off + 20);
        int bodyStart = off + HEADER_SIZE + slen;
        int bodyEnd = off + rl - CHECKSUM_SIZE;
        int hlen = 0;
        if (hasHeaders) {
            long declared = LittleEndian.u32(buf, bodyStart);
            bodyStart += 4;
            if (declared > bodyEnd - bodyStart) {
                throw new FormatException(off, "invalid header length " + declared + ": only "
                        + (bodyEnd - bodyStart) + " bytes of headers and payload in a record of " + rl + " bytes");
            }
            hlen = (int) declared;
        }
        long computed = checksum(blockHash, buf, off, slen, hasHeaders, rl);
        long stored = LittleEndian.u64(buf, bodyEnd);
        if (computed != stored) {
            throw new FormatException(off, invalidChecksum(stored, computed));
        }
        long rawSeq = LittleEndian.u64(buf, off + 4);
        long ts = LittleEndian.u64(buf, off + 12);
        MessageRecord.Kind kind = (rawSeq & TBIT) != 0 ? MessageRecord.Kind.TOMBSTONE
                : (rawSeq & EBIT) != 0 ? MessageRecord.Kind.ERASED_OR_SKIP : MessageRecord.Kind.MESSAGE;
        byte[] subject = java.util.Arrays.copyOfRange(buf, off + HEADER_SIZE, off + HEADER_SIZE + slen);
        byte[] headers = java.util.Arrays.copyOfRange(buf, bodyStart, bodyStart + hlen);
        byte[] payload = java.util.Arrays.copyOfRange(buf, bodyStart + hlen, bodyEnd);
        return new MessageRecord(rawSeq & ~(EBIT | TBIT), ts, subject, headers, payload, rl, kind);
    }

    /**
     * The §3.4 checks for the record at {@code off} (plus {@code rl >= 30}, which they imply):
     * null when it is sane, else the reason. Allocates only on failure.
     */
    static String sanity(byte[] buf, int off, int end) {
        int remain = end - off;
        if (remain < HEADER_SIZE) {
            return "truncated record header: " + remain + " bytes remain";
        }
        long rawRl = LittleEndian.u32(buf, off);
        long rl = rawRl & RL_MASK;
        int slen = LittleEndian.u16(buf, off + 20);
        boolean hasHeaders = (rawRl & HBIT) != 0;
        if (rl > MAX_RECORD_LENGTH) {
            return "sanity check failed (rl " + rl + " > " + MAX_RECORD_LENGTH + ")";
        }
        long shlen = slen + (hasHeaders ? 4 : 0);
        if (rl < EMPTY_RECORD_LENGTH || shlen > rl - HEADER_SIZE - CHECKSUM_SIZE) {
            return "sanity check failed (rl " + rl + " too short for a " + HEADER_SIZE + "-byte header, subject length "
                    + slen + (hasHeaders ? " + 4-byte header length" : "") + " and " + CHECKSUM_SIZE + "-byte checksum)";
        }
        if (rl > remain) {
            return "sanity check failed (rl " + rl + " > the " + remain + " bytes that remain)";
        }
        return null;
    }

    /** HH64 over bytes 4..19, the subject and the headers+payload of a sane record. */
    static long checksum(RecordHash h, byte[] buf, int off, int slen, boolean hasHeaders, int rl) {
        int subject = off + HEADER_SIZE;
        // The 4-byte header length (when there are headers) is not hashed.
        int rest = subject + slen + (hasHeaders ? 4 : 0);
        return h.hashRecord(buf, off + 4, subject, slen, rest, off + rl - CHECKSUM_SIZE - rest);
    }

    static String invalidChecksum(long stored, long computed) {
        return "invalid checksum: stored " + HighwayHash64.hex(stored) + " computed " + HighwayHash64.hex(computed)
                + " (hex bytes in file order)";
    }
}
