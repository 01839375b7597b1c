package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.CompressionEnvelope;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.store.DeletedSequences;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code compression: s2} streams are writable: the writer compresses a block when it rolls past it
 * (the last block stays plain while it is appended to), atomically, encrypted after compressing for
 * an encrypted stream; every message reads back the same, and a fresh recovery agrees, with and
 * without {@code index.db}. That nats-server reads these blocks is {@code CompressedRuntimeIT}'s proof.
 */
class CompressedStreamTest {
    static final StoreKey KEY = StoreKey.ofText("compress-then-encrypt");

    @TempDir
    Path dir;

    private static Path msgs(Path store, String name) {
        return store.resolve("jetstream/$G/streams").resolve(name).resolve("msgs");
    }

    /** Block indexes of {@code msgs}, ascending. */
    private static List<Long> blocks(Path msgs) throws Exception {
        try (Stream<Path> files = Files.list(msgs)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".blk"))
                    .map(n -> Long.parseLong(n.substring(0, n.length() - 4))).sorted().toList();
        }
    }

    /** Whether block {@code idx} is in the cmp envelope (decrypted first when it has a key file). */
    private static boolean compressed(Path msgs, long idx, StoreKey key) throws Exception {
        byte[] b = Files.readAllBytes(msgs.resolve(idx + ".blk"));
        if (key != null && Files.exists(msgs.resolve(idx + ".key"))) {
            StreamKeys keys = StreamKeys.load(key, "$G", msgs.getParent(), DiskGate.unbounded());
            keys.block(msgs, idx, DiskGate.unbounded()).orElseThrow().xor(b, 0, b.length, 0);
        }
        return CompressionEnvelope.originalSize(b, b.length).isPresent();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void sealedBlocksAreCompressedWhenTheWriterRollsAndEveryMessageReadsBack(boolean encrypted) throws Exception {
        StoreKey key = encrypted ? KEY : null;
        RuntimeOptions opts = RuntimeOptions.defaults().withBlockSize(2048).withKey(key, StoreCipher.AES);
        List<String> payloads = new ArrayList<>();
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"Z\",\"subjects\":[\"z.*\"],\"compression\":\"s2\"}"));
            assertThat(s.readOnlyReason()).isEmpty();
            for (int i = 1; i <= 300; i++) {
                String p = "a very compressible payload, a very compressible payload #" + i;
                payloads.add(p);
                s.publish("z." + (i % 5), bytes(p));
                if (i == 40) {
                    // The first roll happened by now: the sealed block is compressed, the tail is not.
                    List<Long> now = blocks(msgs(dir, "Z"));
                    assertThat(now).hasSizeGreaterThan(1);
                    assertThat(compressed(msgs(dir, "Z"), now.get(0), key)).isTrue();
                    assertThat(compressed(msgs(dir, "Z"), now.get(now.size() - 1), key)).isFalse();
                    // Read back from the compressed block while the writer goes on.
                    assertThat(new String(s.get(1).orElseThrow().payload(), StandardCharsets.UTF_8)).isEqualTo(payloads.get(0));
                }
            }
            s.delete(10);
            s.purge(new PurgeRequest("z.3", 0, 0));
        }
        Path msgs = msgs(dir, "Z");
        List<Long> idx = blocks(msgs);
        assertThat(idx).hasSizeGreaterThan(3);
        for (long i : idx.subList(0, idx.size() - 1)) {
            assertThat(compressed(msgs, i, key)).as("block " + i).isTrue();
            assertThat(Files.size(msgs.resolve(i + ".blk"))).as("block " + i + " shrank").isLessThan(2048);
        }
        assertThat(compressed(msgs, idx.get(idx.size() - 1), key)).as("the last block").isFalse();
        try (Stream<Path> left = Files.list(msgs)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }

        StreamState fresh = EncryptedStoreTest.recovered(dir, "Z", key);
        Files.delete(msgs.resolve("index.db"));
        assertThat(EncryptedStoreTest.recovered(dir, "Z", key)).usingRecursiveComparison()
                .withEqualsForType(DeletedSequences::equals, DeletedSequences.class).isEqualTo(fresh);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.stream("Z").await(Duration.ofSeconds(30));
            assertThat(s.info().messages()).isEqualTo(fresh.messages());
            for (int i = 1; i <= 300; i++) {
                var m = s.get(i);
                if (i == 10 || i % 5 == 3) {
                    assertThat(m).as("seq " + i).isEmpty();
                } else {
                    assertThat(new String(m.orElseThrow().payload(), StandardCharsets.UTF_8)).as("seq " + i).isEqualTo(payloads.get(i - 1));
                }
            }
            assertThat(s.publish("z.1", bytes("after reopen")).seq()).isEqualTo(301);
        }
    }

    @Test
    void aCompressedStoreTheServerWroteIsWritableAndItsBlocksReadTheSame() throws Exception {
        Path store = Fixtures.copyStore("nats-2.15.1-s2", dir);
        StreamState before = RuntimeTestSupport.recovered(store, "LIM");
        List<StoredMessage> old = new ArrayList<>();
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults().withBlockSize(4096))) {
            JetStartStream s = rt.stream("LIM").await(Duration.ofSeconds(30));
            assertThat(s.readOnlyReason()).isEmpty();
            for (long q = before.firstSeq(); q <= before.lastSeq(); q++) {
                s.get(q).ifPresent(old::add);
            }
            assertThat(old).hasSize((int) before.messages());
            for (int i = 0; i < 200; i++) {
                s.publish("lim.runtime", bytes("runtime message " + i + " with some repeated repeated repeated text"));
            }
        }
        StreamState after = RuntimeTestSupport.recovered(store, "LIM");
        assertThat(after.lastSeq()).isEqualTo(before.lastSeq() + 200);
        List<Long> idx = blocks(msgs(store, "LIM"));
        for (long i : idx.subList(0, idx.size() - 1)) {
            assertThat(compressed(msgs(store, "LIM"), i, null)).as("block " + i).isTrue();
        }
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("LIM").await(Duration.ofSeconds(30));
            for (StoredMessage m : old) {
                if (s.get(m.seq()).isPresent()) {
                    assertThat(s.get(m.seq()).orElseThrow()).isEqualTo(m);
                }
            }
            assertThat(new String(s.get(after.lastSeq()).orElseThrow().payload(), StandardCharsets.UTF_8)).startsWith("runtime message 199");
        }
    }
}
