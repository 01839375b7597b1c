package io.jetstart.core.format;

import java.util.Arrays;

/**
 * The nats-server 2.9 per-block {@code <n>.idx} file (spec §4.7; Go {@code readIndexInfo},
 * {@code v2.9.25 writeIndexInfoLocked}, {@code genDeleteMap}). Plaintext form only.
 *
 * <pre>
 *   u8 magic 22 | u8 version 1|2
 *   uvarint msgs | uvarint bytes | uvarint firstSeq | varint firstTs
 *   uvarint lastSeq | varint lastTs | uvarint dmapLen
 *   8 bytes lastChecksum
 *   v1: up to dmapLen x uvarint (seq - firstSeq), any order; a 0 entry or the end stops the list
 *   v2: AVL SequenceSet (see SequenceSetCodec), iff dmapLen > 0
 *   [stale bytes of an earlier, longer write: ignored]
 * </pre>
 *
 * <p>Design note: 2.9 rewrote this file in place and only truncated it when the new content held
 * deletes, so bytes after the content are normal and ignored, as Go does. Every varint has the
 * erase bit (1&lt;&lt;63) masked off, as Go's reader does. The one consistency rule Go applies,
 * {@code msgs == lastSeq - firstSeq + 1 - dmapLen}, is applied here too: a file that breaks it
 * is refused, and nats-server would rebuild the block instead of trusting it.
 */
public final class LegacyIndexCodec {
    public static final int MAGIC = 22;
    private static final long EBIT = 1L << 63;

    private LegacyIndexCodec() {
    }

    public static LegacyIndex decode(byte[] file) throws FormatException {
        if (file.length < 2 || (file[0] & 0xff) != MAGIC || (file[1] != 1 && file[1] != 2)) {
            throw new FormatException(0, "bad index file: expected magic " + MAGIC + " and version 1 or 2, found "
                    + (file.length < 2 ? file.length + " bytes" : "magic " + (file[0] & 0xff) + " version " + (file[1] & 0xff)));
        }
        int version = file[1];
        ByteReader in = new ByteReader(file, 2, file.length - 2);
        long msgs;
        long bytes;
        long firstSeq;
        long firstTs;
        long lastSeq;
        long lastTs;
        long dmapLen;
        try {
            msgs = in.uvarint("msgs") & ~EBIT;
            bytes = in.uvarint("bytes") & ~EBIT;
            firstSeq = in.uvarint("first seq") & ~EBIT;
            firstTs = in.varint("first ts");
            lastSeq = in.uvarint("last seq") & ~EBIT;
            lastTs = in.varint("last ts");
            dmapLen = in.uvarint("dmap length") & ~EBIT;
        } catch (FormatException e) {
            throw new FormatException(e.offset(), "short index file: " + e.reason());
        }
        if (in.remaining() < 8) {
            throw new FormatException(in.position(), "short index file: need 8 bytes for the last checksum, "
                    + in.remaining() + " remain");
        }
        long expected = lastSeq - firstSeq + 1 - dmapLen;
        if (msgs != expected) {
            // Offset 2: the msgs field, the first of the four that disagree.
            throw new FormatException(2, "accounting inconsistent: msgs " + Long.toUnsignedString(msgs)
                    + " but lastSeq - firstSeq + 1 - dmapLen = " + Long.toUnsignedString(lastSeq) + " - "
                    + Long.toUnsignedString(firstSeq) + " + 1 - " + Long.toUnsignedString(dmapLen) + " = "
                    + Long.toUnsignedString(expected));
        }
        byte[] lastChecksum = in.bytes(8, "last checksum");
        SequenceSet deleted = new SequenceSet();
        long[] order = new long[0];
        if (dmapLen != 0) {
            if (version == 2) {
                try {
                    deleted = SequenceSetCodec.decode(in);
                } catch (FormatException e) {
                    throw new FormatException(e.offset(), "could not decode avl dmap: " + e.reason());
                }
            } else {
                order = readDeltaList(in, dmapLen, firstSeq, deleted);
            }
        }
        return new LegacyIndex(version, msgs, bytes, firstSeq, firstTs, lastSeq, lastTs, deleted, lastChecksum, order);
    }

    /**
     * The first sequence nats-server 2.9's {@code readIndexInfo} has already set on the block when
     * this file fails {@link #decode} after its header check: it reads {@code msgs}, {@code bytes}
     * and {@code firstSeq} into the block before it finds the file short or its accounting
     * inconsistent, and its rebuild ({@code rebuildStateLocked}) then skips every record below that
     * first sequence. 0 when 2.9 sets none: the file fails the header check (2.9.10's
     * {@code checkHeader} takes version 1 only), or ends before the first sequence is read.
     *
     * <p>Measured on 2.9.10 ({@code nats-2.9.10-small} INT1, first 302): a {@code 1.idx} cut after
     * its first sequence, cut in its checksum, or with {@code msgs} or {@code dmapLen} off by one
     * restores 699 messages (302..1000, its 14 listed deletes back); one with a bad magic, version 2
     * or cut to 1 byte restores 1,000 (UndecodableLegacyIndexOnServerIT).
     */
    public static long firstSeqBeforeFailure(byte[] file) {
        if (file.length < 2 || (file[0] & 0xff) != MAGIC || file[1] != 1) {
            return 0;
        }
        ByteReader in = new ByteReader(file, 2, file.length - 2);
        try {
            in.uvarint("msgs");
            in.uvarint("bytes");
            return in.uvarint("first seq") & ~EBIT;
        } catch (FormatException e) {
            return 0;
        }
    }

    /** Go stops at the first unreadable entry or at a 0 delta, without an error. */
    private static long[] readDeltaList(ByteReader in, long dmapLen, long firstSeq, SequenceSet deleted) {
        // Each entry takes at least one byte, so what remains bounds the list, not dmapLen.
        long[] order = new long[Long.compareUnsigned(dmapLen, in.remaining()) > 0 ? in.remaining() : (int) dmapLen];
        int n = 0;
        for (long i = 0; Long.compareUnsigned(i, dmapLen) < 0 && in.hasRemaining(); i++) {
            long delta;
            try {
                delta = in.uvarint("dmap entry") & ~EBIT;
            } catch (FormatException e) {
                break;
            }
            if (delta == 0) {
                break;
            }
            long seq = delta + firstSeq;
            if (deleted.add(seq)) {
                order[n++] = seq;
            }
        }
        return Arrays.copyOf(order, n);
    }

    /**
     * Encodes {@code idx}, writing {@code dmapLen} as {@link LegacyIndex#dmapLength()} and, for
     * version 1, the deletes in {@link LegacyIndex#deletedFileOrder()} (ascending if empty).
     *
     * @throws IllegalArgumentException when the reader could not get the same value back: more
     *                                  deletes than {@code dmapLen}, or (version 1) a delete at or
     *                                  below {@code firstSeq}
     */
    public static byte[] encode(LegacyIndex idx) {
        long dmapLen = idx.dmapLength();
        SequenceSet deleted = idx.deleted();
        if (Long.compareUnsigned(deleted.size(), dmapLen) > 0) {
            throw new IllegalArgumentException(deleted.size() + " deletes but lastSeq - firstSeq + 1 - msgs = "
                    + Long.toUnsignedString(dmapLen));
        }
        ByteWriter out = new ByteWriter(64 + 10 * (int) Math.min(deleted.size(), 1 << 20));
        out.u8(MAGIC).u8(idx.version())
                .uvarint(idx.msgs()).uvarint(idx.bytes()).uvarint(idx.firstSeq()).varint(idx.firstTs())
                .uvarint(idx.lastSeq()).varint(idx.lastTs()).uvarint(dmapLen)
                .bytes(idx.lastChecksum());
        if (dmapLen != 0) {
            if (idx.version() == 2) {
                SequenceSetCodec.encode(deleted, out);
            } else {
                long[] order = idx.deletedFileOrder().length != 0 ? idx.deletedFileOrder() : ascending(deleted);
                for (long seq : order) {
                    if (Long.compareUnsigned(seq, idx.firstSeq()) <= 0) {
                        throw new IllegalArgumentException("version 1 cannot list delete " + seq + " at or below first seq "
                                + idx.firstSeq());
                    }
                    out.uvarint(seq - idx.firstSeq());
                }
            }
        }
        return out.toByteArray();
    }

    private static long[] ascending(SequenceSet set) {
        long[] out = new long[Math.toIntExact(set.size())];
        int[] n = {0};
        set.forEach(s -> out[n[0]++] = s);
        return out;
    }
}
