package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.write.StreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.PrimitiveIterator;
import java.util.Random;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Valid streams with far more deleted sequences than messages: two blocks a hundred million
 * sequences apart (their middle blocks removed), a block whose deleted map holds a million. Their
 * state is counted and walked in a 32 MiB heap (tag {@code small-heap}), where the list of every
 * deleted sequence the state once held (16 to 24 bytes each) ran out of memory.
 */
@Tag("small-heap")
class ManyDeletedSequencesTest {
    static final long T0 = 1_767_225_600_000_000_000L;
    static final long GAP = 100_000_000L;
    static final byte[] SUBJECT = "t.a".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @BeforeEach
    void heapIsSmall() {
        assertThat(Runtime.getRuntime().maxMemory()).as("run in the small-heap surefire execution (-Xmx32m)")
                .isLessThanOrEqualTo(64L << 20);
    }

    private static StreamStore open(Path dir) throws Exception {
        StreamConfig cfg = StreamConfig.parse(("{\"Created\":\"2026-01-01T00:00:00Z\",\"name\":\"T\",\"subjects\":[\"t.*\"],"
                + "\"retention\":\"limits\",\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,\"max_msgs_per_subject\":-1,"
                + "\"discard\":\"old\",\"storage\":\"file\",\"num_replicas\":1,\"compression\":\"none\",\"consumer_limits\":{}}")
                .getBytes(StandardCharsets.UTF_8));
        return StreamOpener.open("$G", "T", dir, cfg, StoreContext.singleThreaded());
    }

    @ParameterizedTest(name = "index.db written: {0}")
    @ValueSource(booleans = {false, true})
    void twoBlocksAHundredMillionSequencesApartCountAndListTheGapInOrder(boolean withIndex) throws Exception {
        Path dir = tmp.resolve("T");
        // 700-byte payloads in 1 KiB blocks: one message a block, so the gap lies between blocks.
        byte[] payload = new byte[700];
        try (StreamWriter w = new StreamWriter(dir, "T", 1024, 3)) {
            w.append(SUBJECT, null, payload, T0);
            w.appendAt(GAP + 2, SUBJECT, null, payload, T0 + 1);
            if (!withIndex) {
                w.closeWithoutIndex();
            }
        }
        StreamStore s = open(dir);
        assertThat(s.source()).isEqualTo(withIndex ? Source.INDEX : Source.REBUILT);

        StreamState st = s.state();

        assertThat(st.messages()).isEqualTo(2);
        assertThat(st.lastSeq()).isEqualTo(GAP + 2);
        assertThat(st.numDeleted()).isEqualTo(GAP).isEqualTo(st.deleted().size());
        Ascending walk = new Ascending(2);
        st.deleted().forEach(walk);
        assertThat(walk.next).as("every sequence 2..%d once, ascending", GAP + 1).isEqualTo(GAP + 2);
        PrimitiveIterator.OfLong it = st.deleted().iterator();
        assertThat(it.nextLong()).isEqualTo(2);
        assertThat(st.deleted().toString()).startsWith("[2, 3, 4, ").endsWith(", ... 100000000 in all]");
    }

    @Test
    void aBlockWhoseDeletedMapHoldsAMillionScatteredSequencesListsThemInOrder() throws Exception {
        Path dir = tmp.resolve("T");
        long seed = 7;
        long[] kept = new long[1000];
        Random r = new Random(seed);
        long seq = 0;
        // One 8 MiB block of 1,000 messages with 500..1,499 sequences between each two: its map
        // holds about a million, the server's compacted-block shape.
        try (StreamWriter w = new StreamWriter(dir, "T", 8 << 20, 3)) {
            for (int i = 0; i < kept.length; i++) {
                seq += 1 + 500 + r.nextInt(1000);
                kept[i] = seq;
                w.appendAt(seq, SUBJECT, null, new byte[8], T0 + i);
            }
            w.closeWithoutIndex();
        }
        StreamState st = open(dir).state();

        long expected = kept[kept.length - 1] - kept[0] + 1 - kept.length;
        assertThat(expected).as("seed %d", seed).isGreaterThan(900_000);
        assertThat(st.numDeleted()).as("seed %d", seed).isEqualTo(expected);
        PrimitiveIterator.OfLong it = st.deleted().iterator();
        for (int i = 1; i < kept.length; i++) {
            for (long d = kept[i - 1] + 1; d < kept[i]; d++) {
                assertThat(it.hasNext()).as("seed %d: %d listed", seed, d).isTrue();
                long got = it.nextLong();
                if (got != d) {
                    assertThat(got).as("seed %d: the deleted sequence after %d", seed, d - 1).isEqualTo(d);
                }
            }
        }
        assertThat(it.hasNext()).as("seed %d: nothing after the last gap", seed).isFalse();
    }

    /** Checks each sequence is the one after the last. A named class: a lambda cannot keep the count. */
    private static final class Ascending implements LongConsumer {
        long next;

        Ascending(long first) {
            this.next = first;
        }

        @Override
        public void accept(long seq) {
            if (seq != next) {
                throw new AssertionError("expected " + next + ", got " + seq);
            }
            next++;
        }
    }
}
