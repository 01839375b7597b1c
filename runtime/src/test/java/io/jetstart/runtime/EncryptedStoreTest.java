package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.store.DeletedSequences;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The runtime with the operator's key: it creates encrypted streams as nats-server does (meta.key,
 * sealed meta.inf and index.db, a key file per block), reads and appends to encrypted streams the
 * server wrote, and refuses a wrong or missing key with the file it could not open. That
 * nats-server itself starts on what the runtime wrote is {@code EncryptedRuntimeIT}'s proof.
 */
class EncryptedStoreTest {
    static final StoreKey KEY = StoreKey.ofText("s3cr3t-operator-key");

    @TempDir
    Path dir;

    private static Path streamDir(Path store, String name) {
        return store.resolve("jetstream").resolve("$G").resolve("streams").resolve(name);
    }

    /** A fresh read-only recovery with {@code key}, as {@code jetstart inspect --key} does. */
    static StreamState recovered(Path store, String name, StoreKey key) throws Exception {
        Path sd = streamDir(store, name);
        StreamKeys keys = StreamKeys.load(key, "$G", sd, DiskGate.unbounded());
        return StreamOpener.open("$G", name, sd, MetaFiles.readStream(sd, DiskGate.unbounded(), keys).config(),
                StoreContext.singleThreaded().withKey(key)).state();
    }

    @ParameterizedTest
    @EnumSource(StoreCipher.class)
    void aStreamCreatedWithAKeyIsEncryptedEverywhereAndReadsBackAfterReopen(StoreCipher cipher) throws Exception {
        RuntimeOptions opts = RuntimeOptions.defaults().withBlockSize(1024).withKey(KEY, cipher);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"SECRET\",\"subjects\":[\"sec.*\"]}"));
            for (int i = 1; i <= 60; i++) {
                s.publish("sec." + (i % 3), Headers.of("X-N", "" + i), bytes("confidential payload number " + i));
            }
            s.delete(7);
            assertThat(new String(s.get(42).orElseThrow().payload(), StandardCharsets.UTF_8)).isEqualTo("confidential payload number 42");
        }
        Path sd = streamDir(dir, "SECRET");
        assertThat(sd.resolve("meta.key")).hasSize(cipher.keyFileBytes());
        assertThat(new String(Files.readAllBytes(sd.resolve("meta.inf")), StandardCharsets.ISO_8859_1)).doesNotContain("SECRET");
        try (Stream<Path> files = Files.list(sd.resolve("msgs"))) {
            var names = files.map(p -> p.getFileName().toString()).sorted().toList();
            long blocks = names.stream().filter(n -> n.endsWith(".blk")).count();
            assertThat(blocks).isGreaterThan(2);
            for (String n : names.stream().filter(n -> n.endsWith(".blk")).toList()) {
                Path key = sd.resolve("msgs").resolve(n.replace(".blk", ".key"));
                assertThat(key).as("key file of " + n).hasSize(cipher.keyFileBytes());
                if (java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                    // nats-server's defaultFilePerms for every store file; a key file above all.
                    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                            .as("permissions of " + key).isEqualTo("rw-------");
                    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
                            sd.resolve("msgs").resolve(n)))).as("permissions of " + n).isEqualTo("rw-------");
                }
                assertThat(new String(Files.readAllBytes(sd.resolve("msgs").resolve(n)), StandardCharsets.ISO_8859_1))
                        .as(n + " is ciphertext").doesNotContain("confidential").doesNotContain("sec.");
            }
        }
        StreamState fresh = recovered(dir, "SECRET", KEY);
        assertThat(fresh.messages()).isEqualTo(59);
        assertThat(fresh.lastSeq()).isEqualTo(60);
        // index.db lost: the rebuild from the encrypted blocks agrees.
        Files.delete(sd.resolve("msgs").resolve("index.db"));
        assertThat(recovered(dir, "SECRET", KEY)).usingRecursiveComparison()
                .withEqualsForType(DeletedSequences::equals, DeletedSequences.class).isEqualTo(fresh);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.stream("SECRET").await(Duration.ofSeconds(30));
            assertThat(s.readOnlyReason()).isEmpty();
            assertThat(s.get(7)).isEmpty();
            assertThat(new String(s.get(60).orElseThrow().payload(), StandardCharsets.UTF_8)).isEqualTo("confidential payload number 60");
            assertThat(s.publish("sec.x", bytes("after reopen")).seq()).isEqualTo(61);
        }
        assertThat(recovered(dir, "SECRET", KEY).messages()).isEqualTo(60);
    }

    @Test
    void aWrongKeyFailsTheEncryptedStreamNamingItsKeyFileAndAMissingKeyToo() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withKey(KEY))) {
            store.createStream("$G", config("{\"name\":\"SECRET\",\"subjects\":[\"sec.*\"]}")).publish("sec.a", bytes("x"));
        }
        Path metaKey = streamDir(dir, "SECRET").resolve("meta.key");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withKey(StoreKey.ofText("not the key")))) {
            assertThatThrownBy(() -> store.stream("SECRET").await(Duration.ofSeconds(30)))
                    .isInstanceOf(StreamUnavailableException.class)
                    .hasMessageContaining(metaKey.toString()).hasMessageContaining("not the key this store was encrypted with");
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThatThrownBy(() -> store.stream("SECRET").await(Duration.ofSeconds(30)))
                    .isInstanceOf(StreamUnavailableException.class).hasMessageContaining("meta.key");
        }
    }

    @Test
    void aBlockWhoseKeyFileIsGoneIsNeverReadAsPlaintext() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withKey(KEY))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"SECRET\",\"subjects\":[\"sec.*\"]}"));
            s.publish("sec.a", bytes("x"));
        }
        Path msgs = streamDir(dir, "SECRET").resolve("msgs");
        Files.delete(msgs.resolve("1.key"));
        Files.delete(msgs.resolve("index.db"));
        // Without its key file the block is ciphertext: the rebuild finds no sound record in it,
        // which the stream reports as damage in 1.blk (nats-server would convert it as plain).
        StreamState s = recovered(dir, "SECRET", KEY);
        assertThat(s.messages()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nats-2.10.27-chacha", "nats-2.15.1-aes"})
    void aStoreTheServerEncryptedIsReadAndAppendedToWithItsKey(String fixture) throws Exception {
        Path store = Fixtures.copyStore(fixture, dir);
        StoreKey key = StoreKey.ofText(Fixtures.key(fixture).orElseThrow());
        StreamState before = recovered(store, "LIM1", key);
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults().withKey(key))) {
            JetStartStream s = rt.stream("LIM1").await(Duration.ofSeconds(30));
            assertThat(s.info().messages()).isEqualTo(before.messages());
            assertThat(s.get(before.lastSeq())).isPresent();
            assertThat(s.publish(s.config().subjects().get(0).replace("*", "x").replace(">", "x"), bytes("from the runtime")).seq())
                    .isEqualTo(before.lastSeq() + 1);
        }
        StreamState after = recovered(store, "LIM1", key);
        assertThat(after.messages()).isEqualTo(before.messages() + 1);
        assertThat(after.lastSeq()).isEqualTo(before.lastSeq() + 1);
    }
}
