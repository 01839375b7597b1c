package io.jetstart.core.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.crypto.ConsumerKeys;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.io.CountingDiskGate;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.io.ReadBuffer;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetaFilesTest {
    /** Spec §9.6: exactly 496 bytes, no trailing newline. */
    private static final String SPEC_STREAM_META = "{\"Created\":\"2023-11-14T22:13:20Z\",\"name\":\"TEST\",\"subjects\":[\"foo\"],"
            + "\"retention\":\"limits\",\"max_consumers\":-1,\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,"
            + "\"max_msgs_per_subject\":-1,\"max_msg_size\":-1,\"discard\":\"old\",\"storage\":\"file\",\"num_replicas\":1,"
            + "\"duplicate_window\":120000000000,\"compression\":\"none\",\"allow_direct\":false,\"mirror_direct\":false,"
            + "\"sealed\":false,\"deny_delete\":false,\"deny_purge\":false,\"allow_rollup_hdrs\":false,\"consumer_limits\":{},"
            + "\"allow_msg_ttl\":false,\"metadata\":{\"_nats.req.level\":\"0\"}}";
    private static final String SPEC_CONSUMER_META = "{\"Created\":\"2023-11-14T22:13:20Z\",\"Name\":\"C1\",\"durable_name\":\"C1\","
            + "\"deliver_policy\":\"all\",\"ack_policy\":\"explicit\",\"ack_wait\":30000000000,\"max_deliver\":-1,"
            + "\"replay_policy\":\"instant\",\"max_ack_pending\":1000,\"num_replicas\":0}";

    private final DiskGate gate = DiskGate.unbounded();

    @TempDir
    Path tmp;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- §9.6 and §9.10 checksum vectors ----

    @Test
    void specStreamVectorHasTheSpecChecksum() {
        assertThat(utf8(SPEC_STREAM_META)).hasSize(496);
        assertThat(MetaFiles.streamChecksum("TEST", utf8(SPEC_STREAM_META))).isEqualTo("b0493337df98cf00");
    }

    @Test
    void specConsumerVectorHasTheSpecChecksum() {
        assertThat(MetaFiles.consumerChecksum("TEST", "C1", utf8(SPEC_CONSUMER_META))).isEqualTo("55746acaef8cb8e5");
    }

    @Test
    void specStreamVectorOnDiskVerifies() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("TEST"));
        Files.write(dir.resolve("meta.inf"), utf8(SPEC_STREAM_META));
        Files.write(dir.resolve("meta.sum"), utf8("b0493337df98cf00"));
        StreamMeta meta = MetaFiles.readStream(dir, gate);
        assertThat(meta.metaSum()).isEqualTo("b0493337df98cf00");
        assertThat(meta.config().name()).isEqualTo("TEST");
        assertThat(meta.metaInf()).isEqualTo(utf8(SPEC_STREAM_META));
    }

    @Test
    void realServerChecksumsFromTheSpecVerify() throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        assertThat(MetaFiles.readStream(lim1, gate).metaSum()).isEqualTo("25c7e0aa3a2a35e4");
        ConsumerMeta c0 = MetaFiles.readConsumer(lim1.resolve("obs").resolve("C0"), "LIM1", gate);
        assertThat(c0.metaSum()).isEqualTo("f8074b79bc5af36d");
        assertThat(c0.metaInf()).hasSize(297);
        assertThat(c0.checksumWarning()).isEmpty();
    }

    @Test
    void everyFixtureStreamAndConsumerVerifies() throws Exception {
        int streams = 0;
        int consumers = 0;
        // Encrypted fixtures are skipped: their files are ciphertext (checked through core.crypto in
        // StreamKeysRealStoresTest and EncryptedStoreTest).
        for (String name : Fixtures.plainNames()) {
            Path copy = Fixtures.copy(name, tmp);
            for (Path dir : Fixtures.streamDirs(copy)) {
                StreamMeta meta = MetaFiles.readStream(dir, gate);
                assertThat(meta.config().name()).as("%s", dir).isEqualTo(dir.getFileName().toString());
                streams++;
                Path obs = dir.resolve("obs");
                if (!Files.isDirectory(obs)) {
                    continue;
                }
                try (var list = Files.list(obs)) {
                    for (Path c : list.toList()) {
                        ConsumerMeta cm = MetaFiles.readConsumer(c, dir.getFileName().toString(), gate);
                        assertThat(cm.checksumWarning()).as("%s", c).isEmpty();
                        assertThat(cm.config().name()).isEqualTo(c.getFileName().toString());
                        consumers++;
                    }
                }
            }
        }
        // The -small stores, upbench, the encrypted, -s2, -lines and -features stores (testdata/README.md).
        assertThat(streams).isEqualTo(39);
        assertThat(consumers).isEqualTo(44);
    }

    @Test
    void aStreamsMetaFilesReadThroughOneBufferGiveTheFilesBytesThatNoCallerCanChange() throws Exception {
        // The config and the meta share the array read for them (no copy each): every accessor
        // still hands out a copy, so changing one changes neither the other nor a later answer.
        Path copy = Fixtures.copy("nats-2.15.1-small", tmp);
        ReadBuffer first = new ReadBuffer();
        for (Path dir : Fixtures.streamDirs(copy)) {
            byte[] onDisk = Files.readAllBytes(dir.resolve("meta.inf"));
            StreamMeta meta = MetaFiles.readStream(dir, gate, StreamKeys.PLAIN, first);
            assertThat(meta.metaInf()).as("%s", dir).isEqualTo(onDisk);
            meta.metaInf()[0] ^= 1;
            meta.config().originalBytes()[0] ^= 1;
            assertThat(meta.metaInf()).as("%s", dir).isEqualTo(onDisk);
            assertThat(meta.config().originalBytes()).as("%s", dir).isEqualTo(onDisk);
            Path obs = dir.resolve("obs");
            if (!Files.isDirectory(obs)) {
                continue;
            }
            try (var list = Files.list(obs)) {
                for (Path c : list.toList()) {
                    byte[] consumerOnDisk = Files.readAllBytes(c.resolve("meta.inf"));
                    ConsumerMeta cm = MetaFiles.readConsumer(c, dir.getFileName().toString(), gate, ConsumerKeys.PLAIN, first);
                    cm.metaInf()[0] ^= 1;
                    cm.config().originalBytes()[0] ^= 1;
                    assertThat(cm.metaInf()).as("%s", c).isEqualTo(consumerOnDisk);
                    assertThat(cm.config().originalBytes()).as("%s", c).isEqualTo(consumerOnDisk);
                }
            }
        }
    }

    @Test
    void aMetaMadeFromACallersArrayKeepsItsOwnCopy() throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        byte[] bytes = Files.readAllBytes(lim1.resolve("meta.inf"));
        byte[] kept = bytes.clone();
        StreamMeta meta = new StreamMeta(StreamConfig.parse(bytes), bytes, "0000000000000000");
        bytes[0] ^= 1;
        assertThat(meta.metaInf()).isEqualTo(kept);
        assertThat(meta.config().originalBytes()).isEqualTo(kept);
    }

    // ---- failures, in the server's words ----

    @Test
    void aChangedByteFailsWithBothChecksumsInTheMessage() throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.10.27-small", tmp), "LIM1");
        byte[] bytes = Files.readAllBytes(lim1.resolve("meta.inf"));
        String stored = Files.readString(lim1.resolve("meta.sum"));
        bytes[40] ^= 0x01;
        Files.write(lim1.resolve("meta.inf"), bytes);
        String computed = MetaFiles.streamChecksum("LIM1", bytes);
        assertThat(computed).isNotEqualTo(stored);
        assertThatThrownBy(() -> MetaFiles.readStream(lim1, gate))
                .isInstanceOfSatisfying(MetaException.class, e -> {
                    assertThat(e.kind()).isEqualTo(MetaException.Kind.CHECKSUM_MISMATCH);
                    assertThat(e.file()).isEqualTo(lim1.resolve("meta.inf"));
                })
                .hasMessageContaining("checksums do not match \"" + stored + "\" vs \"" + computed + "\"");
    }

    @Test
    void aTrailingNewlineInMetaSumFailsTheExactComparison() throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        Files.writeString(lim1.resolve("meta.sum"), "25c7e0aa3a2a35e4\n");
        assertThatThrownBy(() -> MetaFiles.readStream(lim1, gate)).isInstanceOf(MetaException.class)
                .hasMessageContaining("\"25c7e0aa3a2a35e4\\n\" vs \"25c7e0aa3a2a35e4\"");
    }

    @Test
    void upperCaseHexInMetaSumFails() throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        Files.writeString(lim1.resolve("meta.sum"), "25C7E0AA3A2A35E4");
        assertThatThrownBy(() -> MetaFiles.readStream(lim1, gate)).isInstanceOf(MetaException.class)
                .hasMessageContaining("checksums do not match");
    }

    @Test
    void aStreamDirectoryCopiedUnderAnotherNameFails() throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        Path renamed = Files.move(lim1, lim1.resolveSibling("LIM2"));
        assertThatThrownBy(() -> MetaFiles.readStream(renamed, gate)).isInstanceOfSatisfying(MetaException.class,
                e -> assertThat(e.kind()).isEqualTo(MetaException.Kind.CHECKSUM_MISMATCH));
    }

    @Test
    void missingMetaInfIsReportedAsTheServerDoes() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("S"));
        assertThatThrownBy(() -> MetaFiles.readStream(dir, gate))
                .isInstanceOfSatisfying(MetaException.class, e -> {
                    assertThat(e.kind()).isEqualTo(MetaException.Kind.MISSING_METAFILE);
                    assertThat(e.file()).isEqualTo(dir.resolve("meta.inf"));
                })
                .hasMessageStartingWith("Missing stream metafile for \"");
    }

    @Test
    void missingMetaSumIsReportedAsTheServerDoes() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("S"));
        Files.write(dir.resolve("meta.inf"), utf8("{\"name\":\"S\"}"));
        assertThatThrownBy(() -> MetaFiles.readStream(dir, gate))
                .isInstanceOfSatisfying(MetaException.class, e -> assertThat(e.kind()).isEqualTo(MetaException.Kind.MISSING_CHECKSUM))
                .hasMessageStartingWith("Missing stream checksum file \"");
    }

    @Test
    void undecodableJsonWithAGoodChecksumIsAnUnmarshalError() throws Exception {
        Path dir = tmp.resolve("S");
        MetaFiles.writeStream(dir, "S", utf8("{\"name\":\"S\",\"retention\":\"sometimes\"}"));
        assertThatThrownBy(() -> MetaFiles.readStream(dir, gate))
                .isInstanceOfSatisfying(MetaException.class, e -> assertThat(e.kind()).isEqualTo(MetaException.Kind.UNMARSHAL_FAILED))
                .hasMessageStartingWith("Error unmarshalling stream metafile \"").hasMessageContaining("sometimes");
    }

    @Test
    void unknownKeysAreAcceptedAsTheLenientDecodeDoes() throws Exception {
        Path dir = tmp.resolve("S");
        MetaFiles.writeStream(dir, "S", utf8("{\"name\":\"S\",\"a_key_from_2030\":[1]}"));
        assertThat(MetaFiles.readStream(dir, gate).config().json().has("a_key_from_2030")).isTrue();
    }

    @Test
    void anEncryptedStreamIsRefusedWithTheReason() throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        Files.write(lim1.resolve("meta.key"), new byte[72]);
        assertThatThrownBy(() -> MetaFiles.readStream(lim1, gate))
                .isInstanceOfSatisfying(MetaException.class, e -> assertThat(e.kind()).isEqualTo(MetaException.Kind.ENCRYPTED))
                .hasMessageContaining("meta.key");
    }

    @Test
    void eachFileReadGoesThroughTheGate() throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        CountingDiskGate counting = new CountingDiskGate(2);
        MetaFiles.readStream(lim1, counting);
        assertThat(counting.operations()).as("meta.inf, meta.sum, meta.key check").isEqualTo(3);
    }

    @Test
    void keysThatRuleOutTheKeyFileSpareTheLookForIt() throws Exception {
        Path lim1 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        CountingDiskGate counting = new CountingDiskGate(2);
        assertThat(MetaFiles.readStream(lim1, counting, StreamKeys.NO_KEY_FILE).config().name()).isEqualTo("LIM1");
        assertThat(counting.operations()).as("meta.inf, meta.sum").isEqualTo(2);
        CountingDiskGate consumer = new CountingDiskGate(2);
        assertThat(MetaFiles.readConsumer(lim1.resolve("obs").resolve("C0"), "LIM1", consumer, ConsumerKeys.IN_PLAIN_STREAM)
                .config().name()).isEqualTo("C0");
        assertThat(consumer.operations()).as("meta.inf, meta.sum").isEqualTo(2);
    }

    @Test
    void aSealedStreamMetaInfIsRefusedAsEncryptedNamingTheKeyFileEvenWhenTheKeysRuledItOut() throws Exception {
        Path dir = tmp.resolve("S");
        MetaFiles.writeStream(dir, "S", sealedLooking());
        Files.write(dir.resolve("meta.key"), new byte[72]);
        for (StreamKeys keys : new StreamKeys[] {StreamKeys.PLAIN, StreamKeys.NO_KEY_FILE}) {
            assertThatThrownBy(() -> MetaFiles.readStream(dir, gate, keys)).as("%s", keys)
                    .isInstanceOfSatisfying(MetaException.class, e -> {
                        assertThat(e.kind()).isEqualTo(MetaException.Kind.ENCRYPTED);
                        assertThat(e.file()).isEqualTo(dir.resolve("meta.key"));
                    })
                    .hasMessage("Stream metafile in \"" + dir + "\" is encrypted (meta.key present); encrypted stores are not supported");
        }
    }

    @Test
    void aSealedConsumerMetaInfIsRefusedAsEncryptedNamingTheKeyFileEvenInAPlainStream() throws Exception {
        Path dir = tmp.resolve("obs").resolve("C");
        MetaFiles.writeConsumer(dir, "S", "C", sealedLooking());
        Files.write(dir.resolve("meta.key"), new byte[72]);
        for (ConsumerKeys keys : new ConsumerKeys[] {ConsumerKeys.PLAIN, ConsumerKeys.IN_PLAIN_STREAM}) {
            assertThatThrownBy(() -> MetaFiles.readConsumer(dir, "S", gate, keys))
                    .isInstanceOfSatisfying(MetaException.class, e -> {
                        assertThat(e.kind()).isEqualTo(MetaException.Kind.ENCRYPTED);
                        assertThat(e.file()).isEqualTo(dir.resolve("meta.key"));
                    })
                    .hasMessage("Consumer metafile in \"" + dir + "\" is encrypted (meta.key present); encrypted stores are not supported");
        }
        assertThatThrownBy(() -> MetaFiles.refuseEncryptedConsumer(dir, gate)).isInstanceOfSatisfying(MetaException.class,
                e -> assertThat(e.kind()).isEqualTo(MetaException.Kind.ENCRYPTED));
        Files.delete(dir.resolve("meta.key"));
        MetaFiles.refuseEncryptedConsumer(dir, gate);
    }

    @Test
    void withoutAKeyFileAnUndecodableMetaInfIsStillAnUnmarshalErrorWhicheverTheKeys() throws Exception {
        Path dir = tmp.resolve("S");
        MetaFiles.writeStream(dir, "S", sealedLooking());
        assertThatThrownBy(() -> MetaFiles.readStream(dir, gate, StreamKeys.NO_KEY_FILE))
                .isInstanceOfSatisfying(MetaException.class, e -> assertThat(e.kind()).isEqualTo(MetaException.Kind.UNMARSHAL_FAILED));
        Path c = tmp.resolve("obs").resolve("C");
        MetaFiles.writeConsumer(c, "S", "C", sealedLooking());
        assertThatThrownBy(() -> MetaFiles.readConsumer(c, "S", gate, ConsumerKeys.IN_PLAIN_STREAM))
                .isInstanceOfSatisfying(MetaException.class, e -> assertThat(e.kind()).isEqualTo(MetaException.Kind.UNMARSHAL_FAILED));
    }

    /** What a sealed meta.inf looks like to a plain reader: a random nonce, then ciphertext. */
    private static byte[] sealedLooking() {
        byte[] b = new byte[24 + 200 + 16];
        new java.util.Random(7).nextBytes(b);
        return b;
    }

    // ---- consumers ----

    @Test
    void aConsumerChecksumMismatchIsAWarningNotAFailure() throws Exception {
        Path c0 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1").resolve("obs").resolve("C0");
        Files.writeString(c0.resolve("meta.sum"), "0000000000000000");
        ConsumerMeta meta = MetaFiles.readConsumer(c0, "LIM1", gate);
        assertThat(meta.config().name()).isEqualTo("C0");
        assertThat(meta.metaSum()).isEqualTo("0000000000000000");
        assertThat(meta.checksumWarning()).hasValueSatisfying(w ->
                assertThat(w).contains("\"0000000000000000\" vs \"f8074b79bc5af36d\""));
    }

    @Test
    void aConsumerWithoutMetaSumIsRefused() throws Exception {
        Path c0 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1").resolve("obs").resolve("C0");
        Files.delete(c0.resolve("meta.sum"));
        assertThatThrownBy(() -> MetaFiles.readConsumer(c0, "LIM1", gate))
                .isInstanceOfSatisfying(MetaException.class, e -> assertThat(e.kind()).isEqualTo(MetaException.Kind.MISSING_CHECKSUM))
                .hasMessageStartingWith("Missing consumer checksum for \"");
    }

    @Test
    void aConsumerWithoutMetaInfIsRefused() throws Exception {
        Path c0 = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1").resolve("obs").resolve("C0");
        Files.delete(c0.resolve("meta.inf"));
        assertThatThrownBy(() -> MetaFiles.readConsumer(c0, "LIM1", gate))
                .isInstanceOfSatisfying(MetaException.class, e -> assertThat(e.kind()).isEqualTo(MetaException.Kind.MISSING_METAFILE));
    }

    @Test
    void aConsumerWhoseJsonDoesNotDecodeIsRefused() throws Exception {
        Path dir = tmp.resolve("obs").resolve("C");
        MetaFiles.writeConsumer(dir, "S", "C", utf8("{\"Name\":\"C\",\"max_deliver\":\"many\"}"));
        assertThatThrownBy(() -> MetaFiles.readConsumer(dir, "S", gate))
                .isInstanceOfSatisfying(MetaException.class, e -> assertThat(e.kind()).isEqualTo(MetaException.Kind.UNMARSHAL_FAILED))
                .hasMessageStartingWith("Error unmarshalling consumer metafile \"");
    }

    // ---- writers ----

    @Test
    void writtenStreamMetaReadsBackVerified() throws Exception {
        Path dir = tmp.resolve("streams").resolve("TEST");
        MetaFiles.writeStream(dir, "TEST", utf8(SPEC_STREAM_META));
        assertThat(Files.readString(dir.resolve("meta.sum"))).isEqualTo("b0493337df98cf00");
        assertThat(MetaFiles.readStream(dir, gate).config().subjects()).containsExactly("foo");
        try (var list = Files.list(dir)) {
            assertThat(list.map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(List.of("meta.inf", "meta.sum"));
        }
    }

    @Test
    void writtenConsumerMetaReadsBackWithoutWarning() throws Exception {
        Path dir = tmp.resolve("obs").resolve("C1");
        MetaFiles.writeConsumer(dir, "TEST", "C1", utf8(SPEC_CONSUMER_META));
        assertThat(Files.readString(dir.resolve("meta.sum"))).isEqualTo("55746acaef8cb8e5");
        ConsumerMeta meta = MetaFiles.readConsumer(dir, "TEST", gate);
        assertThat(meta.checksumWarning()).isEmpty();
        assertThat(meta.config().ackPolicy()).isEqualTo("explicit");
    }
}
