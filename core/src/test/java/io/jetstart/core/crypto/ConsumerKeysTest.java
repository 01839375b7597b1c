package io.jetstart.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.io.DiskGate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A new consumer's keys (nats-server's {@code writeConsumerMeta}): its {@code meta.key} opens, with
 * the operator's key, under the consumer's own context ({@code "<stream>.<consumer>"}) and no other,
 * and what it seals opens as the server's reader opens a sealed {@code meta.inf} or {@code o.dat}.
 */
class ConsumerKeysTest {
    static final StoreKey KEY = StoreKey.ofText("consumer keys test");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(StoreCipher.class)
    void aNewConsumersKeyFileOpensUnderItsOwnContextAndOpensWhatItSealed(StoreCipher cipher) throws Exception {
        Path streamDir = Files.createDirectories(dir.resolve("ORDERS"));
        StreamKeys.Created stream = StreamKeys.create(KEY, cipher, "ACC", "ORDERS");
        Files.write(streamDir.resolve("meta.key"), stream.metaKey());
        StreamKeys keys = StreamKeys.load(KEY, "ACC", streamDir, DiskGate.unbounded());

        StreamKeys.NewConsumerKey made = keys.newConsumer("WORKER");
        assertThat(made.metaKey()).as("nonce || seal(seed)").hasSize(cipher.keyFileBytes());
        byte[] plain = "{\"name\":\"WORKER\"}".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = made.keys().seal(plain);
        assertThat(sealed).hasSize(cipher.nonceBytes() + plain.length + StoreCipher.TAG_BYTES);
        assertThat(made.keys().seal(plain)).as("a fresh nonce per write").isNotEqualTo(sealed);

        Path consumerDir = Files.createDirectories(streamDir.resolve("obs").resolve("WORKER"));
        Files.write(consumerDir.resolve("meta.key"), made.metaKey());
        ConsumerKeys reopened = keys.consumer(consumerDir, DiskGate.unbounded());
        assertThat(reopened.encrypted()).isTrue();
        assertThat(reopened.open(consumerDir.resolve("meta.inf"), sealed)).isEqualTo(plain);

        // Under another consumer's name (another KEK context) the same key file does not open.
        Path other = Files.createDirectories(streamDir.resolve("obs").resolve("OTHER"));
        Files.write(other.resolve("meta.key"), made.metaKey());
        assertThatThrownBy(() -> keys.consumer(other, DiskGate.unbounded())).isInstanceOf(DecryptionException.class)
                .hasMessageContaining("ORDERS.OTHER");
    }

    @Test
    void aPlainStreamMakesNoConsumerKeyAndPlainKeysSealNothing() {
        assertThatThrownBy(() -> StreamKeys.PLAIN.newConsumer("C")).isInstanceOf(IllegalStateException.class);
        byte[] plain = {1, 2, 3};
        assertThat(ConsumerKeys.PLAIN.seal(plain)).isSameAs(plain);
    }
    @Test
    void keysLoadedWhereNoKeyFileIsRuleItOutAndNoOthersDo() throws Exception {
        Path streamDir = Files.createDirectories(dir.resolve("PLAIN"));
        Path consumerDir = Files.createDirectories(streamDir.resolve("obs").resolve("C"));
        StreamKeys looked = StreamKeys.load(KEY, "ACC", streamDir, DiskGate.unbounded());
        assertThat(looked.encrypted()).isFalse();
        assertThat(looked.keyFileRuledOut()).as("meta.key just looked for").isTrue();
        assertThat(looked.consumer(consumerDir, DiskGate.unbounded()).keyFileRuledOut()).as("obs/C/meta.key just looked for").isTrue();
        assertThat(StreamKeys.load(null, "ACC", streamDir, DiskGate.unbounded()).keyFileRuledOut()).isTrue();

        assertThat(StreamKeys.PLAIN.keyFileRuledOut()).as("not looked for").isFalse();
        assertThat(ConsumerKeys.PLAIN.keyFileRuledOut()).isFalse();
        assertThat(StreamKeys.NO_KEY_FILE.keyFileRuledOut()).isTrue();
        assertThat(StreamKeys.NO_KEY_FILE.encrypted()).isFalse();
        assertThat(ConsumerKeys.IN_PLAIN_STREAM.keyFileRuledOut()).isTrue();
        assertThat(ConsumerKeys.IN_PLAIN_STREAM.encrypted()).isFalse();

        StreamKeys.Created made = StreamKeys.create(KEY, StoreCipher.CHACHA, "ACC", "PLAIN");
        Files.write(streamDir.resolve("meta.key"), made.metaKey());
        StreamKeys found = StreamKeys.load(KEY, "ACC", streamDir, DiskGate.unbounded());
        assertThat(found.encrypted()).isTrue();
        assertThat(found.keyFileRuledOut()).isFalse();
        Files.write(consumerDir.resolve("meta.key"), found.newConsumer("C").metaKey());
        assertThat(found.consumer(consumerDir, DiskGate.unbounded()).keyFileRuledOut()).isFalse();
    }
}
