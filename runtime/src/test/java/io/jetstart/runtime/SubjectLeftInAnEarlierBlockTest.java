package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subject whose later message is removed keeps its earlier one, in an earlier block, as its
 * last: the writer's {@code Nats-Expected-Last-Subject-Sequence} check finds it, as reads and
 * nats-server do (RuntimeModelIT seed 397149258, model-steps/subject-last-in-earlier-block.steps:
 * the runtime answered "wrong last sequence: 0" where the server said 1).
 */
class SubjectLeftInAnEarlierBlockTest {
    @TempDir
    Path dir;

    private static final RuntimeOptions SMALL_BLOCKS = RuntimeOptions.defaults().withBlockSize(1024);

    private static long firstOfTwoWithTheSecondDeleted(JetStartStream s) throws Exception {
        long first = s.publish("m.1", bytes("first")).seq();
        for (int i = 0; i < 30; i++) {
            s.publish("m.2", new byte[100]);
        }
        long second = s.publish("m.1", bytes("second")).seq();
        assertThat(s.info().blocks().size()).as("the two in different blocks").isGreaterThan(1);
        s.delete(second);
        assertThat(s.lastBySubject("m.1").orElseThrow().seq()).isEqualTo(first);
        return first;
    }

    @Test
    void theExpectedLastSubjectSequenceIsTheEarlierMessage() throws Exception {
        try (JetStartStore store = JetStart.open(dir, SMALL_BLOCKS)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"B\",\"subjects\":[\"m.*\"]}"));
            long first = firstOfTwoWithTheSecondDeleted(s);
            PublishAck ack = s.publish("m.3", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, Long.toString(first),
                    Headers.EXPECTED_LAST_SUBJECT_SEQ_SUBJECT, "m.1"), bytes("third"));
            assertThat(ack.seq()).isEqualTo(s.info().lastSeq());
        }
    }

    @Test
    void itIsStillFoundAfterAReopen() throws Exception {
        long first;
        try (JetStartStore store = JetStart.open(dir, SMALL_BLOCKS)) {
            first = firstOfTwoWithTheSecondDeleted(store.createStream("$G", config("{\"name\":\"B\",\"subjects\":[\"m.*\"]}")));
        }
        try (JetStartStore store = JetStart.open(dir, SMALL_BLOCKS)) {
            JetStartStream s = open(store, "B");
            PublishAck ack = s.publish("m.1", Headers.of(Headers.EXPECTED_LAST_SUBJECT_SEQ, Long.toString(first)), bytes("third"));
            assertThat(ack.seq()).isEqualTo(s.info().lastSeq());
        }
    }
}
