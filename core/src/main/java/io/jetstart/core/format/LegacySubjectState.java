package io.jetstart.core.format;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One nats-server 2.9 per-block {@code <n>.fss}: how many messages of each subject the block
 * holds, and where the first and last are (spec §4.7). Entries keep file order, which is Go map
 * order and so arbitrary.
 *
 * @param lastChecksum the block's last record checksum when the file was written; a reader
 *                     trusts the file only while the block still ends with it
 */
public record LegacySubjectState(List<Entry> entries, byte[] lastChecksum) {

    public LegacySubjectState {
        entries = List.copyOf(entries);
        Objects.requireNonNull(lastChecksum, "lastChecksum");
        if (lastChecksum.length != 8) {
            throw new IllegalArgumentException("lastChecksum must be 8 bytes, got " + lastChecksum.length);
        }
        lastChecksum = lastChecksum.clone();
    }

    @Override
    public byte[] lastChecksum() {
        return lastChecksum.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LegacySubjectState that && entries.equals(that.entries)
                && Arrays.equals(lastChecksum, that.lastChecksum);
    }

    @Override
    public int hashCode() {
        return entries.hashCode() * 31 + Arrays.hashCode(lastChecksum);
    }

    @Override
    public String toString() {
        return "LegacySubjectState[entries=" + entries + ", lastChecksum=" + HexFormat.of().formatHex(lastChecksum) + "]";
    }

    /** One subject: message count and the first and last sequence holding it in this block. */
    public record Entry(String subject, long msgs, long firstSeq, long lastSeq) {
        public Entry {
            Objects.requireNonNull(subject, "subject");
        }
    }
}
