package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.BlockKeystream;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.lines.ServerLineDetector;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime on an encrypted 2.9.10 store ({@code nats-2.9.10-chacha}): {@code DEL}'s deletes, kept
 * only in its blocks' sealed {@code .idx} files, are not served, nor after an append and a reopen
 * (the runtime writes its {@code index.db}, which then holds them). 2.9.10 reported 537 messages,
 * 4..1000; before the {@code .idx} was opened the runtime served 642.
 */
class SealedLegacyIndexServedTest {
    /** Deleted with no_erase by 2.9.10: at the head, every 10th, and 601 on (block 2 emptied). */
    private static final List<Long> DELETED = List.of(1L, 2L, 3L, 10L, 320L, 600L, 601L, 642L, 643L, 1000L);

    @TempDir
    Path tmp;

    @Test
    void deletesKeptOnlyInSealedIdxFilesAreNotServedBeforeOrAfterAnAppendAndAReopen() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-chacha", tmp);
        StoreKey key = StoreKey.ofText(Fixtures.key("nats-2.9.10-chacha").orElseThrow());
        RuntimeOptions opts = RuntimeOptions.defaults().withKey(key);
        try (JetStartStore js = JetStart.open(store, opts)) {
            JetStartStream s = js.stream("DEL").await(Duration.ofSeconds(30));
            assertThat(s.info().messages()).isEqualTo(537);
            assertThat(s.info().firstSeq()).isEqualTo(4);
            for (long seq : DELETED) {
                assertThat(s.get(seq)).as("deleted %d", seq).isEmpty();
            }
            assertThat(s.get(4)).isPresent();
            assertThat(s.get(599)).isPresent();
            assertThat(s.publish("del.0", bytes("after 2.9.10")).seq()).isEqualTo(1001);
        }
        // Its sealed index.db (v1) now lies beside the .idx files it keeps: the store is 2.10, as the
        // plain 2.9 store the runtime served is by that v1 (docs/compatibility.md, "Which line wrote the store").
        assertThat(store.resolve("jetstream/$G/streams/DEL/msgs/1.idx")).exists();
        assertThat(store.resolve("jetstream/$G/streams/DEL/msgs/index.db")).exists();
        assertThat(ServerLineDetector.detect(StoreLayout.discover(store, DiskGate.unbounded()).streams(), DiskGate.unbounded()).line())
                .isEqualTo(ServerLine.V2_10);
        StreamState reopened = EncryptedStoreTest.recovered(store, "DEL", key);
        assertThat(reopened.messages()).isEqualTo(538);
        assertThat(reopened.lastSeq()).isEqualTo(1001);
        try (JetStartStore js = JetStart.open(store, opts)) {
            JetStartStream s = js.stream("DEL").await(Duration.ofSeconds(30));
            for (long seq : DELETED) {
                assertThat(s.get(seq)).as("deleted %d, after the reopen", seq).isEmpty();
            }
            assertThat(s.get(1001)).isPresent();
        }
    }

    /**
     * LIM1's only block loses its last record (300) at a record boundary: it no longer matches its
     * sealed {@code 1.idx}, and the recovery rebuilds it to 299. The {@code .idx} still says 300, so
     * the runtime's first publish is 301, as with a plain 2.9 store ({@code LegacyIndexTailTest});
     * with the {@code .idx} unopened it reused 300.
     */
    @Test
    void aCutTailAfterASealedIdxDoesNotReuseTheSequenceTheIdxNames() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-chacha", tmp);
        StoreKey key = StoreKey.ofText(Fixtures.key("nats-2.9.10-chacha").orElseThrow());
        Path dir = store.resolve("jetstream/$G/streams/LIM1");
        Path blk = dir.resolve("msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        BlockKeystream ks = StreamKeys.load(key, "$G", dir, DiskGate.unbounded()).block(dir.resolve("msgs"), 1, DiskGate.unbounded())
                .orElseThrow();
        ks.xor(b, 0, b.length, 0);
        long[] last = {0, 0};
        new BlockScanner("LIM1").forEachMessage(1, b, b.length, (seq, ts, buf, so, sl, ho, hl, po, pl, rl) -> {
            last[0] = seq;
            last[1] = rl;
        });
        assertThat(last[0]).isEqualTo(300);
        // The keystream runs from offset 0, so the ciphertext cut at a record boundary is the plaintext's.
        Files.write(blk, Arrays.copyOf(Files.readAllBytes(blk), b.length - (int) last[1]));

        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults().withKey(key))) {
            JetStartStream s = js.stream("LIM1").await(Duration.ofSeconds(30));
            assertThat(s.get(299)).isPresent();
            assertThat(s.publish("lim1.0", bytes("after the cut")).seq()).isEqualTo(301);
        }
    }
}
