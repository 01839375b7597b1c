package io.jetstart.core.format;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One nats-server 2.9 per-block {@code <n>.idx} (spec §4.7): the block's summary as it was when
 * last written.
 *
 * <p>The number of deletes the file declares ({@code dmapLen}) is not a field: the reader only
 * accepts files where it equals {@code lastSeq - firstSeq + 1 - msgs}, so it is derived. It may
 * exceed {@code deleted.size()}: Go counted deletes below the first sequence but did not write
 * them.
 *
 * @param version          1 (2.9: delta list) or 2 (2.10 development builds: AVL set)
 * @param deleted          the block's dmap (never null)
 * @param lastChecksum     checksum of the block's last record when the file was written
 * @param deletedFileOrder version 1 only: the deleted sequences in the order the file lists them
 *                         (Go wrote its hash map in random order); empty means ascending. It is
 *                         presentation, not state: {@link #equals} ignores it
 */
public record LegacyIndex(int version, long msgs, long bytes, long firstSeq, long firstTs, long lastSeq, long lastTs,
                          SequenceSet deleted, byte[] lastChecksum, long[] deletedFileOrder) {

    public LegacyIndex {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException(".idx version must be 1 or 2, got " + version);
        }
        deleted = deleted == null ? new SequenceSet() : deleted;
        Objects.requireNonNull(lastChecksum, "lastChecksum");
        if (lastChecksum.length != 8) {
            throw new IllegalArgumentException("lastChecksum must be 8 bytes, got " + lastChecksum.length);
        }
        lastChecksum = lastChecksum.clone();
        deletedFileOrder = deletedFileOrder == null ? new long[0] : deletedFileOrder.clone();
        if (deletedFileOrder.length != 0) {
            SequenceSet listed = new SequenceSet();
            for (long seq : deletedFileOrder) {
                if (!deleted.contains(seq) || !listed.add(seq)) {
                    throw new IllegalArgumentException("deletedFileOrder must list each deleted sequence once; "
                            + seq + " is not deleted or repeats");
                }
            }
            if (listed.size() != deleted.size()) {
                throw new IllegalArgumentException("deletedFileOrder lists " + listed.size() + " of "
                        + deleted.size() + " deleted sequences");
            }
        }
    }

    /** A file with its deletes listed in ascending order. */
    public LegacyIndex(int version, long msgs, long bytes, long firstSeq, long firstTs, long lastSeq, long lastTs,
                       SequenceSet deleted, byte[] lastChecksum) {
        this(version, msgs, bytes, firstSeq, firstTs, lastSeq, lastTs, deleted, lastChecksum, null);
    }

    /**
     * What nats-server 2.9's reader leaves set from a file that fails after its first sequence
     * ({@link LegacyIndexCodec#firstSeqBeforeFailure}): that first sequence, no message, no delete.
     * Its rebuild of the block skips every record below it.
     */
    public static LegacyIndex readUpToFirstSeq(long firstSeq) {
        return new LegacyIndex(1, 0, 0, firstSeq, 0, firstSeq - 1, 0, new SequenceSet(), new byte[8]);
    }

    /** The delete count the file declares; Go's reader requires exactly this. */
    public long dmapLength() {
        return lastSeq - firstSeq + 1 - msgs;
    }

    @Override
    public byte[] lastChecksum() {
        return lastChecksum.clone();
    }

    @Override
    public long[] deletedFileOrder() {
        return deletedFileOrder.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LegacyIndex that
                && version == that.version && msgs == that.msgs && bytes == that.bytes
                && firstSeq == that.firstSeq && firstTs == that.firstTs
                && lastSeq == that.lastSeq && lastTs == that.lastTs
                && deleted.equals(that.deleted) && Arrays.equals(lastChecksum, that.lastChecksum);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, msgs, bytes, firstSeq, firstTs, lastSeq, lastTs, deleted,
                Arrays.hashCode(lastChecksum));
    }

    @Override
    public String toString() {
        return "LegacyIndex[version=" + version + ", msgs=" + msgs + ", bytes=" + bytes
                + ", first=" + firstSeq + "@" + firstTs + ", last=" + lastSeq + "@" + lastTs
                + ", deleted=" + deleted + ", lastChecksum=" + HexFormat.of().formatHex(lastChecksum) + "]";
    }
}
