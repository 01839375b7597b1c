package io.jetstart.core.store;

import io.jetstart.core.format.BlockScan;
import java.nio.file.Path;

/**
 * Whether nats-server 2.10.x, rebuilding a stream without {@code index.db}, can find its blocks by
 * sequence. Its {@code selectMsgBlockWithIndex} scans the blocks in file order below 33 of them and
 * binary-searches them from there, taking their sequences to ascend; its rebuild starts a block of
 * tombstones only at its lowest tombstone + 1 (and ends it there), which lies below the messages of
 * the blocks before it when its tombstones name their messages. The search then passes the block
 * that holds a sequence: the tombstones it applies after reading the blocks remove nothing there,
 * so it counts those messages, and it serves no message the search misses (measured on 2.10.27:
 * 30,373 messages counted of 30,000 live, none served past the tombstones; 2.15.1 right).
 * The report keeps what the blocks hold; this says the server will not.
 */
final class SearchedBlockOrder {
    /** nats-server's {@code linearThresh}: with more blocks than this after the first, it searches. */
    private static final int LINEAR_THRESHOLD = 32;

    private int blocks;
    private long highestLast;
    private long highestIndex;
    /** The first block whose last comes below an earlier block's last; 0 when none. */
    private long behindIndex;
    private long behindFirst;
    private long behindLast;
    private long aheadIndex;
    private long aheadLast;

    /** Adds the next block in file order, as the server's rebuild took it. */
    void add(BlockScan scan) {
        if (scan.firstSeq() == 0) {
            // Removed by the server's recoverMsgs ("a truncate block with possibly no index").
            return;
        }
        blocks++;
        if (behindIndex == 0 && scan.lastSeq() < highestLast) {
            behindIndex = scan.index();
            behindFirst = scan.firstSeq();
            behindLast = scan.lastSeq();
            aheadIndex = highestIndex;
            aheadLast = highestLast;
        }
        if (scan.lastSeq() >= highestLast) {
            highestLast = scan.lastSeq();
            highestIndex = scan.index();
        }
    }

    /** A warning naming the first block out of order, or null when the server's search finds every block. */
    Problem problem(Path msgsDir) {
        if (behindIndex == 0 || blocks - 1 < LINEAR_THRESHOLD) {
            return null;
        }
        return Problem.warning(io.jetstart.core.io.BlockFiles.blockPath(msgsDir, behindIndex), "nats-server 2.10.x rebuilds this "
                + "block as " + behindFirst + ".." + behindLast + ", below block " + aheadIndex + " (last " + aheadLast + "); with "
                + blocks + " blocks it finds a block by binary search (selectMsgBlockWithIndex), which takes them in sequence "
                + "order, so it may apply no tombstone after this one and serve no message it misses until index.db is "
                + "written again; the state shown is what the blocks hold");
    }
}
