package io.jetstart.core.store;

/**
 * A stream being recovered as {@link StartPosition} reads it, for a consumer whose {@code o.dat}
 * is missing. Messages are visited with {@link StreamStore#forEachLive} (checksums not verified:
 * only sequences, times and subjects are read, to choose a start). A missing {@code o.dat} is
 * rare, so the last match of a filter is found by one forward pass rather than an index.
 */
final class StoreStartSource implements StartPosition.Source<StoreException> {
    private final StreamStore store;

    StoreStartSource(StreamStore store) {
        this.store = store;
    }

    @Override
    public long firstSeq() {
        return store.firstSeq;
    }

    @Override
    public long lastSeq() {
        return store.lastSeq;
    }

    @Override
    public long lastMatching(String filter) throws StoreException, InterruptedException {
        long[] last = {0};
        forEachMatching(store.firstSeq, new SubjectFilter(java.util.List.of(filter)), (seq, ts, subject) -> {
            last[0] = seq;
            return true;
        });
        return last[0];
    }

    @Override
    public void forEachMatching(long fromSeq, SubjectFilter filter, StartPosition.Visitor visitor)
            throws StoreException, InterruptedException {
        if (store.msgs == 0) {
            return;
        }
        store.forEachLive(fromSeq, (seq, ts, subject, buf, ho, hl, po, pl, rl) ->
                !filter.matches(subject) || visitor.visit(seq, ts, subject));
    }
}
