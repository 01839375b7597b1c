package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@code index.db} version the runtime writes into an encrypted store is the one the server
 * that wrote it reads: taken from the opened seal of the store's own files (their stored bytes
 * start with the nonce), so a 2.15.1 store keeps v4 (with its TTL and schedule counts) and a TTL
 * stream in it is writable, and a 2.10.27 store keeps v1. That 2.15.1 starts on what the runtime
 * wrote is {@code RuntimeCryptS2ServerIT}'s "its own nats-2.15.1-chacha/-aes" cases.
 */
class EncryptedIndexVersionTest {
    @TempDir
    Path dir;

    private static Path streamDir(Path store, String name) {
        return store.resolve("jetstream").resolve("$G").resolve("streams").resolve(name);
    }

    /** The version in the opened seal of the stream's index.db. */
    private static int sealedVersion(Path store, String name, StoreKey key) throws Exception {
        Path sd = streamDir(store, name);
        Path f = sd.resolve("msgs").resolve("index.db");
        byte[] stored = Files.readAllBytes(f);
        IndexDbCodec.checkTrailer(name, stored);
        byte[] body = StreamKeys.load(key, "$G", sd, DiskGate.unbounded())
                .open(f, Arrays.copyOf(stored, stored.length - IndexDbCodec.TRAILER_LENGTH));
        return IndexDbCodec.headerVersion(body, body.length);
    }

    private static StoreKey keyOf(String fixture) {
        return StoreKey.ofText(Fixtures.key(fixture).orElseThrow());
    }

    @ParameterizedTest
    @CsvSource({"nats-2.15.1-chacha, 4", "nats-2.15.1-aes, 4", "nats-2.10.27-chacha, 1", "nats-2.10.27-aes, 1"})
    void theRuntimeWritesTheVersionTheServerWroteIntoItsEncryptedStore(String fixture, int version) throws Exception {
        Path store = Fixtures.copyStore(fixture, dir);
        StoreKey key = keyOf(fixture);
        long before;
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults().withKey(key))) {
            JetStartStream s = rt.stream("LIM1").await(Duration.ofSeconds(30));
            before = s.info().lastSeq();
            String subject = s.config().subjects().get(0).replace("*", "x").replace(">", "x");
            assertThat(s.publish(subject, bytes("from the runtime")).seq()).isEqualTo(before + 1);
        }
        // The runtime's own index.db (the fixture's held the last sequence before the publish).
        assertThat(EncryptedStoreTest.recovered(store, "LIM1", key).lastSeq()).isEqualTo(before + 1);
        assertThat(sealedVersion(store, "LIM1", key)).isEqualTo(version);
    }

    @Test
    void aTtlStreamInAnEncryptedV4StoreIsCreatedWritableAndStaysSoAfterAReopen() throws Exception {
        String fixture = "nats-2.15.1-chacha";
        Path store = Fixtures.copyStore(fixture, dir);
        StoreKey key = keyOf(fixture);
        RuntimeOptions opts = RuntimeOptions.defaults().withKey(key);
        try (JetStartStore rt = JetStart.open(store, opts)) {
            // No index.db of its own: the store's, from another stream's opened seal.
            JetStartStream s = rt.createStream("$G", config("{\"name\":\"TTL\",\"subjects\":[\"ttl.*\"],\"allow_msg_ttl\":true}"));
            assertThat(s.readOnlyReason()).isEmpty();
            assertThat(s.publish("ttl.a", Headers.of("Nats-TTL", "1h"), bytes("lives an hour")).seq()).isEqualTo(1);
        }
        assertThat(sealedVersion(store, "TTL", key)).isEqualTo(4);
        try (JetStartStore rt = JetStart.open(store, opts)) {
            JetStartStream s = rt.stream("TTL").await(Duration.ofSeconds(30));
            assertThat(s.readOnlyReason()).as("its own index.db is v4").isEmpty();
            assertThat(s.publish("ttl.b", Headers.of("Nats-TTL", "1h"), bytes("and another")).seq()).isEqualTo(2);
        }
        assertThat(sealedVersion(store, "TTL", key)).isEqualTo(4);
    }

    @Test
    void theStoresVersionIsReadFromOpenedSealsAndNeverFromTheNonce() throws Exception {
        Path v4 = Fixtures.copyStore("nats-2.15.1-aes", dir);
        Path v1 = Fixtures.copyStore("nats-2.10.27-chacha", dir);
        assertThat(IndexVersions.ofStore(v4, keyOf("nats-2.15.1-aes"))).isEqualTo(4);
        assertThat(IndexVersions.ofStore(v1, keyOf("nats-2.10.27-chacha"))).isEqualTo(1);
        assertThat(IndexVersions.of(streamDir(v4, "LIM1"), "$G", keyOf("nats-2.15.1-aes"))).isEqualTo(4);
        // A seal that does not open says nothing: the bytes as stored are not read as a header.
        assertThat(IndexVersions.of(streamDir(v4, "LIM1"), "$G", StoreKey.ofText("not the key"))).isZero();
        assertThat(IndexVersions.of(streamDir(v4, "LIM1"), "$G", null)).isZero();
    }
}
