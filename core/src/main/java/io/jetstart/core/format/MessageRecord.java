package io.jetstart.core.format;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One decoded block record (see {@link Records} for the layout).
 *
 * @param seq       the stream sequence with the {@code ebit}/{@code tbit} flag bits stripped
 * @param ts        nanoseconds since the epoch as stored (0 = no time)
 * @param subject   subject bytes (empty for erased, skip and tombstone records)
 * @param headers   the NATS header block without its 4-byte length; empty when the record has none
 * @param payload   the message body; for an erased record, its random filler bytes
 * @param rawLength {@code rl} with the header bit masked off: the whole record, checksum included
 * @param kind      which of the three record kinds this is
 */
public record MessageRecord(long seq, long ts, byte[] subject, byte[] headers, byte[] payload, int rawLength, Kind kind) {

    /** The record kinds of §3.3; erased and skip records share the {@code ebit} and are told apart only by content. */
    public enum Kind {
        MESSAGE,
        ERASED_OR_SKIP,
        TOMBSTONE
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MessageRecord r
                && seq == r.seq && ts == r.ts && rawLength == r.rawLength && kind == r.kind
                && Arrays.equals(subject, r.subject) && Arrays.equals(headers, r.headers)
                && Arrays.equals(payload, r.payload);
    }

    @Override
    public int hashCode() {
        return ((Long.hashCode(seq) * 31 + Long.hashCode(ts)) * 31 + Arrays.hashCode(subject)) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        return "MessageRecord[seq=" + seq + ", ts=" + ts + ", kind=" + kind + ", rawLength=" + rawLength
                + ", subject=" + new String(subject, java.nio.charset.StandardCharsets.UTF_8)
                + ", headers=" + headers.length + " bytes, payload=" + payload.length + " bytes"
                + (payload.length <= 16 ? " (" + hex.formatHex(payload) + ")" : "") + "]";
    }
}
