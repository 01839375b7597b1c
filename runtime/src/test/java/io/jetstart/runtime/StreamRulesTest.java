package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static io.jetstart.runtime.RuntimeTestSupport.recovered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamRulesTest {
    @TempDir
    Path dir;

    private JetStartStore store() throws Exception {
        return JetStart.open(dir, RuntimeOptions.defaults());
    }

    @Test
    void maxBytesWithDiscardOldDropsTheOldestUntilTheStreamFits() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"B\",\"subjects\":[\"b\"],\"max_bytes\":1000}"));
            for (int i = 0; i < 50; i++) {
                s.publish("b", new byte[70]);
            }
            // Each record is 22 + 1 + 70 + 8 = 101 bytes: 9 fit under 1000.
            assertThat(s.info().messages()).isEqualTo(9);
            assertThat(s.info().bytes()).isEqualTo(909);
            assertThat(s.info().firstSeq()).isEqualTo(42);
        }
        assertThat(recovered(dir, "B").messages()).isEqualTo(9);
    }

    @Test
    void discardNewOnBytesRefusesAMessageThatWouldReachTheLimit() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config(
                    "{\"name\":\"B\",\"subjects\":[\"b\"],\"max_bytes\":200,\"discard\":\"new\"}"));
            s.publish("b", new byte[100]);
            // nats-server 2.14+: bytes (131) + the new record (22 + 1 + 39 + 8 = 70) > max_bytes (200) is refused;
            // reaching the limit exactly (69) is allowed.
            assertThatThrownBy(() -> s.publish("b", new byte[39])).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.description()).isEqualTo("maximum bytes exceeded"));
            assertThat(s.publish("b", new byte[38]).seq()).isEqualTo(2);
        }
    }

    @Test
    void discardNewPerSubjectRefusesTheSubjectAtItsLimitOnly() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.*\"],\"discard\":\"new\","
                    + "\"max_msgs_per_subject\":1,\"discard_new_per_subject\":true}"));
            s.publish("p.a", bytes("1"));
            assertThatThrownBy(() -> s.publish("p.a", bytes("2"))).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.description()).isEqualTo("maximum messages per subject exceeded"));
            assertThat(s.publish("p.b", bytes("3")).seq()).isEqualTo(2);
        }
    }

    @Test
    void sealedDenyDeleteAndDenyPurgeRefuseWithTheServersErrors() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config(
                    "{\"name\":\"F\",\"subjects\":[\"f\"],\"deny_delete\":true,\"deny_purge\":true}"));
            s.publish("f", bytes("1"));
            assertThatThrownBy(() -> s.delete(1)).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                assertThat(e.errCode()).isEqualTo(10057);
                assertThat(e.description()).isEqualTo("message delete not permitted");
            });
            assertThatThrownBy(() -> s.purge(PurgeRequest.all())).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                assertThat(e.errCode()).isEqualTo(10110);
                assertThat(e.description()).isEqualTo("stream purge not permitted");
            });
            store.updateStream("$G", config("{\"name\":\"F\",\"subjects\":[\"f\"],\"sealed\":true}"));
            assertThatThrownBy(() -> s.publish("f", bytes("2"))).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.errCode()).isEqualTo(10109));
            assertThat(s.info().messages()).isEqualTo(1);
        }
    }

    @Test
    void deletingAMissingSequenceFailsAsTheServersDeleteDoes() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"M\",\"subjects\":[\"m\"]}"));
            s.publish("m", bytes("1"));
            s.publish("m", bytes("2"));
            s.publish("m", bytes("3"));
            s.delete(2);
            assertThatThrownBy(() -> s.delete(2)).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                assertThat(e.errCode()).isEqualTo(10043);
                assertThat(e.description()).isEqualTo("sequence 2 not found");
            });
            s.delete(1);
            assertThatThrownBy(() -> s.delete(1)).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                assertThat(e.errCode()).isEqualTo(10057);
                assertThat(e.description()).isEqualTo("no message found");
            });
            assertThatThrownBy(() -> s.delete(5)).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.description()).isEqualTo("stream store EOF"));
        }
    }

    @Test
    void anUpdateThatLowersMaxMsgsTrimsTheStreamAndIsWrittenToMetaInf() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"U\",\"subjects\":[\"u\"]}"));
            for (int i = 0; i < 10; i++) {
                s.publish("u", bytes("" + i));
            }
            store.updateStream("$G", config("{\"name\":\"U\",\"subjects\":[\"u\"],\"max_msgs\":3}"));
            s.flush();
            assertThat(s.info().messages()).isEqualTo(3);
            assertThat(s.config().maxMsgs()).isEqualTo(3);
        }
        assertThat(recovered(dir, "U").messages()).isEqualTo(3);
        String meta = Files.readString(dir.resolve("jetstream/$G/streams/U/meta.inf"));
        assertThat(meta).contains("\"max_msgs\":3");
    }

    @Test
    void maxAgeExpiresMessagesInTheBackgroundWithTombstones() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a\"],\"max_age\":100000000}"));
            s.publish("a", bytes("old"));
            s.publish("a", bytes("old too"));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (s.info().messages() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(s.info().messages()).as("messages older than max_age").isZero();
            assertThat(s.info().lastSeq()).isEqualTo(2);
        }
        // A stream written by the runtime keeps its age removals without index.db (tombstones).
        Files.delete(dir.resolve("jetstream/$G/streams/A/msgs/index.db"));
        assertThat(recovered(dir, "A").messages()).isZero();
        assertThat(recovered(dir, "A").lastSeq()).isEqualTo(2);
    }

    @Test
    void aDeletedStreamIsGoneAndItsNameCanBeUsedAgain() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"X\",\"subjects\":[\"x\"]}"));
            s.publish("x", bytes("1"));
            store.deleteStream("$G", "X");
            assertThat(dir.resolve("jetstream/$G/streams/X")).doesNotExist();
            JetStartStream again = store.createStream("$G", config("{\"name\":\"X\",\"subjects\":[\"x\"]}"));
            assertThat(again.publish("x", bytes("new")).seq()).isEqualTo(1);
        }
    }

    @Test
    void creatingAnExistingStreamWithAnotherConfigIsRefusedAndWithTheSameReturnsIt() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"C\",\"subjects\":[\"c\"]}"));
            assertThat(store.createStream("$G", config("{\"name\":\"C\",\"subjects\":[\"c\"]}"))).isSameAs(s);
            assertThatThrownBy(() -> store.createStream("$G", config("{\"name\":\"C\",\"subjects\":[\"other\"]}")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10058));
        }
    }

    @Test
    void aStreamThatDoesNotExistIsReportedNotFoundOnceRecoveryHasFinished() throws Exception {
        try (JetStartStore store = store()) {
            store.recovery().get();
            assertThatThrownBy(() -> store.stream("NOPE").await(Duration.ofSeconds(10)))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10059));
            assertThat(store.stream("NOPE").state()).isEqualTo(StreamHandle.State.FAILED);
        }
    }

    @Test
    void closingWhilePublishingCompletesOrFailsEveryAckAndLeavesNoWriterThread() throws Exception {
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        JetStartStore store = store();
        JetStartStream s = store.createStream("$G", config("{\"name\":\"Q\",\"subjects\":[\"q\"]}"));
        Thread publisher = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 200_000; i++) {
                CompletableFuture<PublishAck> f = s.publishAsync("q", Headers.EMPTY, new byte[8]);
                synchronized (acks) {
                    acks.add(f);
                }
            }
        });
        while (true) {
            synchronized (acks) {
                if (acks.size() > 1000) {
                    break;
                }
            }
            Thread.onSpinWait();
        }
        store.close();
        publisher.join();
        long ok = 0;
        synchronized (acks) {
            for (CompletableFuture<PublishAck> f : acks) {
                assertThat(f).isDone();
                try {
                    f.join();
                    ok++;
                } catch (CompletionException e) {
                    assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
                }
            }
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("jetstart-writer") && t.isAlive());
        try (JetStartStore again = store()) {
            assertThat(open(again, "Q").info().messages()).isEqualTo(ok);
        }
    }

    @Test
    void aRollupKeepsOnlyTheNewMessageOfItsSubjectOrOfTheStreamWhereAllowed() throws Exception {
        try (JetStartStore store = store()) {
            JetStartStream no = store.createStream("$G", config("{\"name\":\"N\",\"subjects\":[\"n.*\"]}"));
            assertThatThrownBy(() -> no.publish("n.a", Headers.of(Headers.ROLLUP, "sub"), bytes("x")))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.errCode()).isEqualTo(10111);
                        assertThat(e.description()).isEqualTo("rollup not permitted");
                    });
            JetStartStream s = store.createStream("$G", config("{\"name\":\"R\",\"subjects\":[\"r.*\"],\"allow_rollup_hdrs\":true}"));
            for (int i = 0; i < 6; i++) {
                s.publish("r." + (i % 2), bytes("" + i));
            }
            assertThat(s.publish("r.0", Headers.of(Headers.ROLLUP, "sub"), bytes("sum")).seq()).isEqualTo(7);
            assertThat(s.info().messages()).isEqualTo(4);
            assertThat(s.next(1, "r.0").orElseThrow().seq()).isEqualTo(7);
            s.publish("r.1", Headers.of(Headers.ROLLUP, "all"), bytes("everything"));
            assertThat(s.info().messages()).isEqualTo(1);
            assertThat(s.info().firstSeq()).isEqualTo(8);
        }
        Files.delete(dir.resolve("jetstream/$G/streams/R/msgs/index.db"));
        assertThat(recovered(dir, "R").messages()).isEqualTo(1);
    }
}
