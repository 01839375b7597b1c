package io.jetstart.core.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.IndexDb;
import io.jetstart.core.format.IndexDbCodec;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Message m of a generated stream goes to subject {@code s<i>.<m % K>}, whether K is small or large. */
class StoreGeneratorSubjectsTest {
    @TempDir
    Path tmp;

    @Test
    void aFewSubjectsTakeTheMessagesRoundRobin() throws Exception {
        Map<String, Long> totals = subjectTotals(GeneratorSpec.of(1, 7, 10).withSubjects(3));
        assertThat(totals).containsExactly(Map.entry("s1.0", 3L), Map.entry("s1.1", 2L), Map.entry("s1.2", 2L));
    }

    @Test
    void moreSubjectsThanTheTableHoldsAreMadeMessageByMessage() throws Exception {
        int k = (1 << 16) + 10;
        Map<String, Long> totals = subjectTotals(GeneratorSpec.of(1, k + 3, 1).withSubjects(k));
        assertThat(totals).hasSize(k);
        assertThat(totals).containsEntry("s1.0", 2L).containsEntry("s1.2", 2L).containsEntry("s1.3", 1L)
                .containsEntry("s1." + (k - 1), 1L);
    }

    @Test
    void theOptionsLargestSubjectCountWritesOnlyTheSubjectsItsMessagesUse() throws Exception {
        // 10,000,000 subjects and 5 messages: five subjects, and no table of ten million made first
        // (which allocated ~500 MB on this thread and ran a 256 MB heap out of memory).
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        Map<String, Long> totals = subjectTotals(GeneratorSpec.of(1, 5, 1).withSubjects(10_000_000));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(totals.keySet()).containsExactly("s1.0", "s1.1", "s1.2", "s1.3", "s1.4");
        assertThat(allocated).as("bytes allocated writing 5 messages").isLessThan(64L << 20);
    }

    private Map<String, Long> subjectTotals(GeneratorSpec spec) throws Exception {
        Path streams = Files.createDirectories(tmp.resolve("streams"));
        StoreGenerator.writeStream(streams, 1, spec);
        IndexDb db = IndexDbCodec.decode("S1", Files.readAllBytes(streams.resolve("S1/msgs/index.db")));
        Map<String, Long> totals = new TreeMap<>();
        for (IndexDb.Subject s : db.subjects()) {
            totals.put(s.subject(), s.total());
        }
        return totals;
    }
}
