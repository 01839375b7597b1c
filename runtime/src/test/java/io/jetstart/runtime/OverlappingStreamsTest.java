package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.testing.MetaInfText;
import io.jetstart.recovery.RecoveryOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovered streams of one account whose subjects overlap (a hand edit of {@code meta.inf}, a store
 * put together from two servers' folders): nats-server 2.10 restores the first by name, 2.14+
 * either or both (OverlappingStreamsIT), so the runtime writes none of them that some server line
 * might leave unloaded, whatever order it recovers them in, and says which stream each overlaps.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OverlappingStreamsTest {
    private static final String OVERLAP = StreamDefinitions.NOT_RESTORED + "subjects overlap with an existing stream (10065): ";

    @TempDir
    Path dir;

    @Test
    void twoOverlappingStreamsBothOpenReadOnlyEachNamingTheOther() throws Exception {
        stream("$G", "A", "{\"subjects\":[\"ev.>\"]}");
        stream("$G", "B", "{\"subjects\":[\"ev.a.*\"]}");
        stream("$G", "C", "{\"subjects\":[\"other.>\"]}");
        List<String> before = files();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertReadOnly(store, "A", "stream 'B';");
            assertReadOnly(store, "B", "stream 'A';");
            assertThatThrownBy(() -> store.stream("A").await(Duration.ofSeconds(30)).publish("ev.a.b", bytes("1")))
                    .hasMessageContaining("read-only");
            assertThatThrownBy(() -> store.stream("B").await(Duration.ofSeconds(30)).publish("ev.a.b", bytes("1")))
                    .hasMessageContaining("read-only");
            // A stream beside them that overlaps neither is written as ever.
            assertThat(store.stream("C").await(Duration.ofSeconds(30)).publish("other.x", bytes("1")).seq()).isEqualTo(1);
        }
        assertThat(files()).filteredOn(f -> !f.contains("/C/")).containsExactlyElementsOf(before.stream().filter(f -> !f.contains("/C/")).toList());
    }

    @Test
    void theOutcomeDoesNotDependOnWhichStreamIsRecoveredFirst() throws Exception {
        stream("$G", "A", "{\"subjects\":[\"ev.a.*\"]}");
        stream("$G", "B", "{\"subjects\":[\"ev.>\"]}");
        for (String first : List.of("A", "B")) {
            RuntimeOptions sequential = RuntimeOptions.defaults().withRecovery(RuntimeOptions.defaults().recovery()
                    .withMode(RecoveryOptions.Mode.SEQUENTIAL).withFirstStreams(Set.of(first)).withSmallFirst(false));
            try (JetStartStore store = JetStart.open(dir, sequential)) {
                assertReadOnly(store, "A", "stream 'B';");
                assertReadOnly(store, "B", "stream 'A';");
            }
        }
        // Only B recovered in this open: A is still on disk, and a server start would still restore it.
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withRecovery(RuntimeOptions.defaults().recovery()
                .withOnlyStreams(Set.of("B"))))) {
            assertReadOnly(store, "B", "stream 'A';");
        }
    }

    @Test
    void ofThreeTheOneOverlappingBothOthersMakesAllThreeReadOnly() throws Exception {
        // 2.10 restores A and C and refuses B; 2.14+ may restore B first and refuse A and C.
        stream("$G", "A", "{\"subjects\":[\"ev.a.*\"]}");
        stream("$G", "B", "{\"subjects\":[\"ev.>\"]}");
        stream("$G", "C", "{\"subjects\":[\"ev.b.*\"]}");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertReadOnly(store, "A", "stream 'B';");
            assertReadOnly(store, "B", "streams 'A', 'C';");
            assertReadOnly(store, "C", "stream 'B';");
        }
    }

    @Test
    void theSameSubjectInTwoStreamsOverlaps() throws Exception {
        stream("$G", "A", "{\"subjects\":[\"x\",\"ev.x\"]}");
        stream("$G", "B", "{\"subjects\":[\"ev.x\",\"y\"]}");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertReadOnly(store, "A", "stream 'B';");
            assertReadOnly(store, "B", "stream 'A';");
        }
    }

    @Test
    void aStreamWithoutSubjectsListensOnItsNameAndSoOverlapsAWildcard() throws Exception {
        stream("$G", "ORDERS", "{\"subjects\":[]}");
        stream("$G", "ALL", "{\"subjects\":[\"*\"]}");
        stream("$G", "MORE", "{\"subjects\":[\"ORDERS.*\"]}");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertReadOnly(store, "ORDERS", "stream 'ALL';");
            assertReadOnly(store, "ALL", "stream 'ORDERS';");
            // "ORDERS.*" is not "ORDERS": no overlap.
            assertThat(store.stream("MORE").await(Duration.ofSeconds(30)).publish("ORDERS.1", bytes("1")).seq()).isEqualTo(1);
        }
    }

    @Test
    void streamsOfDifferentAccountsNeverOverlap() throws Exception {
        stream("$G", "A", "{\"subjects\":[\"ev.>\"]}");
        stream("ACC", "B", "{\"subjects\":[\"ev.>\"]}");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(store.stream("$G", "A").await(Duration.ofSeconds(30)).publish("ev.a", bytes("1")).seq()).isEqualTo(1);
            assertThat(store.stream("ACC", "B").await(Duration.ofSeconds(30)).publish("ev.a", bytes("1")).seq()).isEqualTo(1);
            assertThat(store.stream("$G", "A").state()).isEqualTo(StreamHandle.State.READY);
            assertThat(store.stream("ACC", "B").state()).isEqualTo(StreamHandle.State.READY);
        }
    }

    @Test
    void aStreamNoServerRestoresDoesNotKeepAnotherFromBeingWritten() throws Exception {
        // max_age 1 ns: every server refuses it on its own (OddStreamConfigIT), so it never takes ev.>.
        stream("$G", "A", "{\"subjects\":[\"ev.>\"],\"max_age\":1}");
        stream("$G", "B", "{\"subjects\":[\"ev.a\"]}");
        // A mirror has no subjects of its own at a server's start, whatever its file says.
        stream("$G", "M", "{\"subjects\":[\"ev.a\"],\"mirror\":{\"name\":\"B\"}}");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(store.stream("A").await(Duration.ofSeconds(30)).readOnlyReason()).hasValue(StreamDefinitions.NOT_RESTORED
                    + "max age needs to be >= 100ms");
            assertThat(store.stream("B").await(Duration.ofSeconds(30)).publish("ev.a", bytes("1")).seq()).isEqualTo(1);
            assertThat(store.stream("B").state()).isEqualTo(StreamHandle.State.READY);
        }
    }

    @Test
    void aSubjectTheServerTrimsStillOverlaps() throws Exception {
        // The server trims " ev.x " and restores the stream on it; the runtime serves that one
        // read-only for its spaces, and the other read-only for the overlap.
        stream("$G", "A", "{\"subjects\":[\" ev.x \"]}");
        stream("$G", "B", "{\"subjects\":[\"ev.*\"]}");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(store.stream("A").await(Duration.ofSeconds(30)).readOnlyReason()).hasValueSatisfying(r -> assertThat(r)
                    .contains("has spaces nats-server trims"));
            assertReadOnly(store, "B", "stream 'A';");
        }
    }

    @Test
    void aSubjectOnly2_10RestoresCountsOnlyInItsWalkByName() throws Exception {
        // "*.>" without no_ack: 2.14+ refuse it (it could match $JS.>), 2.10 restores it unless a stream
        // restored before it by name overlaps it. N before Z: 2.10 restores N and refuses Z.
        stream("$G", "N", "{\"subjects\":[\"n.>\"]}");
        stream("$G", "Z", "{\"subjects\":[\"*.>\"]}");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(store.stream("N").await(Duration.ofSeconds(30)).publish("n.1", bytes("1")).seq()).isEqualTo(1);
            assertThat(store.stream("Z").await(Duration.ofSeconds(30)).readOnlyReason()).hasValueSatisfying(r -> assertThat(r)
                    .contains("subjects that overlap with jetstream api"));
        }
        // With A ("*.>") added, first by name: 2.10 restores A and refuses N and Z.
        stream("$G", "A", "{\"subjects\":[\"*.>\"]}");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertReadOnly(store, "N", "stream 'A', which nats-server 2.10 restores before it");
        }
    }

    @Test
    void createAndUpdateStillRefuseAnOverlapWithEitherOfAReadOnlyPair() throws Exception {
        stream("$G", "A", "{\"subjects\":[\"ev.>\"]}");
        stream("$G", "B", "{\"subjects\":[\"ev.a.*\"]}");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.stream("A").await(Duration.ofSeconds(30));
            store.stream("B").await(Duration.ofSeconds(30));
            assertThatThrownBy(() -> store.createStream("$G", StreamConfig.builder("C").subjects("ev.b").build()))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10065));
            JetStartStream d = store.createStream("$G", StreamConfig.builder("D").subjects("d").build());
            assertThatThrownBy(() -> store.updateStream("$G", d.config().toBuilder().subjects("d", "ev.a.b").build()))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10065));
        }
    }

    @Test
    void deletingOneOfAPairLeavesTheOtherReadOnlyUntilTheNextOpen() throws Exception {
        stream("$G", "A", "{\"subjects\":[\"ev.>\"]}");
        stream("$G", "B", "{\"subjects\":[\"ev.a.*\"]}");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertReadOnly(store, "B", "stream 'A';");
            store.stream("A").await(Duration.ofSeconds(30));
            store.deleteStream("$G", "A");
            // Decided at its hand-over; a resume does not take a stream read-only by its config over.
            assertThat(store.stream("B").state()).isEqualTo(StreamHandle.State.READ_ONLY);
            assertThatThrownBy(() -> store.resumeStream("B")).hasMessageContaining("read-only");
        }
        // The next open, as the server's next start: B alone, restored and written.
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(store.stream("B").await(Duration.ofSeconds(30)).publish("ev.a.b", bytes("1")).seq()).isEqualTo(1);
            assertThat(store.stream("B").state()).isEqualTo(StreamHandle.State.READY);
        }
    }

    @Test
    void aStreamDeletedInThisOpenNoLongerCountsForOneHandedOverAfterIt() throws Exception {
        stream("$G", "A", "{\"subjects\":[\"ev.>\"]}");
        stream("$G", "B", "{\"subjects\":[\"ev.a.*\"]}");
        io.jetstart.core.io.CountingDiskGate gate = new io.jetstart.core.io.CountingDiskGate(4);
        SubjectOverlaps overlaps = new SubjectOverlaps(dir, null, gate);
        StreamConfig b = MetaFiles.readStream(dir.resolve("jetstream/$G/streams/B"), gate).config();
        assertThat(overlaps.reason("$G", "B", b)).contains("stream 'A';");
        // The table was read before the delete; the delete still counts.
        overlaps.deleted("$G", "A");
        assertThat(overlaps.reason("$G", "B", b)).isNull();
        assertThat(overlaps.reason("ACC", "B", b)).as("an account without streams").isNull();
    }

    @Test
    void amongManyStreamsOnlyThoseThatOverlapAreReadOnly() throws Exception {
        for (int i = 0; i < 120; i++) {
            stream("$G", String.format("S%03d", i), "{\"subjects\":[\"s" + i + ".>\",\"t." + i + "\"]}");
        }
        stream("$G", "P", "{\"subjects\":[\"p.a\"]}");
        stream("$G", "Q", "{\"subjects\":[\"q\",\"p.*\"]}");
        // "*.7" overlaps every "sN.>": 2.14+ refuse it on their own, and in 2.10's walk by name the S streams come first.
        stream("$G", "W", "{\"subjects\":[\"*.7\"]}");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertReadOnly(store, "P", "stream 'Q';");
            assertReadOnly(store, "Q", "stream 'P';");
            for (int i = 0; i < 120; i++) {
                String name = String.format("S%03d", i);
                assertThat(store.stream(name).await(Duration.ofSeconds(30)).publish("t." + i, bytes("1")).seq()).as(name).isEqualTo(1);
            }
        }
    }

    @Test
    void encryptedStreamsPutTogetherFromTwoStoresAreReadWithTheKeyAndBothReadOnly() throws Exception {
        // Two stores written with the same key, each with one stream; B's folder copied into the
        // first store: its meta.inf is sealed under a key of its own (account and stream name).
        RuntimeOptions keyed = RuntimeOptions.defaults().withKey(io.jetstart.core.crypto.StoreKey.ofText("overlap-test-key"));
        Path other = Files.createDirectories(dir.resolve("other"));
        Path store = Files.createDirectories(dir.resolve("store"));
        try (JetStartStore js = JetStart.open(store, keyed)) {
            js.createStream("$G", StreamConfig.builder("A").subjects("ev.>").build()).publish("ev.1", bytes("1"));
        }
        try (JetStartStore js = JetStart.open(other, keyed)) {
            js.createStream("$G", StreamConfig.builder("B").subjects("ev.a.*").build()).publish("ev.a.1", bytes("1"));
        }
        Path from = other.resolve("jetstream/$G/streams/B");
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.sorted().toList()) {
                Path to = store.resolve("jetstream/$G/streams/B").resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        assertThat(store.resolve("jetstream/$G/streams/B/meta.key")).exists();
        try (JetStartStore js = JetStart.open(store, keyed)) {
            assertReadOnly(js, "A", "stream 'B';");
            assertReadOnly(js, "B", "stream 'A';");
            assertThat(js.stream("B").await(Duration.ofSeconds(30)).get(1).orElseThrow().subject()).isEqualTo("ev.a.1");
        }
    }

    @Test
    void aPartlyDeletedStreamsDirectoryIsNoRival() throws Exception {
        // ".A": what a server's delete leaves when it stops half-way; every server removes it at start.
        stream("$G", ".A", "{\"subjects\":[\"ev.>\"]}");
        stream("$G", "B", "{\"subjects\":[\"ev.a.*\"]}");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(store.stream("B").await(Duration.ofSeconds(30)).publish("ev.a.b", bytes("1")).seq()).isEqualTo(1);
        }
    }

    private void assertReadOnly(JetStartStore store, String name, String naming) throws Exception {
        JetStartStream s = store.stream(name).await(Duration.ofSeconds(30));
        assertThat(store.stream(name).state()).as(name).isEqualTo(StreamHandle.State.READ_ONLY);
        assertThat(s.readOnlyReason()).as(name).hasValueSatisfying(r -> assertThat(r).startsWith(OVERLAP).contains(naming));
    }

    /** A stream {@code name} of {@code account} as nats-server 2.10 writes it, with {@code extra}'s keys replaced; no messages. */
    private void stream(String account, String name, String extra) throws Exception {
        String body = MetaInfText.base(name, "x");
        com.fasterxml.jackson.databind.node.ObjectNode edits = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(extra);
        for (var e : edits.properties()) {
            body = MetaInfText.replaced(body, e.getKey(), e.getValue().toString());
        }
        Path d = dir.resolve("jetstream").resolve(account).resolve("streams").resolve(name);
        MetaFiles.writeStream(d, name, ("{" + body + "}").getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(d.resolve("msgs"));
    }

    private List<String> files() throws Exception {
        List<String> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir.resolve("jetstream"))) {
            for (Path p : walk.sorted().toList()) {
                out.add(dir.relativize(p) + (Files.isRegularFile(p) ? ":" + new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1) : "/"));
            }
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
