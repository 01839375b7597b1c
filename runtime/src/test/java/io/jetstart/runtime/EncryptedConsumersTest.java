package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.store.ConsumerLoader;
import io.jetstart.core.store.RestoredConsumer;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamStore;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pull consumers of encrypted streams with the operator's key: created with their own
 * {@code meta.key} (the stream's cipher), a sealed {@code meta.inf} and a sealed {@code o.dat}, as
 * nats-server writes them; restored from stores the runtime and the server wrote and served with
 * the state recovery reads. That the servers themselves read what the runtime wrote is
 * {@code EncryptedConsumersIT}'s proof.
 */
class EncryptedConsumersTest {
    static final StoreKey KEY = StoreKey.ofText("consumer-test-operator-key");

    @TempDir
    Path dir;

    private static Path streamDir(Path store, String name) {
        return store.resolve("jetstream").resolve("$G").resolve("streams").resolve(name);
    }

    /** What a fresh recovery with {@code key} (the CLI's path) reads of a consumer. */
    static RestoredConsumer recovered(Path store, String stream, String consumer, StoreKey key) throws Exception {
        Path sd = streamDir(store, stream);
        StreamKeys keys = StreamKeys.load(key, "$G", sd, DiskGate.unbounded());
        StreamStore s = StreamOpener.open("$G", stream, sd, MetaFiles.readStream(sd, DiskGate.unbounded(), keys).config(),
                StoreContext.singleThreaded().withKey(key));
        return ConsumerLoader.load(s, consumer);
    }

    private static List<Long> fetchAndAckOdd(PullConsumer c, int batch) throws Exception {
        List<ConsumedMessage> got = c.fetch(batch, 0, Duration.ZERO);
        for (ConsumedMessage m : got) {
            if (m.streamSeq() % 2 == 1) {
                m.ack();
            }
        }
        return got.stream().map(ConsumedMessage::streamSeq).toList();
    }

    @ParameterizedTest
    @EnumSource(StoreCipher.class)
    void aConsumerCreatedOnAnEncryptedStreamIsSealedWithItsOwnKeyAndServedAgainAfterReopen(StoreCipher cipher) throws Exception {
        RuntimeOptions opts = RuntimeOptions.defaults().withKey(KEY, cipher);
        ConsumerStatus before;
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"SECRET\",\"subjects\":[\"sec.*\"]}"));
            for (int i = 1; i <= 20; i++) {
                s.publish("sec." + (i % 2 == 0 ? "b" : "a"), bytes("payload " + i));
            }
            PullConsumer c = s.createConsumer("{\"durable_name\":\"WORKER\",\"ack_policy\":\"explicit\",\"description\":\"confidential\"}");
            assertThat(fetchAndAckOdd(c, 8)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
            before = s.consumerInfo("WORKER");
        }
        assertThat(before.delivered().streamSeq()).isEqualTo(8);
        assertThat(before.ackFloor().streamSeq()).isEqualTo(1);
        assertThat(before.numAckPending()).isEqualTo(4);

        Path cd = streamDir(dir, "SECRET").resolve("obs").resolve("WORKER");
        assertThat(cd.resolve("meta.key")).hasSize(cipher.keyFileBytes());
        byte[] metaInf = Files.readAllBytes(cd.resolve("meta.inf"));
        assertThat(new String(metaInf, StandardCharsets.ISO_8859_1)).doesNotContain("WORKER").doesNotContain("confidential");
        // meta.sum is over the stored (sealed) bytes, as the server's writeConsumerMeta hashes them.
        assertThat(Files.readString(cd.resolve("meta.sum"))).isEqualTo(MetaFiles.consumerChecksum("SECRET", "WORKER", metaInf));
        byte[] odat = Files.readAllBytes(cd.resolve("o.dat"));
        assertThatThrownBy(() -> ConsumerStateCodec.decode(odat)).as("o.dat is ciphertext, not a plain state").isNotNull();
        if (java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            for (String f : List.of("meta.key", "meta.inf", "o.dat")) {
                assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(cd.resolve(f))))
                        .as("permissions of " + f).isEqualTo("rw-------");
            }
        }

        RestoredConsumer fresh = recovered(dir, "SECRET", "WORKER", KEY);
        assertThat(fresh.problems()).isEmpty();
        assertThat(fresh.config().json().path("description").asText()).isEqualTo("confidential");
        assertThat(fresh.delivered()).isEqualTo(before.delivered());
        assertThat(fresh.ackFloor()).isEqualTo(before.ackFloor());

        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.stream("SECRET").await(Duration.ofSeconds(30));
            ConsumerStatus after = s.consumerInfo("WORKER");
            assertThat(after.notDelivered()).isEmpty();
            assertThat(after.delivered()).isEqualTo(before.delivered());
            assertThat(after.ackFloor()).isEqualTo(before.ackFloor());
            assertThat(after.numAckPending()).isEqualTo(before.numAckPending());
            assertThat(after.numPending()).isEqualTo(before.numPending());
            // Continues after the delivered sequence, the unacked ones waiting for their ack wait.
            assertThat(fetchAndAckOdd(s.consumer("WORKER"), 4)).containsExactly(9L, 10L, 11L, 12L);
        }
        assertThat(recovered(dir, "SECRET", "WORKER", KEY).delivered().streamSeq()).isEqualTo(12);
    }

    @Test
    void anUpdateReSealsMetaInfAndADeleteRemovesTheKeyFileWithTheRest() throws Exception {
        RuntimeOptions opts = RuntimeOptions.defaults().withKey(KEY);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"SECRET\",\"subjects\":[\"sec.*\"]}"));
            s.publish("sec.a", bytes("x"));
            s.createConsumer("{\"durable_name\":\"U\",\"ack_policy\":\"explicit\"}");
            s.createConsumer("{\"durable_name\":\"GONE\",\"ack_policy\":\"explicit\"}");
            byte[] keyBefore = Files.readAllBytes(streamDir(dir, "SECRET").resolve("obs/U/meta.key"));
            s.updateConsumer(ConsumerDefinitions.parse("{\"durable_name\":\"U\",\"ack_policy\":\"explicit\",\"max_deliver\":7}"));
            assertThat(streamDir(dir, "SECRET").resolve("obs/U/meta.key")).as("the key stays; only meta.inf is sealed again")
                    .hasBinaryContent(keyBefore);
            s.deleteConsumer("GONE");
            assertThat(streamDir(dir, "SECRET").resolve("obs/GONE")).doesNotExist();
        }
        assertThat(recovered(dir, "SECRET", "U", KEY).config().maxDeliver()).isEqualTo(7);
        try (JetStartStore store = JetStart.open(dir, opts)) {
            JetStartStream s = store.stream("SECRET").await(Duration.ofSeconds(30));
            assertThat(s.consumerNames()).containsExactly("U");
            assertThat(s.consumer("U").fetch(5, 0, Duration.ZERO)).hasSize(1);
        }
    }

    @Test
    void aConsumerOfAPlainStreamStaysPlainWhenAKeyIsGiven() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.createStream("$G", config("{\"name\":\"OPEN\",\"subjects\":[\"o.*\"]}")).publish("o.a", bytes("x"));
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withKey(KEY))) {
            JetStartStream s = store.stream("OPEN").await(Duration.ofSeconds(30));
            s.createConsumer("{\"durable_name\":\"P\",\"ack_policy\":\"explicit\"}").fetch(1, 0, Duration.ZERO).get(0).ack();
        }
        Path cd = streamDir(dir, "OPEN").resolve("obs").resolve("P");
        assertThat(cd.resolve("meta.key")).doesNotExist();
        assertThat(Files.readString(cd.resolve("meta.inf"))).contains("\"durable_name\":\"P\"");
        assertThat(ConsumerStateCodec.decode(Files.readAllBytes(cd.resolve("o.dat"))).ackFloor().streamSeq()).isEqualTo(1);
    }

    /**
     * The server's own encrypted consumers (both ciphers, both lines) are served, not only reported:
     * with the state the server reports in its oracle, and they continue where it stopped.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nats-2.10.27-chacha", "nats-2.15.1-aes"})
    void theServersEncryptedConsumersAreServedWithTheServersState(String fixture) throws Exception {
        Path store = Fixtures.copyStore(fixture, dir);
        StoreKey key = StoreKey.ofText(Fixtures.key(fixture).orElseThrow());
        JsonNode oracle = new ObjectMapper().readTree(Fixtures.root().resolve(fixture).resolve("oracle.json").toFile());
        int served = 0;
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults().withKey(key))) {
            for (JsonNode so : oracle.path("streams")) {
                JetStartStream s = rt.stream(so.path("name").asText()).await(Duration.ofSeconds(30));
                for (JsonNode co : so.path("consumers")) {
                    String name = co.path("name").asText();
                    ConsumerStatus st = s.consumerInfo(name);
                    String what = fixture + " " + s.name() + " > " + name;
                    assertThat(st.notDelivered()).as(what).isEmpty();
                    assertThat(st.delivered().streamSeq()).as(what).isEqualTo(co.path("delivered").path("stream_seq").asLong());
                    assertThat(st.delivered().consumerSeq()).as(what).isEqualTo(co.path("delivered").path("consumer_seq").asLong());
                    assertThat(st.ackFloor().streamSeq()).as(what).isEqualTo(co.path("ack_floor").path("stream_seq").asLong());
                    assertThat(st.ackFloor().consumerSeq()).as(what).isEqualTo(co.path("ack_floor").path("consumer_seq").asLong());
                    assertThat(st.numAckPending()).as(what).isEqualTo(co.path("num_ack_pending").asLong());
                    assertThat(st.numRedelivered()).as(what).isEqualTo(co.path("num_redelivered").asLong());
                    assertThat(st.numPending()).as(what).isEqualTo(co.path("num_pending").asLong());
                    served++;
                }
            }
            // LIM1 > C0 redelivers its pending messages first (their ack wait passed long ago, and the
            // server's start checks them at once), then fetches on from its delivered sequence, and
            // acks: its o.dat is written sealed again.
            JetStartStream lim = rt.stream("LIM1").await(Duration.ofSeconds(30));
            ConsumerStatus c0 = lim.consumerInfo("C0");
            long delivered = c0.delivered().streamSeq();
            int again = (int) c0.numAckPending();
            List<ConsumedMessage> next = lim.consumer("C0").fetch(again + 3, 0, Duration.ZERO);
            assertThat(next).hasSize(again + 3);
            assertThat(next.subList(0, again)).allSatisfy(m -> {
                assertThat(m.streamSeq()).isLessThanOrEqualTo(delivered);
                assertThat(m.deliveries()).isGreaterThan(1);
            });
            assertThat(next.subList(again, next.size())).allSatisfy(m -> assertThat(m.streamSeq()).isGreaterThan(delivered));
            next.forEach(ConsumedMessage::ack);
        }
        assertThat(served).isGreaterThanOrEqualTo(6);
        RestoredConsumer reopened = recovered(store, "LIM1", "C0", key);
        assertThat(reopened.problems()).isEmpty();
        assertThat(reopened.delivered().streamSeq()).isGreaterThan(oracle.path("streams").findValues("consumers").stream()
                .flatMap(cs -> java.util.stream.StreamSupport.stream(cs.spliterator(), false))
                .filter(co -> co.path("stream_name").asText().equals("LIM1") && co.path("name").asText().equals("C0"))
                .findFirst().orElseThrow().path("delivered").path("stream_seq").asLong());
    }
}
