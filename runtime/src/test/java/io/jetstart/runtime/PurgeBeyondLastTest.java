package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static io.jetstart.runtime.RuntimeTestSupport.recovered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.Tombstone;
import io.jetstart.core.store.StreamState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A purge up to a sequence beyond the last moves the stream as nats-server's {@code Compact(seq)}
 * does (2.10.27 and 2.15.1 alike): a stream holding 1..2 purged up to 10 reports first 10, last 9,
 * and its next message is 10, after a reopen with or without {@code index.db} too.
 * RuntimePurgeSeqIT starts the real servers on what these tests write.
 */
class PurgeBeyondLastTest {
    @TempDir
    Path dir;

    private Path msgs(String stream) {
        return dir.resolve("jetstream").resolve("$G").resolve("streams").resolve(stream).resolve("msgs");
    }

    private void purgeTwoMessagesUpTo10(String stream) throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"" + stream + "\",\"subjects\":[\"" + stream + ".>\"]}"));
            s.publish(stream + ".1", bytes("a"));
            s.publish(stream + ".2", bytes("b"));
            assertThat(s.purge(new PurgeRequest(null, 0, 10))).isEqualTo(2);
            assertThat(s.info().messages()).isZero();
            assertThat(s.info().firstSeq()).isEqualTo(10);
            assertThat(s.info().lastSeq()).isEqualTo(9);
        }
    }

    private static void assertMovedTo10(StreamState st) {
        assertThat(st.messages()).isZero();
        assertThat(st.firstSeq()).isEqualTo(10);
        assertThat(st.lastSeq()).isEqualTo(9);
    }

    @Test
    void theNextMessageGetsThePurgeSequence() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.>\"]}"));
            s.publish("p.1", bytes("a"));
            s.publish("p.2", bytes("b"));
            s.purge(new PurgeRequest(">", 0, 10));
            assertThat(s.publish("p.1", Headers.of(Headers.EXPECTED_LAST_SEQ, "9"), bytes("c")).seq()).isEqualTo(10);
            assertThat(s.info().firstSeq()).isEqualTo(10);
            assertThat(s.get(10)).isPresent();
        }
    }

    @Test
    void theMoveSurvivesAReopenWithIndexDb() throws Exception {
        purgeTwoMessagesUpTo10("P");
        assertThat(msgs("P").resolve("index.db")).exists();
        assertMovedTo10(recovered(dir, "P"));
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = open(store, "P");
            assertThat(s.info().firstSeq()).isEqualTo(10);
            assertThat(s.info().lastSeq()).isEqualTo(9);
            assertThat(s.publish("P.1", bytes("c")).seq()).isEqualTo(10);
        }
    }

    @Test
    void theMoveSurvivesAReopenWithoutIndexDb() throws Exception {
        purgeTwoMessagesUpTo10("P");
        Files.delete(msgs("P").resolve("index.db"));
        assertMovedTo10(recovered(dir, "P"));
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = open(store, "P");
            assertThat(s.info().firstSeq()).isEqualTo(10);
            assertThat(s.info().lastSeq()).isEqualTo(9);
            assertThat(s.publish("P.1", bytes("c")).seq()).isEqualTo(10);
            assertThat(s.get(1)).as("no purged message comes back").isEmpty();
        }
        Files.delete(msgs("P").resolve("index.db"));
        StreamState after = recovered(dir, "P");
        assertThat(after.messages()).isEqualTo(1);
        assertThat(after.firstSeq()).isEqualTo(10);
        assertThat(after.lastSeq()).isEqualTo(10);
    }

    @Test
    void theLastBlockHoldsOnlyTheTombstoneOfTheNewLastSequence() throws Exception {
        purgeTwoMessagesUpTo10("P");
        List<Path> blocks;
        try (Stream<Path> files = Files.list(msgs("P"))) {
            blocks = files.filter(f -> f.toString().endsWith(".blk")).sorted().toList();
        }
        // The purge's own tombstones (1, 2) went with the messages' block, emptied before the last sequence's
        // (BlockReclaimTest); the move's is alone, as nats-server writes it.
        assertThat(blocks).hasSize(1);
        byte[] last = Files.readAllBytes(blocks.get(0));
        BlockScan scan = new BlockScanner("P").scan(2, last, last.length);
        assertThat(scan.msgs()).isZero();
        assertThat(scan.tombstones()).extracting(Tombstone::seq).containsExactly(9L);
        assertThat(scan.firstSeq()).isEqualTo(10);
        assertThat(scan.lastSeq()).isEqualTo(9);
    }

    @Test
    void aCompressedEncryptedStreamMovesAndKeepsTheMoveWithoutIndexDb() throws Exception {
        // The block the move rolls past is compressed (s2) and every block has its key file: the tombstone is read back all the same.
        io.jetstart.core.crypto.StoreKey key = io.jetstart.core.crypto.StoreKey.ofText("purge-key");
        RuntimeOptions opts = RuntimeOptions.defaults().withKey(key, io.jetstart.core.crypto.StoreCipher.values()[0]);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"C\",\"subjects\":[\"c.>\"],\"compression\":\"s2\"}"));
            for (int i = 0; i < 20; i++) {
                s.publish("c." + (i % 3), bytes("payload " + i));
            }
            assertThat(s.purge(new PurgeRequest(null, 0, 100))).isEqualTo(20);
            assertThat(s.publish("c.1", bytes("after")).seq()).isEqualTo(100);
        }
        Files.delete(msgs("C").resolve("index.db"));
        StreamState st = EncryptedStoreTest.recovered(dir, "C", key);
        assertThat(st.messages()).isEqualTo(1);
        assertThat(st.firstSeq()).isEqualTo(100);
        assertThat(st.lastSeq()).isEqualTo(100);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = open(store, "C");
            assertThat(new String(s.get(100).orElseThrow().payload(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("after");
            assertThat(s.publish("c.1", bytes("next")).seq()).isEqualTo(101);
        }
    }

    @Test
    void anEmptyStreamMovesToo() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"E\",\"subjects\":[\"e.>\"]}"));
            assertThat(s.purge(new PurgeRequest(null, 0, 5))).isZero();
            assertThat(s.info().firstSeq()).isEqualTo(5);
            assertThat(s.info().lastSeq()).isEqualTo(4);
            // Again beyond the moved last: a second tombstone-only block, each alone in its own.
            assertThat(s.purge(new PurgeRequest(null, 0, 8))).isZero();
            assertThat(s.publish("e.1", bytes("a")).seq()).isEqualTo(8);
        }
        Files.delete(msgs("E").resolve("index.db"));
        StreamState st = recovered(dir, "E");
        assertThat(st.messages()).isEqualTo(1);
        assertThat(st.firstSeq()).isEqualTo(8);
        assertThat(st.lastSeq()).isEqualTo(8);
    }

    @Test
    void aPurgeUpToTheNextSequenceOrWithASubjectDoesNotMove() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"N\",\"subjects\":[\"n.>\"]}"));
            s.publish("n.1", bytes("a"));
            s.publish("n.2", bytes("b"));
            // nats-server: Compact(3) purges all and stays at first 3, last 2; with a subject PurgeEx never moves.
            assertThat(s.purge(new PurgeRequest(null, 0, 3))).isEqualTo(2);
            assertThat(s.info().lastSeq()).isEqualTo(2);
            assertThat(s.purge(new PurgeRequest("n.1", 0, 99))).isZero();
            assertThat(s.info().lastSeq()).isEqualTo(2);
            assertThat(s.publish("n.1", bytes("c")).seq()).isEqualTo(3);
        }
    }

    @Test
    void aSequenceNoRecordCanHoldIsRefusedBeforeAnythingIsRemoved() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"H\",\"subjects\":[\"h.>\"]}"));
            s.publish("h.1", bytes("a"));
            assertThatThrownBy(() -> s.purge(new PurgeRequest(null, 0, (1L << 62) + 1))).isInstanceOf(IllegalArgumentException.class);
            assertThat(s.info().messages()).isEqualTo(1);
            assertThat(s.publish("h.1", bytes("b")).seq()).isEqualTo(2);
        }
    }
}
