package io.jetstart.core.store;

/** One psim entry: live messages of a subject and the first/last block holding it. */
final class SubjectTotals {
    long total;
    long firstBlock;
    long lastBlock;

    SubjectTotals(long total, long firstBlock, long lastBlock) {
        this.total = total;
        this.firstBlock = firstBlock;
        this.lastBlock = lastBlock;
    }
}
