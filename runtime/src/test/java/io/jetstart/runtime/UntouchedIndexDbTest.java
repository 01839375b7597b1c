package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.format.IndexDb;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.store.StreamState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A stream nothing changed since the open keeps its {@code index.db} at the close (nats-server's
 * {@code _writeFullState} does nothing while the stream is not dirty); every change that alters the
 * file's bytes is written, and a file that is missing or unusable is written. Until 2026-12 each
 * close rewrote every stream's {@code index.db} (temp file, two fsyncs, a rename). {@code index.db}
 * is replaced by a rename each time it is written, so a rewrite shows as a new file (its file key).
 */
class UntouchedIndexDbTest {
    private static final String CONFIG = "{\"name\":\"S\",\"subjects\":[\"s.*\"],\"allow_msg_ttl\":true,\"allow_rollup_hdrs\":true}";

    @TempDir
    Path dir;
    /** Where a copy of the store without its index.db is recovered ({@link #assertDecodesToTheStreamsState}). */
    @TempDir
    Path scratch;

    /** A change made to the stream while the store is open. */
    @FunctionalInterface
    interface Change {
        void apply(JetStartStore store, JetStartStream s) throws Exception;
    }

    @Test
    void anUntouchedStreamsIndexDbIsNotRewrittenAtTheClose() throws Exception {
        made(RuntimeOptions.defaults().withIndexVersion(4));
        Path indexDb = indexDb();
        Object before = fileKey(indexDb);
        byte[] bytesBefore = Files.readAllBytes(indexDb);
        for (int i = 0; i < 3; i++) {
            try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withIndexVersion(4))) {
                JetStartStream s = RuntimeTestSupport.open(store, "S");
                assertThat(s.get(3)).isPresent();
            }
            assertThat(fileKey(indexDb)).as("index.db rewritten by close %d with nothing changed", i + 1).isEqualTo(before);
        }
        assertThat(Files.readAllBytes(indexDb)).isEqualTo(bytesBefore);
    }

    @Test
    void aFlushThatWroteTheChangeLeavesTheCloseNothingToWrite() throws Exception {
        made(RuntimeOptions.defaults().withIndexVersion(4));
        Path indexDb = indexDb();
        Object afterFlush;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withIndexVersion(4))) {
            JetStartStream s = RuntimeTestSupport.open(store, "S");
            s.publish("s.a", bytes("six"));
            s.flush();
            afterFlush = fileKey(indexDb);
        }
        assertThat(fileKey(indexDb)).as("index.db rewritten at the close after the flush wrote it").isEqualTo(afterFlush);
        assertDecodesToTheStreamsState(indexDb);
        assertThat(RuntimeTestSupport.recovered(dir, "S").messages()).isEqualTo(6);
    }

    @Test
    void anUntouchedEncryptedStreamsIndexDbIsNotRewrittenAtTheClose() throws Exception {
        // A seal's nonce is new at each write, so its stored bytes never repeat: the opened body is compared.
        RuntimeOptions opts = RuntimeOptions.defaults().withIndexVersion(4).withKey(EncryptedStoreTest.KEY, StoreCipher.values()[0]);
        made(opts);
        Path indexDb = indexDb();
        Object before = fileKey(indexDb);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            assertThat(RuntimeTestSupport.open(store, "S").get(3)).isPresent();
        }
        assertThat(fileKey(indexDb)).as("encrypted index.db rewritten with nothing changed").isEqualTo(before);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            RuntimeTestSupport.open(store, "S").delete(2);
        }
        assertThat(fileKey(indexDb)).as("encrypted index.db after a delete").isNotEqualTo(before);
        StreamState fresh = EncryptedStoreTest.recovered(dir, "S", EncryptedStoreTest.KEY);
        assertThat(fresh.messages()).isEqualTo(4);
        assertThat(fresh.deleted().toArray()).containsExactly(2L);
    }

    @Test
    void aMissingIndexDbIsWrittenAtTheClose() throws Exception {
        made(RuntimeOptions.defaults().withIndexVersion(4));
        Files.delete(indexDb());
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withIndexVersion(4))) {
            assertThat(RuntimeTestSupport.open(store, "S").get(3)).isPresent();
        }
        assertThat(indexDb()).exists();
        assertDecodesToTheStreamsState(indexDb());
    }

    @Test
    void anUnusableIndexDbIsWrittenAtTheClose() throws Exception {
        made(RuntimeOptions.defaults().withIndexVersion(4));
        byte[] good = Files.readAllBytes(indexDb());
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 0x5a;
        Files.write(indexDb(), bad);
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withIndexVersion(4))) {
            assertThat(RuntimeTestSupport.open(store, "S").get(3)).isPresent();
        }
        assertThat(Files.readAllBytes(indexDb())).as("the damaged index.db replaced").isEqualTo(good);
        assertDecodesToTheStreamsState(indexDb());
    }

    static Stream<Arguments> changes() {
        return Stream.of(
                Arguments.of("a publish", (Change) (store, s) -> s.publish("s.a", bytes("six"))),
                Arguments.of("a publish with a TTL", (Change) (store, s) -> s.publish("s.t", Headers.of(Headers.TTL, "1h"), bytes("t"))),
                Arguments.of("a delete", (Change) (store, s) -> s.delete(2)),
                Arguments.of("an erase", (Change) (store, s) -> s.erase(3)),
                Arguments.of("a delete of the first message", (Change) (store, s) -> s.delete(1)),
                Arguments.of("a purge of all", (Change) (store, s) -> s.purge(PurgeRequest.all())),
                Arguments.of("a purge of a subject", (Change) (store, s) -> s.purge(new PurgeRequest("s.b", 0, 0))),
                Arguments.of("a purge keeping 2", (Change) (store, s) -> s.purge(new PurgeRequest(null, 2, 0))),
                Arguments.of("a purge up to a sequence", (Change) (store, s) -> s.purge(new PurgeRequest(null, 0, 3))),
                Arguments.of("a rollup", (Change) (store, s) -> s.publish("s.a", Headers.of(Headers.ROLLUP, "sub"), bytes("r"))),
                Arguments.of("a config update lowering max_msgs", (Change) (store, s) -> store.updateStream("$G",
                        config("{\"name\":\"S\",\"subjects\":[\"s.*\"],\"allow_msg_ttl\":true,\"allow_rollup_hdrs\":true,\"max_msgs\":2}"))),
                Arguments.of("a TTL that runs out", (Change) (store, s) -> {
                    long seq = s.publish("s.t", Headers.of(Headers.TTL, "1s"), bytes("t")).seq();
                    s.flush();
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (s.get(seq).isPresent() && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertThat(s.get(seq)).as("the TTL's message gone").isEmpty();
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void aChangeIsWrittenAtTheCloseAndTheFileDecodesToTheStreamsState(String what, Change change) throws Exception {
        made(RuntimeOptions.defaults().withIndexVersion(4));
        Path indexDb = indexDb();
        Object before = fileKey(indexDb);
        IndexDb old = IndexDbCodec.decode("S", Files.readAllBytes(indexDb));
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withIndexVersion(4))) {
            change.apply(store, RuntimeTestSupport.open(store, "S"));
        }
        assertThat(fileKey(indexDb)).as("index.db after %s", what).isNotEqualTo(before);
        IndexDb now = assertDecodesToTheStreamsState(indexDb);
        assertThat(now).as("index.db after %s", what).isNotEqualTo(old);
    }

    /** A stream S of five messages over two subjects, its index.db written by the close. */
    private void made(RuntimeOptions opts) throws Exception {
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.createStream("$G", config(CONFIG));
            for (int i = 1; i <= 5; i++) {
                s.publish(i % 2 == 0 ? "s.b" : "s.a", bytes("m" + i));
            }
        }
        assertThat(indexDb()).exists();
    }

    /**
     * The index.db decodes to what a fresh recovery reads from the blocks alone (of a copy of the
     * store without it: a recovery that trusted the file would only read it back).
     */
    private IndexDb assertDecodesToTheStreamsState(Path indexDb) throws Exception {
        IndexDb written = IndexDbCodec.decode("S", Files.readAllBytes(indexDb));
        Path copy = Files.createTempDirectory(scratch, "blocks-only");
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                Path to = copy.resolve(dir.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else if (!p.getFileName().toString().equals("index.db")) {
                    Files.copy(p, to);
                }
            }
        }
        StreamState fresh = RuntimeTestSupport.recovered(copy, "S");
        assertThat(written.msgs()).as("messages").isEqualTo(fresh.messages());
        assertThat(written.bytes()).as("bytes").isEqualTo(fresh.bytes());
        assertThat(written.firstSeq()).as("first").isEqualTo(fresh.firstSeq());
        assertThat(written.lastSeq()).as("last").isEqualTo(fresh.lastSeq());
        assertThat(written.lastTs()).as("last ts").isEqualTo(fresh.lastTs());
        return written;
    }

    private Path indexDb() {
        return dir.resolve("jetstream/$G/streams/S/msgs/index.db");
    }

    private static Object fileKey(Path p) throws java.io.IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        return a.fileKey() != null ? a.fileKey() : a.lastModifiedTime();
    }
}
