package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The store-wide bound of the blocks' subjects: entries of every stream count against one budget,
 * least recently used out first, whichever stream they belong to. Before, each stream had its own
 * 32 MiB, so a store of many streams counted once each held the sum for good.
 */
class SubjectIndexCacheTest {
    @Test
    void theBudgetHoldsAcrossStreamsAndTheLeastRecentlyUsedStreamGoesFirst() {
        BlockSubjects block = block(1, 100);
        long one = block.size();
        SubjectIndexCache cache = new SubjectIndexCache(3 * one);
        SubjectIndex a = new SubjectIndex(null, cache);
        SubjectIndex b = new SubjectIndex(null, cache);
        SubjectIndex c = new SubjectIndex(null, cache);

        cache.put(a, 1, block);
        cache.put(b, 1, block(1, 100));
        cache.put(c, 1, block(1, 100));
        assertThat(cache.held()).isEqualTo(3 * one);
        // Stream a used again: b is now the least recently used, and the fourth entry pushes it out.
        assertThat(cache.get(a, 1)).isSameAs(block);
        cache.put(c, 2, block(101, 200));

        assertThat(cache.held()).isEqualTo(3 * one);
        assertThat(cache.get(b, 1)).isNull();
        assertThat(cache.get(a, 1)).isSameAs(block);
        assertThat(cache.get(c, 1)).isNotNull();
        assertThat(cache.get(c, 2)).isNotNull();
    }

    @Test
    void twoStreamsWithTheSameBlockIndexKeepTheirOwnEntries() {
        SubjectIndexCache cache = new SubjectIndexCache(1L << 20);
        SubjectIndex a = new SubjectIndex(null, cache);
        SubjectIndex b = new SubjectIndex(null, cache);
        BlockSubjects forA = block(1, 10);
        BlockSubjects forB = block(1, 20);
        cache.put(a, 7, forA);
        cache.put(b, 7, forB);
        assertThat(cache.get(a, 7)).isSameAs(forA);
        assertThat(cache.get(b, 7)).isSameAs(forB);
    }

    @Test
    void anEntryCoveringLessThanTheOneHeldDoesNotReplaceIt() {
        SubjectIndexCache cache = new SubjectIndexCache(1L << 20);
        SubjectIndex a = new SubjectIndex(null, cache);
        BlockSubjects longer = block(1, 50);
        cache.put(a, 1, longer);
        cache.put(a, 1, block(1, 20));
        assertThat(cache.get(a, 1)).isSameAs(longer);
        assertThat(cache.held()).isEqualTo(longer.size());
    }

    @Test
    void aBudgetOfNothingIsRefused() {
        assertThatThrownBy(() -> new SubjectIndexCache(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** A block of sequences {@code first..last}, a subject each of ten. */
    private static BlockSubjects block(long first, long last) {
        BlockSubjects.Builder builder = BlockSubjects.builder(first);
        for (long seq = first; seq <= last; seq++) {
            byte[] subject = ("s." + (seq % 10)).getBytes(StandardCharsets.US_ASCII);
            builder.subject(seq, subject, 0, subject.length);
        }
        return builder.build(last);
    }
}
