package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counts by subject from the blocks' subject index ({@link BlockSubjects}, {@link SubjectIndex})
 * against a count of the messages read one by one, on seeded random streams: deletes in sealed
 * blocks and in the tail, a tail that grows between counts (the index extended, not made again),
 * filters with and without wildcards, positions anywhere. Blocks of 1 KiB, so a count crosses many.
 */
class SubjectIndexCountTest {
    private static final List<String> FILTERS = List.of("k.3.a", "k.*.b", "k.>", "k.7.>", "k.*.*", "k.12.c", "x.>");

    @TempDir
    Path dir;

    @Test
    void aCountFromTheSubjectIndexIsACountOfTheMessagesReadOneByOne() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            Random r = new Random(seed);
            try (JetStartStore store = JetStart.open(java.nio.file.Files.createDirectories(dir.resolve("s" + seed)), RuntimeOptions.defaults().withBlockSize(1024))) {
                JetStartStream s = store.createStream("$G", config("{\"name\":\"K\",\"subjects\":[\"k.>\"]}"));
                for (int round = 0; round < 3; round++) {
                    publishAndDelete(s, r, 300);
                    for (int i = 0; i < 25; i++) {
                        String f = FILTERS.get(r.nextInt(FILTERS.size()));
                        long from = 1 + r.nextInt((int) s.info().lastSeq() + 2);
                        SubjectFilter filter = new SubjectFilter(List.of(f));
                        assertThat(NumPending.count(s, filter, from)).as("seed " + seed + ", round " + round + ", " + f + " from " + from)
                                .isEqualTo(readOneByOne(s, filter, from));
                    }
                }
            }
        }
    }

    /**
     * A {@code last_per_subject} consumer's count by subjects ({@link NumPending#subjectsFrom}):
     * whole blocks past the position answered from the per-subject totals less their deletes,
     * the block of the position entry by entry; against the distinct subjects read one by one.
     */
    @Test
    void aCountBySubjectsFromTheSubjectIndexIsTheDistinctSubjectsReadOneByOne() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            Random r = new Random(seed);
            try (JetStartStore store = JetStart.open(java.nio.file.Files.createDirectories(dir.resolve("l" + seed)), RuntimeOptions.defaults().withBlockSize(1024))) {
                JetStartStream s = store.createStream("$G", config("{\"name\":\"K\",\"subjects\":[\"k.>\"]}"));
                for (int round = 0; round < 3; round++) {
                    publishAndDelete(s, r, 300);
                    for (int i = 0; i < 25; i++) {
                        String f = FILTERS.get(r.nextInt(FILTERS.size()));
                        long from = 1 + r.nextInt((int) s.info().lastSeq() + 2);
                        SubjectFilter filter = new SubjectFilter(List.of(f));
                        assertThat(NumPending.subjectsFrom(s, s.view(), filter, from))
                                .as("seed " + seed + ", round " + round + ", " + f + " from " + from)
                                .isEqualTo(distinctOneByOne(s, filter, from));
                    }
                }
            }
        }
    }

    private static long distinctOneByOne(JetStartStream s, SubjectFilter filter, long from) throws Exception {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (long q = Math.max(1, from); q <= s.info().lastSeq(); q++) {
            Optional<StoredMessage> m = s.get(q);
            if (m.isPresent() && filter.matches(m.get().subject())) {
                seen.add(m.get().subject());
            }
        }
        return seen.size();
    }

    private static void publishAndDelete(JetStartStream s, Random r, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            s.publish("k." + r.nextInt(16) + "." + (char) ('a' + r.nextInt(3)), bytes("x".repeat(r.nextInt(40))));
        }
        long last = s.info().lastSeq();
        for (int i = 0; i < n / 8; i++) {
            long q = 1 + r.nextInt((int) last);
            if (s.get(q).isPresent()) {
                s.delete(q);
            }
        }
    }

    private static long readOneByOne(JetStartStream s, SubjectFilter filter, long from) throws Exception {
        long n = 0;
        for (long q = Math.max(1, from); q <= s.info().lastSeq(); q++) {
            Optional<StoredMessage> m = s.get(q);
            if (m.isPresent() && filter.matches(m.get().subject())) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aBlockIsWalkedForItsSubjectsOnceAndTheGrowingLastBlockIsExtendedNotWalkedAgain() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"K\",\"subjects\":[\"k.>\"]}"));
            for (int i = 0; i < 100; i++) {
                s.publish("k." + (i % 7) + ".a", bytes("x"));
            }
            List<StreamView.Block> blocks = s.view().blocks();
            assertThat(blocks).hasSizeGreaterThan(3);
            List<BlockSubjects> first = new java.util.ArrayList<>();
            for (StreamView.Block b : blocks) {
                first.add(s.subjectsOf(b));
            }
            for (int i = 0; i < blocks.size(); i++) {
                assertThat(s.subjectsOf(blocks.get(i))).as("block " + blocks.get(i).index() + " again: from memory").isSameAs(first.get(i));
            }
            s.publish("k.9.a", bytes("y"));
            StreamView.Block last = s.view().blocks().getLast();
            BlockSubjects grown = s.subjectsOf(last);
            if (last.index() == blocks.getLast().index()) {
                assertThat(grown).isNotSameAs(first.getLast());
                assertThat(grown.lineage()).as("extended, ids kept").isSameAs(first.getLast().lineage());
            } else {
                assertThat(s.subjectsOf(blocks.getLast())).as("the block the publish rolled past").isSameAs(first.getLast());
            }
            assertThat(grown.through()).isEqualTo(last.lastSeq());
            assertThat(s.subjectsOf(blocks.getFirst())).as("a sealed block, untouched").isSameAs(first.getFirst());
        }
    }
}
