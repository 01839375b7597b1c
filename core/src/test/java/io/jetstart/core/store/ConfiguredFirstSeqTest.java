package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MANY of the 2.10.27 s2 store (678 messages, first 1, last 1100) given a {@code first_seq} in its
 * {@code meta.inf}. nats-server 2.10.27 purges the whole stream at its start when the first is at or
 * below it, 2.15.1 only when below it (measured: a stream created with {@code first_seq} 100 holding
 * 100..104 restarts with 0 messages, first 105 on 2.10.27 and keeps them on 2.15.1; MANY given 700,
 * 0 messages, first 1101 on both); 2.9 has no {@code first_seq}. A writer's open keeps what is at and
 * above it on every line.
 */
class ConfiguredFirstSeqTest {
    @TempDir
    Path tmp;
    private int copies;

    private Path withFirstSeq(long firstSeq) throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-s2", tmp.resolve("copy-" + copies++));
        Path sd = store.resolve("jetstream").resolve("$G").resolve("streams").resolve("MANY");
        String meta = Files.readString(sd.resolve("meta.inf"));
        assertThat(meta).doesNotContain("first_seq").contains("\"storage\":\"file\",");
        MetaFiles.writeStream(sd, "MANY", meta.replace("\"storage\":\"file\",", "\"storage\":\"file\",\"first_seq\":" + firstSeq + ",")
                .getBytes(StandardCharsets.UTF_8));
        return sd;
    }

    private static StreamStore open(Path sd, ServerLine line, boolean forWriter) throws Exception {
        StreamKeys keys = StreamKeys.load(null, "$G", sd, DiskGate.unbounded());
        return StreamOpener.open("$G", "MANY", sd, MetaFiles.readStream(sd, DiskGate.unbounded(), keys).config(),
                StoreContext.singleThreaded(), line, keys, forWriter);
    }

    @ParameterizedTest(name = "first_seq {0} as {1}: {2} messages, {3}..{4}")
    @CsvSource({
            // At the first message: 2.10 purges, the later lines keep it.
            "1, 2.10, 0, 1101, 1100",
            "1, 2.11, 678, 1, 1100",
            "1, 2.15, 678, 1, 1100",
            // Below the first: nothing to do on any line.
            "1, 2.9, 678, 1, 1100",
            // Above the first: the whole stream goes (not only what is below it), on every line with first_seq.
            "700, 2.10, 0, 1101, 1100",
            "700, 2.15, 0, 1101, 1100",
            "700, 2.9, 678, 1, 1100",
            // Past the last: the stream starts at first_seq.
            "1200, 2.10, 0, 1200, 1199",
            "1200, 2.15, 0, 1200, 1199"})
    void aReadOnlyOpenPurgesAsTheLineDoes(long firstSeq, String line, long messages, long first, long last) throws Exception {
        StreamStore s = open(withFirstSeq(firstSeq), ServerLine.parse(line), false);

        StreamState st = s.state();
        assertThat(st.messages()).isEqualTo(messages);
        assertThat(st.firstSeq()).isEqualTo(first);
        assertThat(st.lastSeq()).isEqualTo(last);
        if (messages == 0) {
            assertThat(st.bytes()).isZero();
            assertThat(st.numSubjects()).isZero();
            assertThat(st.numDeleted()).isZero();
        }
    }

    @Test
    void aPurgePastTheLastKeepsTheLastTimeAsTheServersPurgeDoes() throws Exception {
        long lastTs = open(withFirstSeq(1), ServerLine.V2_15, false).state().lastTs();

        StreamState st = open(withFirstSeq(1200), ServerLine.V2_10, false).state();

        assertThat(lastTs).isPositive();
        assertThat(st.lastTs()).isEqualTo(lastTs);
        assertThat(st.firstTs()).isZero();
    }

    @Test
    void the210LineWarnsThatItRemovesTheMessagesAtEveryStartWhileTheFirstIsAtFirstSeq() throws Exception {
        StreamStore s = open(withFirstSeq(1), ServerLine.V2_10, false);

        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(p.file().getFileName()).hasToString("meta.inf");
            assertThat(p.message()).contains("'$G > MANY'", "removes its messages at every start while its first message is at first_seq 1",
                    "678 messages (1..1100)", "first becomes 1101");
        });
    }

    @Test
    void theLaterLinesSayNothingOfAStreamWhoseFirstIsAtFirstSeq() throws Exception {
        StreamStore s = open(withFirstSeq(1), ServerLine.V2_15, false);

        assertThat(s.problems()).noneMatch(p -> p.message().contains("first_seq"));
    }

    @ParameterizedTest(name = "as {0}")
    @CsvSource({"2.10", "2.15"})
    void aWriterKeepsWhatIsAtAndAboveFirstSeqOnEveryLine(String line) throws Exception {
        StreamStore at = open(withFirstSeq(1), ServerLine.parse(line), true);
        assertThat(at.state().messages()).isEqualTo(678);
        assertThat(at.problems()).noneMatch(p -> p.message().contains("first_seq"));

        StreamStore above = open(withFirstSeq(700), ServerLine.parse(line), true);
        assertThat(above.state().messages()).isEqualTo(401);
        assertThat(above.state().firstSeq()).isEqualTo(700);
    }
}
