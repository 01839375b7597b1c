package io.jetstart.core.format;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The decoded content of {@code msgs/index.db}: the stream summary, the per-subject index and one
 * entry per message block, exactly as the file lists them (spec §4.1).
 *
 * <p>Sequences and counts are Go {@code uint64}s held in {@code long}s; they never reach 2^63 in
 * a real store. Times are absolute Unix nanoseconds (0 = no time): the codec adds the stream's
 * first time back to the per-block deltas. {@code subjects} keeps file order (Go writes subject
 * tree order, which is not sorted) so a decode followed by an encode gives the same bytes.
 * {@code blocks} keeps every entry, including the empty non-last ones that nats-server drops on
 * load (§4.4 step 8); that choice belongs to the store, not to the codec.
 *
 * @param version        1..4 as read; ignored by the encoder, which takes the version to write
 * @param lastBlockIndex index of the write block when the file was written
 * @param lastChecksum   the last 8 bytes of that block (all zero if it was empty)
 */
public record IndexDb(int version, long msgs, long bytes, long firstSeq, long firstTs, long lastSeq, long lastTs,
                      List<Subject> subjects, List<Block> blocks, long lastBlockIndex, byte[] lastChecksum) {

    public static final int CHECKSUM_LENGTH = 8;

    public IndexDb {
        subjects = List.copyOf(subjects);
        blocks = List.copyOf(blocks);
        Objects.requireNonNull(lastChecksum, "lastChecksum");
        if (lastChecksum.length != CHECKSUM_LENGTH) {
            throw new IllegalArgumentException("lastChecksum must be " + CHECKSUM_LENGTH + " bytes, got " + lastChecksum.length);
        }
        lastChecksum = lastChecksum.clone();
    }

    @Override
    public byte[] lastChecksum() {
        return lastChecksum.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IndexDb that
                && version == that.version && msgs == that.msgs && bytes == that.bytes
                && firstSeq == that.firstSeq && firstTs == that.firstTs
                && lastSeq == that.lastSeq && lastTs == that.lastTs
                && subjects.equals(that.subjects) && blocks.equals(that.blocks)
                && lastBlockIndex == that.lastBlockIndex && Arrays.equals(lastChecksum, that.lastChecksum);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, msgs, bytes, firstSeq, firstTs, lastSeq, lastTs, subjects, blocks,
                lastBlockIndex, Arrays.hashCode(lastChecksum));
    }

    @Override
    public String toString() {
        return "IndexDb[version=" + version + ", msgs=" + msgs + ", bytes=" + bytes
                + ", first=" + firstSeq + "@" + firstTs + ", last=" + lastSeq + "@" + lastTs
                + ", subjects=" + subjects.size() + ", blocks=" + blocks
                + ", lastBlockIndex=" + lastBlockIndex + ", lastChecksum=" + HexFormat.of().formatHex(lastChecksum) + "]";
    }

    /**
     * One per-subject index entry ("psi").
     *
     * @param firstBlock index of the first block holding the subject
     * @param lastBlock  index of the last one; versions 1–3 store it only when {@code total > 1},
     *                   and the reader then sets it to {@code firstBlock}
     */
    public record Subject(String subject, long total, long firstBlock, long lastBlock) {
        public Subject {
            Objects.requireNonNull(subject, "subject");
        }
    }

    /**
     * One message block's summary. {@code deleted} is the block's dmap (never null; empty when
     * the block has no interior deletes). The block's message count is not stored; see
     * {@link #msgs()}.
     */
    public record Block(long index, long bytes, long firstSeq, long firstTs, long lastSeq, long lastTs,
                        long ttls, long schedules, SequenceSet deleted) {
        public Block {
            deleted = deleted == null ? new SequenceSet() : deleted;
        }

        /**
         * Live messages, as nats-server derives them: {@code last - first + 1 - |deleted|},
         * clamped at 0 (an empty block is written as {@code first = last + 1}).
         */
        public long msgs() {
            long n = lastSeq - firstSeq + 1 - deleted.size();
            return Math.max(0, n);
        }
    }
}
