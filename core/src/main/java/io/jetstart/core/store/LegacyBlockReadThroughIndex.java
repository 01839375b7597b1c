package io.jetstart.core.store;

import io.jetstart.core.format.LegacyIndex;
import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.format.Records;
import io.jetstart.core.format.SequenceSet;
import io.jetstart.core.hash.RecordHash;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A 2.9 block with bad records whose {@code .idx} nats-server still takes, and reads through:
 * the block's state is the {@code .idx}'s, less the messages whose records fail their checksum.
 *
 * <pre>
 *  1.blk:  [seq 1: bad checksum][seq 2][seq 3] ... [seq 1000]   lengths and sequences all intact
 *  1.idx:  1..1000, deletes, last checksum = the block's last 8 bytes
 *  served: 2..1000 (as the .idx counts them, less 1)
 * </pre>
 *
 * <p>Design note: measured on 2.9.10, 2.10.27 and 2.15.1 (a flipped payload bit in the first or
 * a middle message of {@code nats-2.9.10-small}'s LIM1, {@code .idx} intact): each takes the
 * {@code .idx} because its last checksum is the block's, finds a record by its slot (record
 * {@code i} holds sequence {@code fseq + i}), verifies only the record it hands out, answers "no
 * message" for the bad one and serves every other, at every restart, and never cuts the block.
 * Rebuilding such a block from its records instead (what jetstart did) stops at the first bad
 * record, and a repair then cut away every message the servers serve. 2.9.10 still counts the bad
 * messages (990 reported, 989 served); we count what can be served. Anything else turns 2.9.10
 * against the block on its first read keeps the rebuild: a flipped length (2.9.10's first read
 * rebuilds the block and truncates it at the damage), a cut, or totals that do not add up.
 *
 * <p>A flipped sequence in a record (up past the {@code .idx}'s last, down to 0, or its erase bit)
 * also fails the record's checksum, which covers the sequence, and 2.9.10 serves every other
 * message as for a bad payload (LIM1, message 1: 990 reported, 2..1000 served, at every restart;
 * 2.10.27 serves none and 2.15.1 cuts the block at its start: we follow 2.9.10, whose store it is).
 * Only a sequence below the cache's first moves the slots: 2.9.10 then answers "sequence numbers
 * did not match" for every message and serves none (MAX1 with its unlisted first record flipped:
 * 800 reported, none served), which the rebuild's cut at that record also serves.
 */
final class LegacyBlockReadThroughIndex {
    /**
     * @param index           the block's state: the {@code .idx}'s, its first moved to the first
     *                        message served, the unreadable ones deleted
     * @param subjects        per-subject counts of the messages served
     * @param unreadable      the {@code .idx}'s live sequences whose records fail their checksum
     * @param unreadableBytes their record bytes
     */
    record Served(LegacyIndex index, Map<String, Long> subjects, SequenceSet unreadable, long unreadableBytes) {
    }

    private LegacyBlockReadThroughIndex() {
    }

    /**
     * The block as nats-server reads it through {@code li}, or null when its records are not all
     * framed and in their slots, when the {@code .idx} does not count exactly the block's records,
     * or when no message of it can be served.
     */
    static Served of(LegacyIndex li, byte[] buf, int len, RecordHash hash) {
        // Record offsets by slot, sized from the block (a record is at least an empty one's length).
        int[] offsets = new int[Math.max(16, Math.min(len / Records.EMPTY_RECORD_LENGTH + 1, 1 << 20))];
        long[] seqs = new long[offsets.length];
        int count = 0;
        long fseq = li.firstSeq();
        RecordCursor c = new RecordCursor().wrap(buf, len);
        while (c.next()) {
            if (c.isTombstone() && c.checksumProblem(hash) == null) {
                // 2.9 writes no tombstones: not a block 2.9 wrote. (A flipped bit 62 in a sequence
                // fails the checksum, which covers the sequence: that is damage, below.)
                return null;
            }
            if (count == offsets.length) {
                if (count >= Integer.MAX_VALUE / 2) {
                    return null;
                }
                offsets = Arrays.copyOf(offsets, count * 2);
                seqs = Arrays.copyOf(seqs, count * 2);
            }
            // 2.9 knows no tombstone bit: a sequence is the record's with only the erase bit cleared.
            long seq = c.rawSeq() & ~Records.EBIT;
            offsets[count] = c.offset();
            seqs[count] = seq;
            count++;
            // Go's indexCacheBuf: the cache's first sequence is the .idx's, lowered to any lower
            // non-zero one it meets, a damaged record's too (then every slot is off and nothing is
            // served: below, a verified record out of its slot turns the .idx down).
            if (seq != 0 && seq < fseq) {
                fseq = seq;
            }
        }
        if (c.problem() != null || count == 0) {
            return null;
        }
        for (int i = 0; i < count; i++) {
            // A record out of its slot is read as "sequence numbers did not match" by 2.9.10, so its
            // slot's message is not served; that is damage only where the record fails its checksum
            // (which covers the sequence). A verified record out of its slot: not a block in order.
            if (seqs[i] != fseq + i && c.wrap(buf, offsets[i], len).next() && c.checksumProblem(hash) == null) {
                return null;
            }
        }
        if (li.firstSeq() < fseq || li.lastSeq() > fseq + count - 1 || li.lastSeq() < li.firstSeq()) {
            return null;
        }
        SequenceSet unreadable = new SequenceSet();
        Map<String, Long> subjects = new HashMap<>();
        long kept = 0;
        long keptBytes = 0;
        long badBytes = 0;
        long first = 0;
        long firstTs = 0;
        for (long seq = li.firstSeq(); seq <= li.lastSeq(); seq++) {
            if (li.deleted().contains(seq)) {
                continue;
            }
            int slot = (int) (seq - fseq);
            c.wrap(buf, offsets[slot], len);
            c.next();
            if (seqs[slot] != seq || !c.isMessage() && c.checksumProblem(hash) != null) {
                // A flipped sequence (up, down to 0, or a flag bit): its checksum fails (checked
                // above), and 2.9.10 answers no message for the slot and serves every other.
                unreadable.add(seq);
                badBytes += c.rawLength();
                continue;
            }
            if (!c.isMessage()) {
                // An erased record the .idx counts live: the .idx does not describe the block.
                return null;
            }
            if (c.checksumProblem(hash) != null || !c.headersFit()) {
                unreadable.add(seq);
                badBytes += c.rawLength();
                continue;
            }
            kept++;
            keptBytes += c.rawLength();
            if (first == 0) {
                first = seq;
                firstTs = c.timestamp();
            }
            if (c.subjectLength() > 0) {
                subjects.merge(new String(buf, c.subjectOffset(), c.subjectLength(), StandardCharsets.UTF_8), 1L, Long::sum);
            }
        }
        if (kept == 0 || kept + unreadable.size() != li.msgs() || keptBytes + badBytes != li.bytes()) {
            return null;
        }
        SequenceSet deleted = new SequenceSet();
        long from = first;
        li.deleted().forEach(seq -> {
            if (seq >= from && seq <= li.lastSeq()) {
                deleted.add(seq);
            }
        });
        unreadable.forEach(seq -> {
            if (seq > from) {
                deleted.add(seq);
            }
        });
        LegacyIndex index = new LegacyIndex(li.version(), kept, keptBytes, first, firstTs, li.lastSeq(), li.lastTs(), deleted,
                li.lastChecksum());
        return new Served(index, subjects, unreadable, badBytes);
    }
}
