package io.jetstart.core.io;

import java.util.ArrayList;
import java.util.List;

/**
 * What one listing of a stream's {@code msgs/} directory says to the opener: the block indexes,
 * whether {@code index.db} is there, and whether any 2.9 {@code <n>.idx} file lies beside them.
 *
 * <p>Design note: discovery lists {@code msgs/} anyway (for the block sizes), and the opener needs
 * the same names twice (the fast path's "extra blocks" check, the rebuild's block list). Taking them
 * from one listing saves a listing per stream (9 system calls; 1,000 on a store of 1,000 streams), and
 * knowing that no {@code .idx} exists saves the rebuild a failed open, and the exception it costs,
 * per block of a 2.10+ store (and a missing {@code index.db} one per stream).
 *
 * @param blocks           block indexes ({@code %d.blk} names, index &gt; 0), ascending
 * @param hasIndexDb       whether an entry is named {@code index.db} (whatever it is: a directory of
 *                         that name still fails its read, as before)
 * @param hasLegacyIndexes whether any name ends in {@code .idx}; false means no block has one
 * @param blockLookalikes  names that are not blocks but that nats-server 2.10.x takes for one
 *                         ({@link BlockFiles#lookalikeIndexOf}), in listing order; usually none
 */
public record MsgsListing(List<Long> blocks, boolean hasIndexDb, boolean hasLegacyIndexes, List<String> blockLookalikes) {
    public MsgsListing {
        blocks = List.copyOf(blocks);
        blockLookalikes = List.copyOf(blockLookalikes);
    }

    public MsgsListing(List<Long> blocks, boolean hasIndexDb, boolean hasLegacyIndexes) {
        this(blocks, hasIndexDb, hasLegacyIndexes, List.of());
    }

    /** The listing of these file names (any order), by the rules of {@link BlockFiles#listBlocks}. */
    public static MsgsListing of(Iterable<String> names) {
        List<Long> blocks = new ArrayList<>();
        boolean indexDb = false;
        boolean legacy = false;
        List<String> lookalikes = List.of();
        for (String n : names) {
            long idx = BlockFiles.blockIndexOf(n);
            if (idx > 0) {
                blocks.add(idx);
            } else if (n.endsWith(".idx")) {
                legacy = true;
            } else if (n.equals("index.db")) {
                indexDb = true;
            } else if (BlockFiles.lookalikeIndexOf(n) > 0) {
                if (lookalikes.isEmpty()) {
                    lookalikes = new ArrayList<>();
                }
                lookalikes.add(n);
            }
        }
        // Natural order (Long.compare): no comparator whose class a fresh JVM would spin at run time (FileChecks).
        blocks.sort(null);
        return new MsgsListing(blocks, indexDb, legacy, lookalikes);
    }
}
