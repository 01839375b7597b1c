package io.jetstart.core.format;

import java.util.List;
import java.util.Map;

/**
 * A block's summary as nats-server's rebuild derives it (spec §3.5), plus where its valid prefix
 * ends.
 *
 * @param index           block index n of {@code n.blk}
 * @param firstSeq        first sequence (after the empty-block fix-up; 0 if none)
 * @param firstTs         its timestamp (0 when derived from an erased record or a tombstone)
 * @param lastSeq         last sequence
 * @param lastTs          its timestamp
 * @param msgs            live messages
 * @param bytes           sum of their {@code rl}
 * @param deleted         the block's dmap: erased sequences and gaps inside first..last
 * @param tombstones      every tombstone, in file order
 * @param subjects        live messages per subject (empty subjects not counted), first-seen order
 * @param ttls            live messages with a non-empty {@code Nats-TTL} header
 * @param schedules       live messages with a non-empty {@code Nats-Schedule} header
 * @param validLength     bytes of the valid prefix
 * @param length          bytes scanned
 * @param lastChecksum    the last 8 bytes of the valid prefix (8 zero bytes when it is empty)
 * @param problem         null when every byte parsed, else why the prefix ends
 * @param recordsVerified records whose checksum was verified
 */
public record BlockScan(long index, long firstSeq, long firstTs, long lastSeq, long lastTs, long msgs, long bytes,
                        SequenceSet deleted, List<Tombstone> tombstones, Map<String, Long> subjects, long ttls,
                        long schedules, long validLength, long length, byte[] lastChecksum, BlockProblem problem,
                        long recordsVerified) {

    public boolean complete() {
        return problem == null;
    }
}
