package io.jetstart.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SubjectCounterTest {
    /** Counts {@code subjects} as a block scan would: each one's bytes at an offset inside a larger buffer. */
    private static Map<String, Long> count(SubjectCounter c, String... subjects) {
        for (String s : subjects) {
            byte[] b = ("xx" + s + "yy").getBytes(StandardCharsets.UTF_8);
            c.increment(b, 2, b.length - 4);
        }
        return c.toMap();
    }

    @Test
    void runsOfOneSubjectAndAlternatingSubjectsAreCountedInFirstSeenOrder() {
        Map<String, Long> m = count(new SubjectCounter(), "a.b", "a.b", "a.b", "c", "a.b", "c", "c", "d.e.f");
        assertThat(m).containsExactly(Map.entry("a.b", 4L), Map.entry("c", 3L), Map.entry("d.e.f", 1L));
    }

    @Test
    void aSubjectThatIsAPrefixOfTheLastOneIsAnotherSubject() {
        Map<String, Long> m = count(new SubjectCounter(), "orders.1", "orders.10", "orders.1", "orders.1", "orders.10",
                "orders.2", "orders.1x");
        assertThat(m).containsExactly(Map.entry("orders.1", 3L), Map.entry("orders.10", 2L), Map.entry("orders.2", 1L),
                Map.entry("orders.1x", 1L));
    }

    @Test
    void longSubjectsThatDifferOnlyAtTheEndAreApart() {
        String base = "a".repeat(40);
        Map<String, Long> m = count(new SubjectCounter(), base + "1", base + "1", base + "2", base + "1");
        assertThat(m).containsExactly(Map.entry(base + "1", 3L), Map.entry(base + "2", 1L));
    }

    @Test
    void aClearedCounterStartsFromNothingEvenForItsLastSubject() {
        SubjectCounter c = new SubjectCounter();
        count(c, "s", "s", "t");
        c.clear();
        assertThat(count(c, "t", "t", "s")).containsExactly(Map.entry("t", 2L), Map.entry("s", 1L));
    }

    @Test
    void randomSequencesCountAsAMapWould() {
        long seed = 0x5eed8L;
        SplittableRandom r = new SplittableRandom(seed);
        String[] pool = {"a", "ab", "abc", "b", "x.y", "x.y.z", "q".repeat(33), "q".repeat(34), "é.ü"};
        SubjectCounter c = new SubjectCounter();
        LinkedHashMap<String, Long> expected = new LinkedHashMap<>();
        String last = pool[0];
        for (int i = 0; i < 5_000; i++) {
            // Mostly runs of the same subject, as blocks hold them, with switches between.
            String s = r.nextInt(4) == 0 ? pool[r.nextInt(pool.length)] : last;
            last = s;
            count(c, s);
            expected.merge(s, 1L, Long::sum);
        }
        assertThat(c.toMap()).as("seed %d", seed).containsExactlyEntriesOf(expected);
    }

    @Test
    void subjectsOfEveryLengthThatDifferInAnyOneByteAreApart() {
        // The comparison reads 8, then 4 bytes at a time (the last word overlapping): a difference in
        // any position, at any length, must still be seen.
        for (int len = 1; len <= 40; len++) {
            for (int pos = 0; pos < len; pos++) {
                char[] chars = new char[len];
                for (int i = 0; i < len; i++) {
                    chars[i] = (char) ('a' + (i * 7 + len) % 26);
                }
                String base = new String(chars);
                chars[pos] = '.';
                String other = new String(chars);
                assertThat(count(new SubjectCounter(), base, other, base, other, other))
                        .as("length %d, differing at %d", len, pos)
                        .containsExactly(Map.entry(base, 2L), Map.entry(other, 3L));
            }
        }
    }
}
