package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two streams of one account whose subjects overlap, recovered from hand-edited files (the runtime's
 * create and update refuse such a pair with 10065): nats-server restores only one of them (2.10.27 the
 * first by name, 2.15.1 either or both by chance; docs/format-notes.md), so neither takes a publish,
 * each is still read, and an update or delete of one lets the other take publishes again without a
 * reopen ({@link OverlapGuard}).
 */
class OverlappingStreamsTest {
    @TempDir
    Path dir;

    /** EVENTS on ev.a.*, WIDE on other, one message each; then WIDE's meta.inf edited to ev.> (meta.sum kept right). */
    private void overlappingPair() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.createStream("$G", StreamConfig.builder("EVENTS").subjects("ev.a.*").build()).publish("ev.a.1", bytes("e1"));
            store.createStream("$G", StreamConfig.builder("WIDE").subjects("other").build()).publish("other", bytes("w1"));
            store.createStream("ACC", StreamConfig.builder("ELSEWHERE").subjects("ev.>").build()).publish("ev.x", bytes("x1"));
        }
        Path wide = dir.resolve("jetstream/$G/streams/WIDE");
        ObjectMapper json = new ObjectMapper();
        ObjectNode meta = (ObjectNode) json.readTree(Files.readAllBytes(wide.resolve(MetaFiles.META_INF)));
        meta.putArray("subjects").add("ev.>");
        MetaFiles.writeStream(wide, "WIDE", json.writeValueAsBytes(meta));
    }

    private static void assertRefusedFor(org.assertj.core.api.ThrowableAssert.ThrowingCallable publish, String other) {
        assertThatThrownBy(publish).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
            assertThat(e.code()).isEqualTo(400);
            assertThat(e.errCode()).isEqualTo(10065);
            assertThat(e.description()).startsWith("subjects overlap with an existing stream: '" + other + "' of account '$G'")
                    .contains("nats-server restores only one of two such streams");
        });
    }

    @Test
    void neitherTakesAPublishBothAreReadAndRemovalsGoOn() throws Exception {
        overlappingPair();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.recovery().get(); // every stream known: no publish is taken for lack of knowledge
            JetStartStream events = open(store, "EVENTS");
            JetStartStream wide = open(store, "WIDE");
            assertThat(events.readOnlyReason()).isEmpty();
            assertRefusedFor(() -> events.publish("ev.a.2", bytes("e2")), "WIDE");
            assertRefusedFor(() -> wide.publish("ev.b", bytes("w2")), "EVENTS");
            // Asked again at the next publish, with the same answer: nothing changed meanwhile.
            assertRefusedFor(() -> {
                try {
                    wide.publishAsync("ev.c", Headers.EMPTY, bytes("w3")).get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause();
                }
            }, "EVENTS");
            assertThat(events.get(1).orElseThrow().payload()).isEqualTo(bytes("e1"));
            assertThat(wide.get(1).orElseThrow().payload()).isEqualTo(bytes("w1"));
            assertThat(events.info().lastSeq()).isEqualTo(1);
            assertThat(wide.info().lastSeq()).isEqualTo(1);
            // A removal loses nothing a server could miss; the stream's writer is not stopped by the refusals.
            wide.delete(1);
            assertThat(wide.info().messages()).isZero();
            assertThat(wide.readOnlyReason()).isEmpty();
            // Another account's streams are not compared: its ev.> overlaps nothing of its own.
            assertThat(store.stream("ACC", "ELSEWHERE").await(java.time.Duration.ofSeconds(30)).publish("ev.y", bytes("x2")).seq()).isEqualTo(2);
        }
        // Nothing was written by the refused publishes.
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(open(store, "EVENTS").info().lastSeq()).isEqualTo(1);
            assertThat(open(store, "WIDE").info().lastSeq()).isEqualTo(1);
        }
    }

    @Test
    void anUpdateThatEndsTheOverlapLetsBothPublish() throws Exception {
        overlappingPair();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.recovery().get(); // every stream known: no publish is taken for lack of knowledge
            JetStartStream events = open(store, "EVENTS");
            JetStartStream wide = open(store, "WIDE");
            assertRefusedFor(() -> events.publish("ev.a.2", bytes("e2")), "WIDE");
            // An update that keeps the overlap is refused as at any time (10065), and changes nothing.
            assertThatThrownBy(() -> store.updateStream("$G", wide.config().toBuilder().maxMsgs(5).build()))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10065));
            assertRefusedFor(() -> events.publish("ev.a.2", bytes("e2")), "WIDE");
            store.updateStream("$G", wide.config().toBuilder().subjects("ev.b.>").build());
            assertThat(events.publish("ev.a.2", bytes("e2")).seq()).isEqualTo(2);
            assertThat(wide.publish("ev.b.1", bytes("w2")).seq()).isEqualTo(2);
        }
    }

    @Test
    void aDeleteOfTheOtherLetsTheOnePublish() throws Exception {
        overlappingPair();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.recovery().get();
            JetStartStream events = open(store, "EVENTS");
            assertRefusedFor(() -> events.publish("ev.a.2", bytes("e2")), "WIDE");
            store.deleteStream("$G", "WIDE");
            assertThat(events.publish("ev.a.2", bytes("e2")).seq()).isEqualTo(2);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aPublishIsNotHeldForAStreamStillRecoveringAndIsRefusedOnceItIsBackOverlapping() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkfifo")) || Files.isExecutable(Path.of("/bin/mkfifo")), "needs mkfifo");
        overlappingPair();
        // WIDE's meta.inf blocks its reader until written to (a stuck file): its recovery waits there.
        Path meta = dir.resolve("jetstream/$G/streams/WIDE").resolve(MetaFiles.META_INF);
        byte[] metaBytes = Files.readAllBytes(meta);
        Files.delete(meta);
        assertThat(new ProcessBuilder("mkfifo", meta.toString()).inheritIO().start().waitFor()).isZero();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream events = open(store, "EVENTS");
            assertThat(store.stream("WIDE").state()).isEqualTo(StreamHandle.State.RECOVERING);
            // Not known yet: taken (the publish does not wait for another stream's files).
            assertThat(events.publish("ev.a.2", bytes("e2")).seq()).isEqualTo(2);
            try (java.io.OutputStream out = Files.newOutputStream(meta)) {
                out.write(metaBytes);
            }
            open(store, "WIDE");
            assertRefusedFor(() -> events.publish("ev.a.3", bytes("e3")), "WIDE");
        }
    }

    @Test
    void aStreamCreatedHereIsNotAskedAgainAndOneRecoveredWithoutOverlapPublishes() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.createStream("$G", StreamConfig.builder("A").subjects("a.>").build()).publish("a.1", bytes("1"));
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(open(store, "A").publish("a.2", bytes("2")).seq()).isEqualTo(2);
            JetStartStream b = store.createStream("$G", StreamConfig.builder("B").subjects("b.>").build());
            assertThat(b.publish("b.1", bytes("1")).seq()).isEqualTo(1);
        }
    }
}
