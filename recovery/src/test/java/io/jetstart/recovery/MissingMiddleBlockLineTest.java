package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The 2.10.27 s2 store with MANY's 2.blk gone (its {@code index.db} v1 still naming it), alone and
 * with LIM replaced by the 2.15.1 store's ({@code index.db} v4, so the store's line is 2.15). MANY's
 * own clue bounds the line at 2.10, under which the fast path holds (2.10 looks for the write block
 * only), and the pipelined start may open it before the store's line is known (named first):
 * whatever it opened it with, it reports what the store's line starts with (2.10: index.db's 678
 * messages; 2.15: the 645 the blocks hold), as the sequential start does.
 */
class MissingMiddleBlockLineTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "LIM from 2.15.1: {0}")
    @ValueSource(booleans = {false, true})
    void everyStartReportsTheMessagesOfTheStoresLine(boolean newerStream) throws Exception {
        Path streams = withoutBlock2(newerStream);
        ServerLine expectedLine = newerStream ? ServerLine.V2_15 : ServerLine.V2_10;
        long expectedMessages = newerStream ? 645 : 678;
        for (RecoveryOptions options : starts()) {
            RecoveryReport report = StoreRecovery.recover(streams.getParent().getParent().getParent(), options);
            assertThat(report.serverLine().line()).as("%s", options).isEqualTo(expectedLine);
            StreamReport many = many(report);
            assertThat(many.state().messages()).as("%s", options).isEqualTo(expectedMessages);
            assertThat(many.state().lastSeq()).as("%s", options).isEqualTo(1100);
        }
    }

    /**
     * The same with MANY's max_msgs lowered to 100 on disk: 2.10.27's enforcement stops at the missing
     * block, whose messages its failed read drops (434 left, from 667); 2.15.1 rebuilt without it and
     * keeps 100 (both measured). Under 2.10 the stream failed ("cannot read block") before.
     */
    @ParameterizedTest(name = "LIM from 2.15.1: {0}")
    @ValueSource(booleans = {false, true})
    void aStartUpLimitReachingTheMissingBlockEndsAsTheStoresLineEndsIt(boolean newerStream) throws Exception {
        Path streams = withoutBlock2(newerStream);
        Path many = streams.resolve("MANY");
        String meta = Files.readString(many.resolve("meta.inf"));
        MetaFiles.writeStream(many, "MANY", meta.replace("\"max_msgs\":-1", "\"max_msgs\":100").getBytes(StandardCharsets.UTF_8));
        for (RecoveryOptions options : starts()) {
            StreamReport s = many(StoreRecovery.recover(streams.getParent().getParent().getParent(), options));
            assertThat(s.outcome()).as("%s; problems %s", options, s.problems()).isNotEqualTo(Outcome.FAILED);
            assertThat(s.state().messages()).as("%s", options).isEqualTo(newerStream ? 100 : 434);
            assertThat(s.state().firstSeq()).as("%s", options).isEqualTo(newerStream ? 1001 : 667);
            assertThat(s.state().lastSeq()).as("%s", options).isEqualTo(1100);
        }
    }

    /**
     * LIM of the 2.10.27 s2 store (blocks 3-6, 929 messages, its consumer C0 delivered to 751) without
     * 4.blk (247 messages in 763..1016), as nats-server 2.10.27 started it (measured): its stream
     * counts them (929 from 546), the consumer filtered on lim.1 has 182 pending (the 61 of 4.blk from
     * the subject totals), the unfiltered one 729, and as an interest stream the start-up's removal
     * of what C0 acknowledged stops before the block (829 from 649). The filtered consumer failed the
     * stream before ("cannot read block": its count read the missing block).
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource({
            "as it is, 929, 546, 729",
            "consumer filtered on lim.1, 929, 546, 182",
            "interest retention, 829, 649, 729"})
    void aConsumerOfAStreamWithoutAMiddleBlockCountsAs2_10Does(String change, long messages, long first, long pending)
            throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-s2", tmp);
        Path lim = store.resolve("jetstream/$G/streams/LIM");
        Files.delete(lim.resolve("msgs/4.blk"));
        if (change.startsWith("consumer")) {
            Path c0 = lim.resolve("obs/C0");
            String meta = Files.readString(c0.resolve("meta.inf"));
            MetaFiles.writeConsumer(c0, "LIM", "C0", meta.replace("\"deliver_policy\":\"all\"",
                    "\"deliver_policy\":\"all\",\"filter_subject\":\"lim.1\"").getBytes(StandardCharsets.UTF_8));
        } else if (change.startsWith("interest")) {
            String meta = Files.readString(lim.resolve("meta.inf"));
            MetaFiles.writeStream(lim, "LIM", meta.replace("\"retention\":\"limits\"", "\"retention\":\"interest\"")
                    .getBytes(StandardCharsets.UTF_8));
        }
        StreamReport s = StoreRecovery.recover(store, RecoveryOptions.defaults()).streams().stream()
                .filter(r -> r.name().equals("LIM")).findFirst().orElseThrow();
        assertThat(s.outcome()).as("%s", s.problems()).isNotEqualTo(Outcome.FAILED);
        assertThat(s.state().messages()).isEqualTo(messages);
        assertThat(s.state().firstSeq()).isEqualTo(first);
        assertThat(s.consumers()).singleElement().isInstanceOfSatisfying(ConsumerOutcome.Restored.class,
                c -> assertThat(c.info().numPending()).isEqualTo(pending));
    }

    private static List<RecoveryOptions> starts() {
        return List.of(RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL),
                RecoveryOptions.defaults(), RecoveryOptions.defaults().withFirstStreams(Set.of("MANY")));
    }

    private static StreamReport many(RecoveryReport report) {
        return report.streams().stream().filter(s -> s.name().equals("MANY")).findFirst().orElseThrow();
    }

    /** The store's streams folder: MANY without 2.blk, and LIM from the 2.15.1 store when {@code newerStream}. */
    private Path withoutBlock2(boolean newerStream) throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-s2", tmp);
        Path streams = store.resolve("jetstream/$G/streams");
        Files.delete(streams.resolve("MANY/msgs/2.blk"));
        if (newerStream) {
            try (var files = Files.walk(streams.resolve("LIM"))) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
            Fixtures.copyTree(Fixtures.root().resolve("nats-2.15.1-s2/store/jetstream/$G/streams/LIM"), streams.resolve("LIM"));
        }
        return streams;
    }
}
