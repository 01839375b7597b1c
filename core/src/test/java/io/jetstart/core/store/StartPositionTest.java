package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.lines.ServerLine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * nats-server's {@code selectStartingSeqNo} per deliver policy, on a small in-memory stream:
 * sequences 3–12 (1 and 2 removed, 7 deleted), subjects {@code a.1 b.1 a.2 a.1 - b.2 a.2 c.1 b.1 a.1},
 * one second apart from time 3 s.
 */
class StartPositionTest {
    private static final long SEC = 1_000_000_000L;
    private final Stream stream = new Stream(3, 12)
            .add(3, "a.1").add(4, "b.1").add(5, "a.2").add(6, "a.1")
            .add(8, "b.2").add(9, "a.2").add(10, "c.1").add(11, "b.1").add(12, "a.1");

    @Test
    void allStartsAtTheFirstSequence() throws Exception {
        assertThat(select("all", List.of()).sseq()).isEqualTo(3);
    }

    @Test
    void newStartsAfterTheLastSequence() throws Exception {
        assertThat(select("new", List.of("a.*")).sseq()).isEqualTo(13);
    }

    @Test
    void lastWithoutAFilterStartsAtTheLastSequence() throws Exception {
        assertThat(select("last", List.of()).sseq()).isEqualTo(12);
    }

    @Test
    void lastWithAFilterStartsAtTheLastMatchingMessage() throws Exception {
        assertThat(select("last", List.of("b.1")).sseq()).isEqualTo(11);
        assertThat(select("last", List.of("a.2")).sseq()).isEqualTo(9);
    }

    @Test
    void lastWithAWildcardFilterStartsAtTheLastMessageOfAnyMatchingSubject() throws Exception {
        assertThat(select("last", List.of("b.*")).sseq()).isEqualTo(11);
        assertThat(select("last", List.of("c.>")).sseq()).isEqualTo(10);
    }

    @Test
    void lastWithSeveralFiltersTakesTheHighestOfTheirLastMatches() throws Exception {
        assertThat(select("last", List.of("a.2", "b.2")).sseq()).isEqualTo(9);
        assertThat(select("last", List.of("c.1", "b.2")).sseq()).isEqualTo(10);
    }

    @Test
    void lastWithAFilterThatMatchesNothingStartsAtTheFirstSequence() throws Exception {
        assertThat(select("last", List.of("z.*")).sseq()).isEqualTo(3);
    }

    @Test
    void lastPerSubjectStartsAtTheSmallestLastSequenceOfTheMatchingSubjects() throws Exception {
        StartPosition p = select("last_per_subject", List.of("a.*"));
        assertThat(p.sseq()).isEqualTo(9);
        assertThat(p.skipList()).containsExactly(9, 12);
        assertThat(p.resume()).isEqualTo(12);
    }

    @Test
    void lastPerSubjectWithoutAFilterCoversEverySubject() throws Exception {
        StartPosition p = select("last_per_subject", List.of());
        assertThat(p.sseq()).isEqualTo(8);
        assertThat(p.skipList()).containsExactly(8, 9, 10, 11, 12);
    }

    @Test
    void lastPerSubjectWithSeveralFiltersJoinsTheirSubjects() throws Exception {
        StartPosition p = select("last_per_subject", List.of("b.2", "c.>"));
        assertThat(p.sseq()).isEqualTo(8);
        assertThat(p.skipList()).containsExactly(8, 10);
    }

    @Test
    void lastPerSubjectMatchingNothingStartsAtTheLastSequenceWithoutASkipList() throws Exception {
        StartPosition p = select("last_per_subject", List.of("z"));
        assertThat(p.sseq()).isEqualTo(12);
        assertThat(p.skipList()).isNull();
    }

    @Test
    void lastPerSubjectOnAStreamKeepingOneMessagePerSubjectStartsAtTheFirstFrom210() throws Exception {
        Stream one = new Stream(3, 5).add(3, "a.1").add(4, "b.1").add(5, "c.1");
        StartPosition.Request r = new StartPosition.Request("last_per_subject", 0, 0, List.of("b.*", "c.*"), 1);
        assertThat(StartPosition.select(one, r, ServerLine.V2_15).sseq()).isEqualTo(3);
        assertThat(StartPosition.select(one, r, ServerLine.V2_15).skipList()).isNull();
        assertThat(StartPosition.select(one, r, ServerLine.V2_10).sseq()).isEqualTo(3);
        assertThat(StartPosition.select(one, r, ServerLine.V2_9).sseq()).isEqualTo(4);
    }

    @Test
    void byStartTimeStartsAtTheFirstMessageAtOrAfterTheTime() throws Exception {
        assertThat(select("by_start_time", List.of(), 7 * SEC).sseq()).isEqualTo(8);
        assertThat(select("by_start_time", List.of(), 8 * SEC).sseq()).isEqualTo(8);
        assertThat(select("by_start_time", List.of(), 0).sseq()).isEqualTo(3);
        assertThat(select("by_start_time", List.of(), 99 * SEC).sseq()).isEqualTo(13);
    }

    @Test
    void byStartTimeWithAFilterMovesUpToTheFilterFirstMatchAfterTheTime() throws Exception {
        // c.1's first match (10) is after the time's sequence (8): the start moves up to it.
        assertThat(select("by_start_time", List.of("c.1"), 8 * SEC).sseq()).isEqualTo(10);
        // b.2's first match (8) is the time's sequence itself.
        assertThat(select("by_start_time", List.of("c.*", "b.2"), 8 * SEC).sseq()).isEqualTo(8);
        // On 2.9 there is no such step.
        assertThat(StartPosition.select(stream, request("by_start_time", List.of("c.1"), 8 * SEC, 0), ServerLine.V2_9).sseq())
                .isEqualTo(8);
    }

    @Test
    void byStartTimeWithAFilterFirstMatchedBeforeTheTimeKeepsTheTimeSequence() throws Exception {
        // a.* first matches at 3, before the time: passed over, as the server's FilteredState(first) is.
        assertThat(select("by_start_time", List.of("a.*"), 8 * SEC).sseq()).isEqualTo(8);
    }

    @Test
    void byStartTimeWithAFilterDoesNotMoveUpToTheLastSequence() throws Exception {
        Stream s = new Stream(1, 3).add(1, "a").add(2, "b").add(3, "c");
        StartPosition p = StartPosition.select(s, request("by_start_time", List.of("c"), 2 * SEC, 0), ServerLine.V2_15);
        assertThat(p.sseq()).isEqualTo(2);
    }

    @Test
    void aStartSequenceBelowTheFirstIsRaisedToIt() throws Exception {
        assertThat(StartPosition.select(stream, request("by_start_sequence", List.of(), 0, 1), ServerLine.V2_15).sseq())
                .isEqualTo(3);
    }

    @Test
    void aStartSequenceAheadOfTheStreamIsKeptFrom211AndLoweredBefore() throws Exception {
        StartPosition.Request r = request("by_start_sequence", List.of(), 0, 40);
        assertThat(StartPosition.select(stream, r, ServerLine.V2_15).sseq()).isEqualTo(40);
        assertThat(StartPosition.select(stream, r, ServerLine.V2_11).sseq()).isEqualTo(40);
        assertThat(StartPosition.select(stream, r, ServerLine.V2_10).sseq()).isEqualTo(13);
    }

    @Test
    void anEmptyStreamStartsAtOne() throws Exception {
        Stream empty = new Stream(0, 0);
        assertThat(StartPosition.select(empty, request("last", List.of("a"), 0, 0), ServerLine.V2_15).sseq()).isEqualTo(1);
        assertThat(StartPosition.select(empty, request("new", List.of(), 0, 0), ServerLine.V2_15).sseq()).isEqualTo(1);
    }

    private StartPosition select(String policy, List<String> filters) throws Exception {
        return select(policy, filters, 0);
    }

    private StartPosition select(String policy, List<String> filters, long timeNanos) throws Exception {
        return StartPosition.select(stream, request(policy, filters, timeNanos, 0), ServerLine.V2_15);
    }

    private static StartPosition.Request request(String policy, List<String> filters, long timeNanos, long optStartSeq) {
        return new StartPosition.Request(policy, optStartSeq, timeNanos, filters, -1);
    }

    /** Live messages in sequence order; message {@code seq}'s time is {@code seq} seconds. */
    private static final class Stream implements StartPosition.Source<RuntimeException> {
        private final long first;
        private final long last;
        private final List<long[]> seqs = new ArrayList<>();
        private final List<String> subjects = new ArrayList<>();

        Stream(long first, long last) {
            this.first = first;
            this.last = last;
        }

        Stream add(long seq, String subject) {
            seqs.add(new long[] {seq});
            subjects.add(subject);
            return this;
        }

        @Override
        public long firstSeq() {
            return first;
        }

        @Override
        public long lastSeq() {
            return last;
        }

        @Override
        public long lastMatching(String filter) {
            SubjectFilter f = new SubjectFilter(List.of(filter));
            long found = 0;
            for (int i = 0; i < seqs.size(); i++) {
                if (f.matches(subjects.get(i))) {
                    found = seqs.get(i)[0];
                }
            }
            return found;
        }

        @Override
        public void forEachMatching(long fromSeq, SubjectFilter filter, StartPosition.Visitor visitor) {
            for (int i = 0; i < seqs.size(); i++) {
                long seq = seqs.get(i)[0];
                if (seq >= fromSeq && filter.matches(subjects.get(i)) && !visitor.visit(seq, seq * SEC, subjects.get(i))) {
                    return;
                }
            }
        }
    }
}
