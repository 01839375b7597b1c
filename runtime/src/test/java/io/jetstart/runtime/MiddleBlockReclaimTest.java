package io.jetstart.runtime;

import static io.jetstart.runtime.BlockReclaimTest.blocks;
import static io.jetstart.runtime.BlockReclaimTest.files;
import static io.jetstart.runtime.BlockReclaimTest.msgs;
import static io.jetstart.runtime.BlockReclaimTest.recover;
import static io.jetstart.runtime.BlockReclaimTest.sameWithAndWithoutIndexDb;
import static io.jetstart.runtime.BlockReclaimTest.small;
import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.store.StreamStore;
import io.jetstart.core.store.StreamView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer removes emptied blocks between a stream's first block and its tail too (issue 11), so
 * a message that stays (a KV key never rewritten, a work queue's first message never acked) no
 * longer keeps every block after it; a block whose tombstones are all that removes records of an
 * earlier block that stays goes only once those tombstones are copied into the tail or that block
 * is gone. Every state here reopens the same with and without {@code index.db};
 * RuntimeMiddleReclaimIT starts nats-server 2.10.27 and 2.15.1 on the same shapes.
 */
class MiddleBlockReclaimTest {
    private static final byte[] PAYLOAD = new byte[100];

    @TempDir
    Path dir;
    @TempDir
    Path scratch;

    private static final String KV = "{\"name\":\"KV\",\"subjects\":[\"kv.>\"],\"max_msgs_per_subject\":1}";

    /** One key written once, then {@code updates} writes over {@code keys} keys; returns the most block files seen. */
    private int kvWorkload(JetStartStream s, String name, int keys, int updates) throws Exception {
        s.publish("kv.pinned", bytes("pinned"));
        int most = 0;
        for (int i = 0; i < updates; i++) {
            s.publish("kv.k" + (i % keys), bytes("v" + i));
            if (i % 10 == 0) {
                most = Math.max(most, blocks(dir, name).size());
            }
        }
        return Math.max(most, blocks(dir, name).size());
    }

    @Test
    void aKvStreamWithOneKeyNeverRewrittenKeepsABoundedNumberOfBlockFiles() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config(KV));
            int most = kvWorkload(s, "KV", 20, 3000);
            // 21 live messages of ~40 bytes and the tombstones that still matter: a few 1 KiB blocks
            // (before: every one of the ~170 blocks from the pinned key's on).
            assertThat(most).isLessThanOrEqualTo(12);
            assertThat(blocks(dir, "KV").getFirst()).isEqualTo(1);
            assertThat(s.writer().reclaim().blocksRemoved()).isGreaterThan(100);
            assertThat(s.info().messages()).isEqualTo(21);
            assertThat(s.info().firstSeq()).isEqualTo(1);
            assertThat(new String(s.get(1).orElseThrow().payload())).isEqualTo("pinned");
            assertThat(new String(s.lastBySubject("kv.k7").orElseThrow().payload())).isEqualTo("v2987");
            // Stepping over the gap: the next after the pinned key is the oldest live update.
            assertThat(s.next(2, "kv.>").orElseThrow().seq()).isEqualTo(s.info().lastSeq() - 19);
        }
        StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "KV", null);
        assertThat(st.messages()).isEqualTo(21);
        assertThat(st.lastSeq()).isEqualTo(3001);
    }

    @Test
    void aReopenedKvStreamGoesOnRemovingAndServesEveryKey() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            kvWorkload(store.createStream("$G", config(KV)), "KV", 20, 1000);
        }
        for (boolean withIndexDb : new boolean[] {true, false}) {
            if (!withIndexDb) {
                Files.delete(msgs(dir, "KV").resolve("index.db"));
            }
            try (JetStartStore store = JetStart.open(dir, small())) {
                JetStartStream s = open(store, "KV");
                int most = 0;
                long before = s.info().lastSeq();
                for (int i = 0; i < 1000; i++) {
                    s.publish("kv.k" + (i % 20), bytes("w" + i));
                    most = Math.max(most, blocks(dir, "KV").size());
                }
                assertThat(most).isLessThanOrEqualTo(14);
                assertThat(s.info().lastSeq()).isEqualTo(before + 1000);
                assertThat(s.info().messages()).isEqualTo(21);
                assertThat(new String(s.get(1).orElseThrow().payload())).isEqualTo("pinned");
                for (int k = 0; k < 20; k++) {
                    assertThat(new String(s.lastBySubject("kv.k" + k).orElseThrow().payload())).isEqualTo("w" + (980 + k));
                }
            }
            assertThat(sameWithAndWithoutIndexDb(dir, scratch, "KV", null).messages()).isEqualTo(21);
        }
    }

    @Test
    void aWorkQueueWhoseFirstMessageIsNeverAckedKeepsABoundedNumberOfBlockFiles() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"W\",\"subjects\":[\"w.*\"],\"retention\":\"workqueue\"}"));
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\",\"ack_wait\":3600000000000}");
            s.publish("w.a", PAYLOAD);
            assertThat(c.fetch(1, 0, Duration.ZERO)).hasSize(1);
            int most = 0;
            for (int i = 1; i <= 300; i++) {
                s.publish("w.a", PAYLOAD);
                s.publish("w.a", PAYLOAD);
                c.fetch(2, 0, Duration.ZERO).forEach(ConsumedMessage::ack);
                s.flush();
                most = Math.max(most, blocks(dir, "W").size());
            }
            // 601 messages through ~90 blocks; the first never acked pins block 1 only (before: all).
            assertThat(most).isLessThanOrEqualTo(6);
            assertThat(s.info().messages()).isEqualTo(1);
            assertThat(s.info().firstSeq()).isEqualTo(1);
            assertThat(blocks(dir, "W").getFirst()).isEqualTo(1);
            assertThat(s.next(2, "w.*")).isEmpty();
        }
        StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "W", null);
        assertThat(st.messages()).isEqualTo(1);
        assertThat(st.firstSeq()).isEqualTo(1);
        assertThat(st.lastSeq()).isEqualTo(601);
    }

    /**
     * Block 1 keeps message 1; a purge of the rest writes tombstones of block 1's other records into
     * the block that was the tail and blocks of tombstones only after it. That block is emptied
     * and its tombstones are all that removes those records: it stays while it holds the last
     * sequence's record and the tail holds no message record to copy them beside, and goes once a
     * message is published (its tombstones of block 1's records copied into the tail).
     */
    @Test
    void aMiddleBlockWhoseTombstonesNameRecordsOfABlockThatStaysWaitsAndThenGoes() throws Exception {
        long middle;
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"B\",\"subjects\":[\"b.*\"]}"));
            s.publish("b.keep", PAYLOAD);
            for (int i = 2; i <= 60; i++) {
                s.publish("b.x", PAYLOAD);
            }
            List<StreamView.Block> before = s.info().blocks();
            long tailBefore = before.getLast().index();
            s.purge(new PurgeRequest("b.x", 0, 0));
            s.flush();
            List<StreamView.Block> after = s.info().blocks();
            assertThat(after.getLast().index()).as("the purge's tombstones rolled the tail").isGreaterThan(tailBefore);
            middle = tailBefore;
            // The blocks between the first and the purged tail held no tombstone: gone. The purged
            // tail stays: it holds the last sequence's record and tombstones of block 1's records,
            // and the tail after it holds tombstones only, no message record to copy them beside.
            List<Long> left = blocks(dir, "B");
            assertThat(left.getFirst()).isEqualTo(1L);
            assertThat(left.get(1)).isEqualTo(middle);
            assertThat(left.getLast()).isEqualTo(after.getLast().index());
            assertThat(s.info().messages()).isEqualTo(1);
            StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "B", null);
            assertThat(st.messages()).isEqualTo(1);
            assertThat(st.deleted().toArray()).hasSize(59);
            // A message in the tail: the middle block's tombstones of block 1's records move there.
            s.publish("b.keep", PAYLOAD);
            s.flush();
            assertThat(blocks(dir, "B")).containsExactly(1L, s.info().blocks().getLast().index());
            assertThat(s.next(2, "b.*").orElseThrow().seq()).isEqualTo(61);
        }
        StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "B", null);
        assertThat(st.messages()).isEqualTo(2);
        assertThat(st.lastSeq()).isEqualTo(61);
    }

    @Test
    void aMiddleBlockWhoseTombstonesNameRecordsOfABlockThatStaysGoesWithThatBlock() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"G\",\"subjects\":[\"g.*\"]}"));
            s.publish("g.keep", PAYLOAD);
            for (int i = 2; i <= 60; i++) {
                s.publish("g.x", PAYLOAD);
            }
            long tailBefore = s.info().blocks().getLast().index();
            s.purge(new PurgeRequest("g.x", 0, 0));
            s.flush();
            assertThat(blocks(dir, "G")).contains(1L, tailBefore);
            // Message 1 goes: block 1 with it, and the block whose tombstones named its records.
            s.delete(1);
            s.flush();
            assertThat(blocks(dir, "G")).doesNotContain(1L, tailBefore);
            assertThat(s.info().messages()).isZero();
        }
        StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "G", null);
        assertThat(st.messages()).isZero();
        assertThat(st.lastSeq()).isEqualTo(60);
        assertThat(st.firstSeq()).isEqualTo(61);
    }

    @Test
    void anEncryptedKvStreamLosesTheKeyFilesOfTheMiddleBlocksThatGo() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small().withKey(BlockReclaimTest.KEY, StoreCipher.CHACHA))) {
            JetStartStream s = store.createStream("$G", config(KV));
            int most = kvWorkload(s, "KV", 20, 1500);
            assertThat(most).isLessThanOrEqualTo(12);
            assertThat(files(dir, "KV", ".key")).isEqualTo(blocks(dir, "KV"));
            assertThat(blocks(dir, "KV").getFirst()).isEqualTo(1);
            assertThat(new String(s.get(1).orElseThrow().payload())).isEqualTo("pinned");
        }
        assertThat(sameWithAndWithoutIndexDb(dir, scratch, "KV", BlockReclaimTest.KEY).messages()).isEqualTo(21);
    }

    @Test
    void readersWhileMiddleBlocksGoSeeLiveMessagesOrNothingNeverAnError() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config(KV));
            s.publish("kv.pinned", bytes("1"));
            Throwable failed = BlockReclaimTest.whileReading(s, List.of(
                    v -> {
                        for (long seq = Math.max(2, v.lastSeq() - 40); seq <= v.lastSeq(); seq++) {
                            s.get(seq).ifPresent(BlockReclaimTest::check);
                        }
                    },
                    // From inside the gap: the next live message after it, or none.
                    v -> s.next(2, "kv.>").ifPresent(BlockReclaimTest::check),
                    v -> {
                        List<StoredMessage> got = s.nextBatch(1, null, 30);
                        assertThat(got).isNotEmpty();
                        assertThat(got.getFirst().seq()).isEqualTo(1);
                        got.forEach(BlockReclaimTest::check);
                    },
                    v -> s.lastBySubject("kv.k3").ifPresent(BlockReclaimTest::check)), () -> {
                        for (int i = 2; i <= 3000; i++) {
                            s.publish("kv.k" + (i % 10), bytes(Integer.toString(i)));
                        }
                    });
            assertThat(failed).isNull();
            assertThat(s.writer().reclaim().blocksRemoved()).isGreaterThan(100);
            assertThat(blocks(dir, "KV").size()).isLessThanOrEqualTo(10);
        }
    }

    @Test
    void aKillBetweenTheRemovalOfMiddleBlocksAndTheNextIndexDbComesBackToTheStateAfterIt() throws Exception {
        BlockReclaimTest.KillCopies kills = new BlockReclaimTest.KillCopies(dir, scratch);
        List<Path> copies = kills.copies;
        List<Long> lasts = kills.lasts;
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config(KV));
            s.publish("kv.pinned", PAYLOAD);
            long[] published = {1};
            s.writer().reclaim().afterBlocksRemoved(() -> {
                if (published[0] % 3 == 0) {
                    kills.take(published[0]);
                }
            });
            for (int i = 2; i <= 600; i++) {
                published[0] = i;
                s.publish("kv.k" + (i % 5), PAYLOAD);
                if (i % 7 == 0) {
                    // index.db written now names blocks that go later.
                    s.flush();
                }
            }
        }
        assertThat(copies).hasSizeGreaterThan(5);
        for (int i = 0; i < copies.size(); i++) {
            long last = lasts.get(i);
            StreamState st = sameWithAndWithoutIndexDb(copies.get(i), scratch, "KV", null);
            assertThat(st.lastSeq()).as("copy %d", i).isEqualTo(last);
            assertThat(st.messages()).as("copy %d", i).isEqualTo(Math.min(6, last));
            assertThat(st.firstSeq()).as("copy %d", i).isEqualTo(1);
            StreamStore opened = recover(copies.get(i), "KV", null);
            assertThat(opened.problems()).as("copy %d", i).allSatisfy(p -> {
                assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
                assertThat(p.message()).doesNotContain("could not locate");
            });
            try (JetStartStore store = JetStart.open(copies.get(i), small())) {
                JetStartStream s = open(store, "KV");
                assertThat(s.info().messages()).isEqualTo(st.messages());
                assertThat(s.publish("kv.k1", PAYLOAD).seq()).isEqualTo(last + 1);
                assertThat(s.get(1)).isPresent();
            }
        }
    }
}
