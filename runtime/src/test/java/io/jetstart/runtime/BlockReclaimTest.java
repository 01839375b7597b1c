package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.store.MessageRead;
import io.jetstart.core.store.MessageReader;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.store.StreamStore;
import io.jetstart.core.store.StreamView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer removes the files of a stream's first blocks once no message in them is live (issue
 * 11): a stream with limits keeps a bounded number of block files, whatever removal emptied them,
 * and a reopen with or without {@code index.db} reports the same state. RuntimeReclaimIT starts
 * nats-server 2.10.27 and 2.15.1 on what these tests write.
 */
class BlockReclaimTest {
    static final StoreKey KEY = StoreKey.ofText("reclaim-operator-key");
    private static final byte[] PAYLOAD = new byte[100];

    @TempDir
    Path dir;
    /** Copies: without index.db, at a kill. */
    @TempDir
    Path scratch;

    private static Path streamDir(Path store, String name) {
        return store.resolve("jetstream").resolve("$G").resolve("streams").resolve(name);
    }

    /** The stream's {@code msgs/} folder. */
    static Path msgs(Path store, String name) {
        return streamDir(store, name).resolve("msgs");
    }

    /** The indexes of the stream's files ending in {@code ext}, ascending. */
    static List<Long> files(Path store, String name, String ext) throws IOException {
        try (Stream<Path> s = Files.list(msgs(store, name))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(ext))
                    .map(n -> Long.parseLong(n.substring(0, n.length() - ext.length()))).sorted().toList();
        }
    }

    static List<Long> blocks(Path store, String name) throws IOException {
        return files(store, name, ".blk");
    }

    static RuntimeOptions small() {
        return RuntimeOptions.defaults().withBlockSize(1024);
    }

    /** A read-only recovery (the CLI's), with the key for an encrypted stream. */
    static StreamStore recover(Path store, String name, StoreKey key) throws Exception {
        Path sd = streamDir(store, name);
        StreamKeys keys = StreamKeys.load(key, "$G", sd, DiskGate.unbounded());
        StoreContext ctx = key == null ? StoreContext.singleThreaded() : StoreContext.singleThreaded().withKey(key);
        return StreamOpener.open("$G", name, sd, MetaFiles.readStream(sd, DiskGate.unbounded(), keys).config(), ctx);
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    /**
     * The files a kill -9 would leave at chosen moments (a writer's {@code afterBlocksRemoved} hook:
     * every write so far is in the files): up to 12 copies of the store, each with the last
     * sequence published by then.
     */
    static final class KillCopies {
        final List<Path> copies = new ArrayList<>();
        final List<Long> lasts = new ArrayList<>();
        private final Path store;
        private final Path scratch;

        KillCopies(Path store, Path scratch) {
            this.store = store;
            this.scratch = scratch;
        }

        void take(long last) {
            if (copies.size() >= 12) {
                return;
            }
            try {
                Path copy = Files.createTempDirectory(scratch, "kill");
                copyTree(store.resolve("jetstream"), copy.resolve("jetstream"));
                copies.add(copy);
                lasts.add(last);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /**
     * Recovers the stream as it is and, from a copy, without its {@code index.db}: both the same
     * state, nothing lost, no damage, every live message readable. Returns that state.
     */
    static StreamState sameWithAndWithoutIndexDb(Path store, Path scratch, String name, StoreKey key) throws Exception {
        StreamStore with = recover(store, name, key);
        Path copy = Files.createTempDirectory(scratch, "noindex");
        copyTree(store, copy);
        Files.deleteIfExists(streamDir(copy, name).resolve("msgs").resolve("index.db"));
        StreamStore without = recover(copy, name, key);
        for (StreamStore s : List.of(with, without)) {
            assertThat(s.problems()).noneMatch(p -> p.severity() != Problem.Severity.WARNING);
            assertThat(s.state().lost().msgs()).isEmpty();
            MessageReader reader = new MessageReader(s);
            for (long seq = s.firstSeq(); seq <= s.lastSeq(); seq++) {
                MessageRead r = reader.read(seq);
                assertThat(r).isNotInstanceOf(MessageRead.Damaged.class);
                assertThat(r instanceof MessageRead.Found).isEqualTo(s.isLive(seq));
            }
        }
        StreamState a = with.state();
        StreamState b = without.state();
        assertThat(b.messages()).isEqualTo(a.messages());
        assertThat(b.bytes()).isEqualTo(a.bytes());
        assertThat(b.firstSeq()).isEqualTo(a.firstSeq());
        assertThat(b.lastSeq()).isEqualTo(a.lastSeq());
        assertThat(b.deleted().toArray()).isEqualTo(a.deleted().toArray());
        assertThat(b.subjects()).isEqualTo(a.subjects());
        return a;
    }

    @Test
    void aStreamWithMaxMsgsPublishedFarPastItsLimitKeepsABoundedNumberOfBlockFiles() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"L\",\"subjects\":[\"l.*\"],\"max_msgs\":10}"));
            int most = 0;
            for (int i = 1; i <= 1000; i++) {
                s.publish("l." + (i % 4), PAYLOAD);
                most = Math.max(most, blocks(dir, "L").size());
            }
            // 10 live messages of ~130 bytes and their tombstones span at most three 1 KiB blocks, plus the tail.
            assertThat(most).isLessThanOrEqualTo(5);
            assertThat(blocks(dir, "L").getFirst()).isGreaterThan(100);
            assertThat(s.info().messages()).isEqualTo(10);
            assertThat(s.info().firstSeq()).isEqualTo(991);
            for (long seq = 991; seq <= 1000; seq++) {
                assertThat(s.get(seq)).isPresent();
            }
            assertThat(s.get(990)).isEmpty();
            assertThat(s.writer().reclaim().blocksRemoved()).isGreaterThan(100);
        }
        StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "L", null);
        assertThat(st.messages()).isEqualTo(10);
        assertThat(st.firstSeq()).isEqualTo(991);
        assertThat(st.lastSeq()).isEqualTo(1000);
        try (JetStartStore store = JetStart.open(dir, small())) {
            assertThat(open(store, "L").publish("l.1", PAYLOAD).seq()).isEqualTo(1001);
        }
    }

    @Test
    void aStreamWithMaxBytesKeepsABoundedNumberOfBlockFilesWithSyncAlways() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small().withSync(SyncPolicy.ALWAYS))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"B\",\"subjects\":[\"b.*\"],\"max_bytes\":2000}"));
            for (int i = 1; i <= 500; i++) {
                s.publish("b." + (i % 3), PAYLOAD);
            }
            assertThat(blocks(dir, "B").size()).isLessThanOrEqualTo(5);
        }
        sameWithAndWithoutIndexDb(dir, scratch, "B", null);
    }

    @Test
    void messagesExpiredByMaxAgeTakeTheirBlocksWithThemAndTheSequencesStay() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a.*\"]}"));
            for (int i = 1; i <= 60; i++) {
                s.publish("a.1", PAYLOAD);
            }
            assertThat(blocks(dir, "A").size()).isGreaterThan(6);
            // Every message is older than 100 ms (the shortest max_age nats-server restores) by now;
            // the update applies max_age at once.
            Thread.sleep(150);
            store.updateStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a.*\"],\"max_age\":100000000}"));
            s.flush();
            assertThat(s.info().messages()).isZero();
            assertThat(s.info().firstSeq()).isEqualTo(61);
            assertThat(s.info().lastSeq()).isEqualTo(60);
            // The block holding the last sequence's record stays while the stream is empty, and the tail.
            assertThat(blocks(dir, "A").size()).isLessThanOrEqualTo(3);
        }
        StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "A", null);
        assertThat(st.firstSeq()).isEqualTo(61);
        assertThat(st.lastSeq()).isEqualTo(60);
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = open(store, "A");
            store.updateStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a.*\"]}"));
            assertThat(s.publish("a.1", PAYLOAD).seq()).isEqualTo(61);
        }
    }

    @Test
    void anEmptiedMiddleBlockGoesWhileTheBlocksAroundItStayAndTheFirstGoesOnceEmptied() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"D\",\"subjects\":[\"d.*\"]}"));
            for (int i = 1; i <= 40; i++) {
                s.publish("d.1", PAYLOAD);
            }
            List<StreamView.Block> bs = s.info().blocks();
            assertThat(bs.size()).isGreaterThanOrEqualTo(4);
            StreamView.Block first = bs.get(0);
            StreamView.Block third = bs.get(2);
            for (long seq = third.firstSeq(); seq <= third.lastSeq(); seq++) {
                s.delete(seq);
                s.publish("d.1", PAYLOAD);
            }
            // One emptied middle block of 1 KiB waits for more of them, or for a flush.
            assertThat(blocks(dir, "D")).contains(third.index());
            for (long seq = first.firstSeq(); seq < first.lastSeq(); seq++) {
                s.delete(seq);
                s.publish("d.1", PAYLOAD);
            }
            s.flush();
            // The emptied third goes (it holds no tombstone), between blocks that hold messages.
            assertThat(blocks(dir, "D")).contains(first.index(), bs.get(1).index()).doesNotContain(third.index());
            assertThat(s.get(third.firstSeq())).isEmpty();
            assertThat(s.next(third.firstSeq(), "d.*").orElseThrow().seq()).isEqualTo(bs.get(3).firstSeq());
            s.delete(first.lastSeq());
            s.publish("d.1", PAYLOAD);
            s.flush();
            // The first goes too; the second still holds messages.
            assertThat(blocks(dir, "D")).doesNotContain(first.index(), third.index()).contains(bs.get(1).index());
            assertThat(s.get(first.firstSeq())).isEmpty();
            assertThat(s.get(bs.get(1).firstSeq())).isPresent();
            assertThat(s.info().firstSeq()).isEqualTo(bs.get(1).firstSeq());
        }
        sameWithAndWithoutIndexDb(dir, scratch, "D", null);
    }

    @Test
    void aPurgeOfEverythingLeavesTheBlockOfTheLastSequenceAndTheTail() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"P\",\"subjects\":[\"p.*\"]}"));
            for (int i = 1; i <= 60; i++) {
                s.publish("p." + (i % 5), PAYLOAD);
            }
            assertThat(s.purge(new PurgeRequest(null, 0, 0))).isEqualTo(60);
            s.flush();
            // The block of 60's record, the blocks of the 60 tombstones (the last is the tail).
            assertThat(blocks(dir, "P").size()).isLessThanOrEqualTo(3);
            assertThat(blocks(dir, "P").getFirst()).isGreaterThan(5);
            assertThat(s.info().firstSeq()).isEqualTo(61);
            assertThat(s.info().lastSeq()).isEqualTo(60);
        }
        StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "P", null);
        assertThat(st.firstSeq()).isEqualTo(61);
        assertThat(st.lastSeq()).isEqualTo(60);
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = open(store, "P");
            assertThat(s.publish("p.1", PAYLOAD).seq()).isEqualTo(61);
            s.publish("p.1", PAYLOAD);
            s.flush();
            // Now the stream holds messages again: the block that held 60's record can go too.
            assertThat(blocks(dir, "P").size()).isLessThanOrEqualTo(1);
        }
        sameWithAndWithoutIndexDb(dir, scratch, "P", null);
    }

    @Test
    void anEmptiedStreamKeepsOnlyABlockWithTheTombstoneOfItsLastSequence() throws Exception {
        long last;
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"E1\",\"subjects\":[\"e.*\"]}"));
            // The first block holds the last message's record; the purge's tombstones start the second.
            while (blocks(dir, "E1").size() < 2) {
                last = s.publish("e.1", PAYLOAD).seq();
            }
            last = s.info().lastSeq();
            s.purge(new PurgeRequest(null, 0, 0));
            s.flush();
            List<Long> left = blocks(dir, "E1");
            assertThat(left).hasSize(1);
            byte[] only = Files.readAllBytes(streamDir(dir, "E1").resolve("msgs").resolve(left.getFirst() + ".blk"));
            io.jetstart.core.format.BlockScan scan = new io.jetstart.core.format.BlockScanner("E1").scan(left.getFirst(), only, only.length);
            assertThat(scan.msgs()).isZero();
            assertThat(scan.tombstones()).extracting(io.jetstart.core.format.Tombstone::seq).containsExactly(last);
        }
        StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "E1", null);
        assertThat(st.firstSeq()).isEqualTo(last + 1);
        assertThat(st.lastSeq()).isEqualTo(last);
        try (JetStartStore store = JetStart.open(dir, small())) {
            assertThat(open(store, "E1").publish("e.1", PAYLOAD).seq()).isEqualTo(last + 1);
        }
    }

    @Test
    void aPurgeUpToASequenceRemovesTheBlocksBelowIt() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"U\",\"subjects\":[\"u.*\"]}"));
            for (int i = 1; i <= 60; i++) {
                s.publish("u.1", PAYLOAD);
            }
            List<Long> before = blocks(dir, "U");
            // 14 tombstones: they join the messages of the tail.
            s.purge(new PurgeRequest(null, 0, 15));
            s.flush();
            StreamView v = s.info();
            assertThat(v.firstSeq()).isEqualTo(15);
            assertThat(blocks(dir, "U")).hasSizeLessThanOrEqualTo(before.size() - 2);
            assertThat(blocks(dir, "U").getFirst()).isEqualTo(v.blocks().getFirst().index());
            assertThat(v.blocks().getFirst().firstSeq()).isLessThanOrEqualTo(15);
            for (long seq = 15; seq <= 60; seq++) {
                assertThat(s.get(seq)).isPresent();
            }
        }
        assertThat(sameWithAndWithoutIndexDb(dir, scratch, "U", null).firstSeq()).isEqualTo(15);
    }

    @Test
    void blocksWhoseTombstonesFillABlockOfTheirOwnGoAtOnceBehindASkipOfTheLastSequence() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"T\",\"subjects\":[\"t.*\"]}"));
            for (int i = 1; i <= 60; i++) {
                s.publish("t.1", PAYLOAD);
            }
            // 49 tombstones: more than the tail holds, the rest in a block of tombstones only. By
            // subject (every message is on it): a tombstone for each message, as a purge of the
            // oldest of the stream does only for the block its cut falls in (WholeBlockPurgeTest).
            s.purge(new PurgeRequest("t.1", 0, 50));
            s.flush();
            // That block begins with a skip record of the last sequence, 60: nats-server 2.10.27's
            // rebuild starts it at 61, not at its lowest tombstone + 1, so no first block is held
            // back for it (they were until 2026-12-06): the blocks of 1..49 have all gone.
            StreamView v = s.info();
            StreamView.Block tombstones = v.blocks().stream().filter(b -> b.messages() == 0).findFirst().orElseThrow();
            io.jetstart.core.format.RecordCursor c = new io.jetstart.core.format.RecordCursor();
            byte[] b = Files.readAllBytes(tombstones.file());
            c.wrap(b, b.length);
            assertThat(c.next()).isTrue();
            assertThat(c.isErasedOrSkip()).as("first record of " + tombstones.file()).isTrue();
            assertThat(c.seq()).isEqualTo(60);
            assertThat(io.jetstart.core.store.RebuildFloor.of(b, b.length)).isEqualTo(61);
            assertThat(v.blocks().getFirst().firstSeq()).isLessThanOrEqualTo(50);
            assertThat(v.blocks().getFirst().lastSeq()).isGreaterThanOrEqualTo(50);
            assertThat(blocks(dir, "T").getFirst()).isEqualTo(v.blocks().getFirst().index());
            assertThat(sameWithAndWithoutIndexDb(dir, scratch, "T", null).firstSeq()).isEqualTo(50);
            for (int i = 1; i <= 20; i++) {
                s.publish("t.1", PAYLOAD);
            }
            s.purge(new PurgeRequest("t.1", 0, 70));
            s.publish("t.1", PAYLOAD);
            s.flush();
            assertThat(s.info().firstSeq()).isEqualTo(70);
        }
        assertThat(sameWithAndWithoutIndexDb(dir, scratch, "T", null).firstSeq()).isEqualTo(70);
    }

    @Test
    void aPurgeKeepingTheNewestRemovesTheBlocksBeforeThem() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"K\",\"subjects\":[\"k.*\"]}"));
            for (int i = 1; i <= 60; i++) {
                s.publish("k." + (i % 2), PAYLOAD);
            }
            List<Long> before = blocks(dir, "K");
            s.purge(new PurgeRequest(null, 46, 0));
            s.flush();
            assertThat(s.info().firstSeq()).isEqualTo(15);
            assertThat(blocks(dir, "K")).hasSizeLessThanOrEqualTo(before.size() - 2);
        }
        assertThat(sameWithAndWithoutIndexDb(dir, scratch, "K", null).messages()).isEqualTo(46);
    }

    @Test
    void acksOfAWorkQueueRemoveTheBlocksTheyEmptied() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"W\",\"subjects\":[\"w.*\"],\"retention\":\"workqueue\"}"));
            PullConsumer c = s.createConsumer("{\"durable_name\":\"C\",\"ack_policy\":\"explicit\"}");
            int most = 0;
            for (int i = 1; i <= 300; i++) {
                s.publish("w.a", PAYLOAD);
                s.publish("w.a", PAYLOAD);
                List<ConsumedMessage> got = c.fetch(2, 0, Duration.ZERO);
                got.forEach(ConsumedMessage::ack);
                s.flush();
                most = Math.max(most, blocks(dir, "W").size());
            }
            // 600 messages through ~90 blocks; acked as they come, at most a few blocks at a time.
            assertThat(most).isLessThanOrEqualTo(4);
            assertThat(s.info().messages()).isZero();
            assertThat(s.info().lastSeq()).isEqualTo(600);
            assertThat(blocks(dir, "W").getFirst()).isGreaterThan(80);
        }
        StreamState st = sameWithAndWithoutIndexDb(dir, scratch, "W", null);
        assertThat(st.firstSeq()).isEqualTo(601);
        assertThat(st.lastSeq()).isEqualTo(600);
    }

    @Test
    void anEncryptedStreamLosesTheKeyFilesOfTheBlocksThatGo() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small().withKey(KEY, StoreCipher.CHACHA))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"E\",\"subjects\":[\"e.*\"],\"max_msgs\":10}"));
            for (int i = 1; i <= 300; i++) {
                s.publish("e.1", PAYLOAD);
            }
            s.flush();
            assertThat(blocks(dir, "E").size()).isLessThanOrEqualTo(5);
            assertThat(files(dir, "E", ".key")).isEqualTo(blocks(dir, "E"));
            assertThat(s.get(300)).isPresent();
        }
        assertThat(sameWithAndWithoutIndexDb(dir, scratch, "E", KEY).messages()).isEqualTo(10);
    }

    @Test
    void aCompressedStreamKeepsABoundedNumberOfBlockFiles() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"Z\",\"subjects\":[\"z.*\"],\"max_msgs\":10,"
                    + "\"compression\":\"s2\"}"));
            for (int i = 1; i <= 300; i++) {
                s.publish("z.1", ("payload " + i + " ").repeat(10).getBytes());
            }
            s.flush();
            assertThat(blocks(dir, "Z").size()).isLessThanOrEqualTo(5);
            assertThat(new String(s.get(300).orElseThrow().payload())).startsWith("payload 300 ");
        }
        assertThat(sameWithAndWithoutIndexDb(dir, scratch, "Z", null).messages()).isEqualTo(10);
    }

    @Test
    void readersWhileBlocksGoSeeLiveMessagesOrNothingNeverAnError() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"R\",\"subjects\":[\"r.*\"],\"max_msgs\":20}"));
            s.publish("r.1", bytes("1"));
            Throwable failed = whileReading(s, List.of(
                    v -> {
                        for (long seq = Math.max(1, v.firstSeq() - 5); seq <= v.lastSeq(); seq++) {
                            s.get(seq).ifPresent(BlockReclaimTest::check);
                        }
                    },
                    v -> s.next(Math.max(1, v.firstSeq() - 5), "r.*").ifPresent(BlockReclaimTest::check),
                    v -> s.nextBatch(Math.max(1, v.firstSeq() - 5), null, 30).forEach(BlockReclaimTest::check),
                    v -> s.lastBySubject("r.1").ifPresent(BlockReclaimTest::check)), () -> {
                        for (int i = 2; i <= 3000; i++) {
                            s.publish("r.1", bytes(Integer.toString(i)));
                        }
                    });
            assertThat(failed).isNull();
            assertThat(blocks(dir, "R").size()).isLessThanOrEqualTo(5);
        }
    }

    /** A message handed out is the one published with its sequence. */
    static void check(StoredMessage m) {
        assertThat(new String(m.payload())).as("payload of message %d", m.seq()).isEqualTo(Long.toString(m.seq()));
    }

    /** A view in a line: its sequences and each block's index, sequences, messages and committed length (-1: sealed). */
    static String describe(StreamView v) {
        if (v == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder("first " + v.firstSeq() + " last " + v.lastSeq() + ", blocks");
        for (StreamView.Block k : v.blocks()) {
            b.append(' ').append(k.index()).append(".blk[").append(k.firstSeq()).append("..").append(k.lastSeq())
                    .append(", ").append(k.messages()).append(" msgs, length ").append(k.length()).append(']');
        }
        return b.toString();
    }

    /** One read of a stream, on the view it had when the read began. */
    interface Read {
        void on(StreamView v) throws Exception;
    }

    /** Something the writer does meanwhile. */
    interface Writes {
        void run() throws Exception;
    }

    /**
     * Runs each read on a thread of its own, over and over, while {@code writes} runs on this one;
     * returns the first error a read met (null: none), as an error that says which read it was and
     * the view it began on (its blocks: index, sequences, committed length of the tail), the error
     * itself (which names the file) its cause: a race seen once is then described by its report.
     */
    static Throwable whileReading(JetStartStream s, List<Read> reads, Writes writes) throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < reads.size(); i++) {
            Read read = reads.get(i);
            int which = i;
            readers.add(Thread.ofPlatform().start(() -> {
                StreamView v = null;
                try {
                    while (!done.get()) {
                        v = s.info();
                        read.on(v);
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, new AssertionError("read " + which + " on the view of " + describe(v) + ": " + e, e));
                }
            }));
        }
        try {
            writes.run();
        } finally {
            done.set(true);
            for (Thread t : readers) {
                t.join();
            }
        }
        return failed.get();
    }

    @Test
    void aKillBetweenTheRemovalOfBlocksAndTheNextIndexDbComesBackToTheStateAfterIt() throws Exception {
        KillCopies kills = new KillCopies(dir, scratch);
        List<Path> copies = kills.copies;
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"C\",\"subjects\":[\"c.*\"],\"max_msgs\":10}"));
            long[] published = {0};
            s.writer().reclaim().afterBlocksRemoved(() -> kills.take(published[0]));
            for (int i = 1; i <= 400; i++) {
                published[0] = i;
                s.publish("c." + (i % 3), PAYLOAD);
                if (i % 7 == 0) {
                    // index.db written now names the tail of the moment as its last block, which goes later.
                    s.flush();
                }
            }
        }
        assertThat(copies).hasSizeGreaterThan(5);
        for (int i = 0; i < copies.size(); i++) {
            long last = kills.lasts.get(i);
            StreamState st = sameWithAndWithoutIndexDb(copies.get(i), scratch, "C", null);
            assertThat(st.lastSeq()).as("copy %d", i).isEqualTo(last);
            assertThat(st.messages()).as("copy %d", i).isEqualTo(Math.min(10, last));
            assertThat(st.firstSeq()).as("copy %d", i).isEqualTo(last - st.messages() + 1);
            // A stale index.db is rebuilt from, as after any kill; never a block it names looked for in vain.
            StreamStore opened = recover(copies.get(i), "C", null);
            assertThat(opened.problems()).as("copy %d", i).allSatisfy(p -> {
                assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
                assertThat(p.message()).doesNotContain("could not locate");
            });
            try (JetStartStore store = JetStart.open(copies.get(i), small())) {
                JetStartStream s = open(store, "C");
                assertThat(s.info().messages()).isEqualTo(st.messages());
                assertThat(s.publish("c.1", PAYLOAD).seq()).isEqualTo(last + 1);
            }
        }
    }

    @Test
    void aStrayBlockFileAnAdoptedIndexDbLeftOutGoesWithTheFirstBlock() throws Exception {
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
            for (int i = 1; i <= 40; i++) {
                s.publish("s.1", PAYLOAD);
            }
        }
        // A block file index.db does not name, below the first block (one a crash left empty).
        Path msgs = streamDir(dir, "S").resolve("msgs");
        assertThat(blocks(dir, "S").getFirst()).isEqualTo(1);
        Files.write(msgs.resolve("0.blk"), new byte[0]);
        try (JetStartStore store = JetStart.open(dir, small())) {
            JetStartStream s = open(store, "S");
            StreamView.Block b = s.info().blocks().getFirst();
            assertThat(b.index()).isEqualTo(1);
            for (long seq = b.firstSeq(); seq <= b.lastSeq(); seq++) {
                s.delete(seq);
            }
            s.flush();
            assertThat(blocks(dir, "S")).doesNotContain(0L, 1L).contains(2L);
        }
        sameWithAndWithoutIndexDb(dir, scratch, "S", null);
    }
}
