package io.jetstart.runtime;

import io.jetstart.core.store.SubjectFilter;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One filter's matches of each block's subjects ({@link BlockSubjects#matches}), kept while the
 * block's index is of the same lineage, so a filter is tried once per distinct subject of a block,
 * not once per count. Not thread-safe: its consumer's lock guards it.
 */
final class SubjectMatches {
    private record Kept(BlockSubjects.Lineage lineage, boolean[] match) {
    }

    private final Map<Long, Kept> byBlock = new HashMap<>();

    /** Which subjects of {@code subjects} (block {@code index}) {@code filter} matches, by id. */
    boolean[] of(long index, BlockSubjects subjects, SubjectFilter filter) {
        Kept k = byBlock.get(index);
        boolean[] known = k != null && k.lineage() == subjects.lineage() ? k.match() : null;
        boolean[] m = subjects.matches(filter, known);
        if (m != known) {
            byBlock.put(index, new Kept(subjects.lineage(), m));
        }
        return m;
    }

    /** Forgets the blocks not in {@code indexes} (gone, or behind the consumer). */
    void keepOnly(Set<Long> indexes) {
        byBlock.keySet().retainAll(indexes);
    }
}
