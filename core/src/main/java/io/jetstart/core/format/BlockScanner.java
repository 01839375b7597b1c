package io.jetstart.core.format;

import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.hash.RecordHashSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Derives a block's state from its records the way nats-server's rebuild does
 * ({@code msgBlock.rebuildStateFromBufLocked}, 2.12.1+/2.14+ semantics, spec §3.5), and finds
 * where its valid prefix ends. It reads a byte array and changes nothing: where the server
 * would truncate the file, this reports a {@link BlockProblem}.
 *
 * <pre>
 *  n.blk = record | record | ... | record        (no header, trailer or padding)
 *          |&lt;-------- valid prefix --------&gt;|&lt;- first bad record .. end = lost bytes -&gt;|
 *  per record:  sanity (§3.4) -&gt; checksum -&gt; tombstone?  -&gt; erased / skip / seq 0 / below first?
 *                                             collect      -&gt; gap fill + dmap, or move first
 *                                                          -&gt; message: count unless seq &lt;= last
 *  after the loop (also when stopping early): an empty block takes first/last from the highest
 *  tombstone, so a purged stream keeps its last sequence.
 * </pre>
 *
 * <p>Design note: the hot loop parses in place and allocates nothing per message: the checksum
 * is fed the record's three hashed ranges straight from the buffer, and subjects are counted by
 * their bytes ({@link SubjectCounter}); objects are made only per tombstone and per distinct
 * subject. One deliberate departure from the server: a sequence gap of more than
 * {@value #MAX_GAP} inside one block (which the server would fill into the dmap one by one) is
 * reported as a problem at that record, so hostile input cannot drive memory use. Not
 * thread-safe: one scanner per thread.
 */
public final class BlockScanner {
    /** Largest sequence gap inside one block that is filled into the dmap (≈ 2 MiB of bitmap). */
    static final long MAX_GAP = 1L << 24;
    private static final byte[] NO_CHECKSUM = new byte[Records.CHECKSUM_SIZE];

    private final String streamName;
    private final SubjectCounter subjects = new SubjectCounter();
    private RecordHash hash;
    private long hashBlock = -1;

    private final RecordHashSource hashes;

    /** A scanner whose checksums are what {@link io.jetstart.core.hash.RecordHashes} chose. */
    public BlockScanner(String streamName) {
        this(streamName, RecordHashSource.chosen());
    }

    /** A scanner that takes each block's record checksum from {@code hashes}. */
    public BlockScanner(String streamName, RecordHashSource hashes) {
        this.streamName = streamName;
        this.hashes = hashes;
    }

    /**
     * The first offset in [{@code from}, {@code to}) where a sane record of {@code buf[0, len)} starts
     * whose checksum verifies, or -1: a resync past a record whose own length leads nowhere (a
     * flipped length). Only a candidate that passes the record's sanity checks is hashed.
     */
    int nextVerifiedRecord(long blockIndex, byte[] buf, int from, int to, int len) {
        RecordHash h = hashFor(blockIndex);
        for (int o = Math.max(0, from); o < to && len - o >= Records.EMPTY_RECORD_LENGTH; o++) {
            long rawRl = LittleEndian.u32(buf, o);
            boolean hasHeaders = (rawRl & Records.HBIT) != 0;
            long rl = rawRl & 0x7fff_ffffL;
            int slen = LittleEndian.u16(buf, o + 20);
            if (rl < Records.EMPTY_RECORD_LENGTH || rl > Records.MAX_RECORD_LENGTH || rl > len - o
                    || slen + (hasHeaders ? 4 : 0) > rl - Records.HEADER_SIZE - Records.CHECKSUM_SIZE) {
                continue;
            }
            if (Records.checksum(h, buf, o, slen, hasHeaders, (int) rl) == LittleEndian.u64(buf, o + (int) rl - Records.CHECKSUM_SIZE)) {
                return o;
            }
        }
        return -1;
    }

    private RecordHash hashFor(long blockIndex) {
        if (hash == null || hashBlock != blockIndex) {
            hash = hashes.forBlock(streamName, blockIndex);
            hashBlock = blockIndex;
        }
        return hash;
    }

    /**
     * How often a scan on a virtual thread yields its carrier. Virtual threads are not time-sliced:
     * on 2 cores, two block scans of big streams (each tens of milliseconds, far more before the
     * hash is compiled) hold both carriers while a small stream's next recovery step waits behind
     * them, so a runtime could not serve that stream until the big scans ended. A yield every
     * 256 KiB puts the scan behind whatever became runnable meanwhile; it costs a queue round trip.
     */
    private static final int YIELD_BYTES = 256 << 10;

    /**
     * Scans {@code buf[0, len)} as block {@code blockIndex}; never throws for bad data.
     *
     * <p>Design note: the records are walked by {@link #scanRecords} one 256 KiB stretch per call
     * (the stretch between two yields), not in one loop over the block. A loop over a whole 8 MiB
     * block (62,500 records of 134 bytes) runs long enough that a fresh JVM compiles it on-stack
     * (OSR) mid-block, from a profile in which the loop had never ended; C2 then treated the
     * loop's exit as unreachable, and the first block end threw the compiled code away (an
     * "unstable_if" deoptimization), leaving every scan in C1 code until a second C2 compile ended
     * ~0.3 s later (seed8's rebuild, JFR). A stretch ends every ~2,000 records, so its exit is in
     * every profile, and its many calls get it compiled normally, without OSR.
     */
    public BlockScan scan(long blockIndex, byte[] buf, int len) {
        checkSlice(buf, len);
        RecordHash h = hashFor(blockIndex);
        subjects.clear();
        State s = new State();
        boolean virtual = Thread.currentThread().isVirtual();
        int index = 0;
        while (index < len && s.problem == null) {
            if (virtual && index > 0) {
                Thread.yield();
            }
            index = scanRecords(s, h, buf, index, len - index > YIELD_BYTES ? index + YIELD_BYTES : len, len);
        }
        s.fixUpEmpty();
        int lchk = s.lastChecksumAt;
        byte[] lastChecksum = lchk < 0 ? NO_CHECKSUM.clone()
                : java.util.Arrays.copyOfRange(buf, lchk, lchk + Records.CHECKSUM_SIZE);
        return new BlockScan(blockIndex, s.firstSeq, s.firstTs, s.lastSeq, s.lastTs, s.msgs, s.bytes, s.dmap,
                Collections.unmodifiableList(s.tombstones), subjects.toMap(), s.ttls, s.schedules,
                index, len, lastChecksum, s.problem, s.verified);
    }

    /**
     * Scans the records of {@code buf} that start in {@code [index, stop)} (the last one may end
     * after {@code stop}; none after {@code len}) into {@code s}. Returns where it stopped: the
     * first record at or after {@code stop}, or the bad record, with {@code s.problem} set.
     */
    private int scanRecords(State s, RecordHash h, byte[] buf, int index, int stop, int len) {
        int lchk = s.lastChecksumAt;
        long verified = s.verified;
        BlockProblem problem = null;
        while (index < stop) {
            // Records.sanity's checks (spec 3.4), written out: a fresh JVM runs this loop in C1
            // code, which inlines no method over 35 bytes of bytecode and spills every live value
            // around each call, so the common path here calls nothing but the checksum. The
            // unchecked path asks Records.sanity, which says what failed.
            int remain = len - index;
            if (remain < Records.HEADER_SIZE) {
                problem = new BlockProblem(index, Records.sanity(buf, index, len), remain);
                break;
            }
            long rawRl = LittleEndian.u32(buf, index);
            boolean hasHeaders = (rawRl & Records.HBIT) != 0;
            int rl = (int) (rawRl & 0x7fff_ffffL);
            int slen = LittleEndian.u16(buf, index + 20);
            int shlen = slen + (hasHeaders ? 4 : 0);
            if (rl > remain || rl > Records.MAX_RECORD_LENGTH || rl < Records.EMPTY_RECORD_LENGTH
                    || shlen > rl - Records.HEADER_SIZE - Records.CHECKSUM_SIZE) {
                problem = new BlockProblem(index, Records.sanity(buf, index, len), remain);
                break;
            }
            int hashed = index + Records.HEADER_SIZE + shlen;
            // Records.checksum, written out: sequence and timestamp, subject, then headers and payload
            // after the 4-byte header length (not hashed).
            long computed = h.hashRecord(buf, index + 4, index + Records.HEADER_SIZE, slen, hashed,
                    index + rl - Records.CHECKSUM_SIZE - hashed);
            long stored = LittleEndian.u64(buf, index + rl - Records.CHECKSUM_SIZE);
            if (computed != stored) {
                problem = new BlockProblem(index, Records.invalidChecksum(stored, computed), len - index);
                break;
            }
            verified++;
            lchk = index + rl - Records.CHECKSUM_SIZE;

            long seq = LittleEndian.u64(buf, index + 4);
            long ts = LittleEndian.u64(buf, index + 12);
            if ((seq & Records.TBIT) != 0) {
                // As the server does, only tbit is stripped; a stray ebit stays (as a huge unsigned seq).
                seq &= ~Records.TBIT;
                s.tombstones.add(new Tombstone(seq, ts));
                if (s.maxTombSeq == 0 || Long.compareUnsigned(seq, s.maxTombSeq) > 0) {
                    s.maxTombSeq = seq;
                    s.maxTombTs = ts;
                }
                index += rl;
                continue;
            }
            long fseq = s.firstSeq;
            if (seq == 0 || (seq & Records.EBIT) != 0 || seq < fseq) {
                seq &= ~Records.EBIT;
                if (seq >= fseq) {
                    String gap = s.gapProblem(seq, s.msgs);
                    if (gap != null) {
                        problem = new BlockProblem(index, gap, len - index);
                        break;
                    }
                    s.updateLast(seq, ts);
                    if (s.msgs == 0) {
                        s.firstSeq = seq + 1;
                        s.firstTs = 0;
                    } else if (seq != 0) {
                        s.dmap.add(seq);
                        s.dmapMax = Math.max(s.dmapMax, seq);
                    }
                }
                index += rl;
                continue;
            }
            if (s.firstNeedsSet && seq >= fseq) {
                s.firstSeq = seq;
                s.firstTs = ts;
                s.firstNeedsSet = false;
            }
            if (seq <= s.last) {
                index += rl;
                continue;
            }
            // Every dmap member is <= last < seq, so this is always true; it is kept (cheaply) to
            // mirror the server's check rather than rely on that argument.
            boolean live = seq > s.dmapMax || !s.dmap.contains(seq);
            // gapProblem is null whenever the gap is small (the next sequence: the common case).
            String gap = seq - s.last - 1 <= MAX_GAP ? null : s.gapProblem(seq, live ? s.msgs + 1 : s.msgs);
            if (gap != null) {
                problem = new BlockProblem(index, gap, len - index);
                break;
            }
            if (live) {
                s.msgs++;
                s.bytes += rl;
                if (slen > 0) {
                    subjects.increment(buf, index + Records.HEADER_SIZE, slen);
                }
                if (hasHeaders) {
                    countHeaders(s, buf, index, slen, rl);
                }
            }
            if (seq == s.last + 1) {
                // updateLast's common case: no gap to fill.
                s.last = seq;
                s.lastSeq = seq;
                s.lastTs = ts;
            } else {
                s.updateLast(seq, ts);
            }
            index += rl;
        }
        s.lastChecksumAt = lchk;
        s.verified = verified;
        s.problem = problem;
        return index;
    }

    /** Counts the TTL and schedule headers of a counted message record that has headers. */
    private static void countHeaders(State s, byte[] buf, int index, int slen, int rl) {
        int hOff = headersOffset(buf, index, slen, rl);
        if (hOff >= 0) {
            int hLen = (int) LittleEndian.u32(buf, hOff - 4);
            if (NatsHeaders.hasValue(buf, hOff, hLen, NatsHeaders.TTL)) {
                s.ttls++;
            }
            if (NatsHeaders.hasValue(buf, hOff, hLen, NatsHeaders.SCHEDULE)) {
                s.schedules++;
            }
        }
    }

    /**
     * Offset of the header block of a sane record with hbit set, or -1 when its {@code hlen} does
     * not fit in the record (the scan loops do not check it; materialising the message would fail).
     */
    private static int headersOffset(byte[] buf, int index, int slen, int rl) {
        int hOff = index + Records.HEADER_SIZE + slen + 4;
        long hlen = LittleEndian.u32(buf, hOff - 4);
        return hlen <= index + rl - Records.CHECKSUM_SIZE - hOff ? hOff : -1;
    }

    /**
     * Visits every message record of {@code buf[0, len)} that a {@link #scan} counts, in file order,
     * without verifying checksums (pass a prefix already scanned: {@link BlockScan#validLength()}).
     * Erased, skip and tombstone records, and records whose sequence is not above every earlier
     * one, are not visited. Stops, without throwing, at the first record that fails §3.4.
     *
     * <p>A header record whose {@code hlen} does not fit in it is still visited (the scan counts it,
     * and {@code hlen} is not covered by the checksum, so a flipped one passes): with no headers,
     * its header and payload bytes given as one payload. Stopping there instead would hide every
     * later message from a removal and leave totals that no longer match the blocks.
     */
    public void forEachMessage(long blockIndex, byte[] buf, int len, MessageVisitor v) {
        forEachMessage(blockIndex, buf, len, v, false);
    }

    /**
     * As {@link #forEachMessage}, but a record that fails its checksum is neither visited nor taken
     * as the highest sequence so far: for a damaged 2.9 block read through its {@code .idx}, whose
     * records are in their slots but for the damaged ones. A record whose flipped sequence claims
     * 1025 at slot 0 otherwise hid every message after it from a removal (a delete there came back
     * at the next open). Hashes every message record: for such blocks only.
     */
    public void forEachVerifiedMessage(long blockIndex, byte[] buf, int len, MessageVisitor v) {
        forEachMessage(blockIndex, buf, len, v, true);
    }

    private void forEachMessage(long blockIndex, byte[] buf, int len, MessageVisitor v, boolean verified) {
        checkSlice(buf, len);
        long last = 0;
        int index = 0;
        while (index < len) {
            if (Records.sanity(buf, index, len) != null) {
                return;
            }
            long rawRl = LittleEndian.u32(buf, index);
            boolean hasHeaders = (rawRl & Records.HBIT) != 0;
            int rl = (int) (rawRl & 0x7fff_ffffL);
            int slen = LittleEndian.u16(buf, index + 20);
            long seq = LittleEndian.u64(buf, index + 4);
            if (verified && Records.checksum(hashFor(blockIndex), buf, index, slen, hasHeaders, rl)
                    != LittleEndian.u64(buf, index + rl - Records.CHECKSUM_SIZE)) {
                index += rl;
                continue;
            }
            if ((seq & Records.TBIT) == 0) {
                if ((seq & Records.EBIT) != 0) {
                    last = Math.max(last, seq & ~Records.EBIT);
                } else if (seq > last) {
                    last = seq;
                    int subjectOff = index + Records.HEADER_SIZE;
                    int bodyEnd = index + rl - Records.CHECKSUM_SIZE;
                    int headersOff = subjectOff + slen;
                    int headersLen = 0;
                    if (hasHeaders) {
                        headersOff = headersOffset(buf, index, slen, rl);
                        if (headersOff < 0) {
                            headersOff = subjectOff + slen + 4;
                        } else {
                            headersLen = (int) LittleEndian.u32(buf, headersOff - 4);
                        }
                    }
                    int payloadOff = headersOff + headersLen;
                    v.message(seq, LittleEndian.u64(buf, index + 12), buf, subjectOff, slen, headersOff, headersLen,
                            payloadOff, bodyEnd - payloadOff, rl);
                }
            }
            index += rl;
        }
    }

    private static void checkSlice(byte[] buf, int len) {
        if (len < 0 || len > buf.length) {
            throw new IllegalArgumentException("length " + len + " outside a buffer of " + buf.length);
        }
    }

    /** The rebuild's mutable state for one block (the server keeps it on the msgBlock). */
    private static final class State {
        long firstSeq;
        long firstTs;
        long lastSeq;
        long lastTs;
        long last;
        boolean firstNeedsSet = true;
        long msgs;
        long bytes;
        long ttls;
        long schedules;
        long maxTombSeq;
        long maxTombTs;
        long dmapMax;
        /** Offset of the last verified record's checksum, -1 before the first. */
        int lastChecksumAt = -1;
        long verified;
        /** Where the scan stopped early, or null. */
        BlockProblem problem;
        final SequenceSet dmap = new SequenceSet();
        final List<Tombstone> tombstones = new ArrayList<>();

        /** Moves last up; fills a gap left by compaction or SkipMsgs into the dmap. */
        void updateLast(long seq, long ts) {
            if (seq <= last) {
                return;
            }
            if (last > 0 && seq != last + 1 && msgs != 0) {
                dmap.addRange(last + 1, seq - 1);
                dmapMax = Math.max(dmapMax, seq - 1);
            }
            last = seq;
            lastSeq = seq;
            lastTs = ts;
        }

        /** Why {@link #updateLast} must not run for seq (a gap too large to fill), or null. */
        String gapProblem(long seq, long msgsThen) {
            if (seq <= last || last == 0 || msgsThen == 0 || seq - last - 1 <= MAX_GAP) {
                return null;
            }
            return "sequence gap too large: " + (seq - last - 1) + " sequences between " + last + " and " + seq
                    + " (limit " + MAX_GAP + ")";
        }

        /** Post-loop fix-up (deferred in 2.14+, so it runs on every exit). */
        void fixUpEmpty() {
            if (msgs != 0) {
                return;
            }
            if (firstSeq > 0) {
                lastSeq = firstSeq - 1;
            } else if (maxTombSeq != 0) {
                firstSeq = maxTombSeq + 1;
                firstTs = 0;
                if (lastSeq == 0) {
                    lastSeq = maxTombSeq;
                    lastTs = maxTombTs;
                }
            }
        }
    }
}
