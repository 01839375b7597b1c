package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.store.Problem;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encrypted stores (written by nats-server 2.15.1 with {@code cipher: aes} and 2.10.27 with
 * {@code chachapoly}) without their key, with another key, and with a sealed file changed. Their
 * recovery with the right key, clean and rebuilt, is {@link FixtureOracleTest}'s.
 */
class EncryptedStoreTest {
    @TempDir
    Path tmp;

    @Test
    void withoutTheKeyEveryStreamIsRefusedSayingItIsEncrypted() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-aes", tmp);
        Map<String, String> before = TestStores.digests(store);

        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults());

        assertThat(report.streams()).hasSize(4).allSatisfy(s -> {
            assertThat(s.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(s.problems()).singleElement().satisfies(p -> assertThat(p.message())
                    .contains("encrypted stream").contains("meta.key present (64 bytes: AES-256-GCM)")
                    .contains("needs the server's jetstream key"));
        });
        assertThat(TestStores.digests(store)).isEqualTo(before);
    }

    @Test
    void aConsumerWithAKeyFileInAStreamWithoutOneFailsAloneNamingItsKeyFile() throws Exception {
        // Not the server's doing (it keys a consumer only when it has a key, and then the stream has
        // one too), so recovery does not look for consumer key files in such a stream: one that is
        // there anyway is found when the consumer's files do not read as plain, and refused as before.
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp.resolve("plain"));
        Path sealed = TestStores.streamDir(TestStores.copyFixtureStore("nats-2.15.1-chacha", tmp.resolve("sealed")), "LIM1")
                .resolve("obs").resolve("C1");
        Path obs = TestStores.streamDir(store, "LIM1").resolve("obs");
        // A whole sealed consumer (its meta.key, meta.inf and o.dat sealed) in the plain stream...
        Path whole = Files.createDirectories(obs.resolve("CX"));
        for (String f : new String[] {"meta.key", "meta.inf", "meta.sum", "o.dat"}) {
            Files.copy(sealed.resolve(f), whole.resolve(f));
        }
        // ...and a plain consumer given a key file and a sealed o.dat: its meta.inf still parses.
        Path half = obs.resolve("C1");
        Files.copy(sealed.resolve("meta.key"), half.resolve("meta.key"));
        Files.copy(sealed.resolve("o.dat"), half.resolve("o.dat"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<String, String> before = TestStores.digests(store);

        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults());

        StreamReport lim1 = report.streams().stream().filter(s -> s.name().equals("LIM1")).findFirst().orElseThrow();
        assertThat(lim1.outcome()).isIn(Outcome.RECOVERED, Outcome.REBUILT);
        assertThat(lim1.consumers()).extracting(ConsumerOutcome::name).containsExactly("C0", "C1", "CX");
        assertThat(lim1.consumers().get(0)).isInstanceOf(ConsumerOutcome.Restored.class);
        for (Path consumer : new Path[] {half, whole}) {
            ConsumerOutcome.Failed failed = (ConsumerOutcome.Failed) lim1.consumers().stream()
                    .filter(c -> c.name().equals(consumer.getFileName().toString())).findFirst().orElseThrow();
            assertThat(failed.cause().severity()).isEqualTo(Problem.Severity.FATAL);
            assertThat(failed.cause().file()).isEqualTo(consumer.resolve("meta.key"));
            assertThat(failed.cause().message()).isEqualTo("Consumer metafile in \"" + consumer
                    + "\" is encrypted (meta.key present); encrypted stores are not supported");
        }
        assertThat(report.streams()).filteredOn(s -> !s.name().equals("LIM1"))
                .allSatisfy(s -> assertThat(s.outcome()).isIn(Outcome.RECOVERED, Outcome.REBUILT));
        assertThat(TestStores.digests(store)).isEqualTo(before);
    }

    @Test
    void withAnotherKeyEveryStreamFailsNamingItsMetaKeyAndNothingIsDecodedFromGarbage() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.10.27-chacha", tmp);

        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults().withKey(StoreKey.ofText("not the key")));

        assertThat(report.streams()).hasSize(4).allSatisfy(s -> {
            assertThat(s.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(s.state()).isNull();
            assertThat(s.problems()).singleElement().satisfies(p -> {
                assertThat(p.severity()).isEqualTo(Problem.Severity.FATAL);
                assertThat(p.file()).isEqualTo(store.resolve("jetstream/$G/streams").resolve(s.name()).resolve("meta.key"));
                assertThat(p.message()).contains("XChaCha20-Poly1305 authentication tag mismatch")
                        .contains("not the key this store was encrypted with");
            });
        });
    }

    @Test
    void aChangedEncryptedIndexDbIsRebuiltFromTheBlocksAndAChangedOdatFailsOnlyItsConsumer() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-chacha", tmp);
        Path lim = store.resolve("jetstream/$G/streams/LIM1");
        flipByte(lim.resolve("obs/C0/o.dat"), 30);
        // index.db: a byte of the sealed body with its trailer recomputed would need the stream key; a
        // flipped byte fails the trailer first, which the server also answers with a rebuild.
        flipByte(lim.resolve("msgs/index.db"), 40);
        StoreKey key = StoreKey.ofText(Fixtures.key("nats-2.15.1-chacha").orElseThrow());

        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults().withKey(key));

        StreamReport s = report.streams().stream().filter(r -> r.name().equals("LIM1")).findFirst().orElseThrow();
        assertThat(s.outcome()).isEqualTo(Outcome.REBUILT);
        assertThat(s.state().messages()).isEqualTo(294);
        assertThat(s.consumers()).filteredOn(c -> c.name().equals("C0")).singleElement()
                .isInstanceOfSatisfying(ConsumerOutcome.Failed.class, f -> {
                    assertThat(f.cause().file()).isEqualTo(lim.resolve("obs/C0/o.dat"));
                    assertThat(f.cause().message()).contains("authentication tag mismatch").contains("changed or damaged");
                });
        assertThat(s.consumers()).filteredOn(c -> !c.name().equals("C0")).allSatisfy(c ->
                assertThat(c).isInstanceOf(ConsumerOutcome.Restored.class));
    }

    @Test
    void aBlockWhoseKeyFileIsGoneIsReadAsPlainAndItsCiphertextIsReportedAsDamageNotDecoded() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-aes", tmp);
        Path msgs = store.resolve("jetstream/$G/streams/LIM1/msgs");
        Files.delete(msgs.resolve("1.key"));
        TestStores.dropIndexes(store);
        StoreKey key = StoreKey.ofText(Fixtures.key("nats-2.15.1-aes").orElseThrow());

        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults().withKey(key));

        StreamReport s = report.streams().stream().filter(r -> r.name().equals("LIM1")).findFirst().orElseThrow();
        // nats-server would take the block for plaintext too (and convert it); its records do not pass
        // the checks, so nothing of it is reported as messages.
        assertThat(s.hasDamage() || s.outcome() == Outcome.FAILED).as("problems %s", s.problems()).isTrue();
        assertThat(s.problems()).anySatisfy(p -> assertThat(p.file()).isEqualTo(msgs.resolve("1.blk")));
        if (s.state() != null) {
            assertThat(s.state().messages()).isZero();
        }
    }

    @Test
    void aKeyFileOfAnImpossibleLengthFailsItsStreamNamingIt() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-chacha", tmp);
        Path metaKey = store.resolve("jetstream/$G/streams/INT1/meta.key");
        Files.write(metaKey, java.util.Arrays.copyOf(Files.readAllBytes(metaKey), 70));
        StoreKey key = StoreKey.ofText(Fixtures.key("nats-2.15.1-chacha").orElseThrow());

        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults().withKey(key));

        StreamReport s = report.streams().stream().filter(r -> r.name().equals("INT1")).findFirst().orElseThrow();
        assertThat(s.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(s.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(metaKey);
            assertThat(p.message()).contains("key file of 70 bytes").contains("72").contains("64");
        });
        assertThat(report.streams()).filteredOn(r -> !r.name().equals("INT1"))
                .allSatisfy(r -> assertThat(r.outcome()).isEqualTo(Outcome.RECOVERED));
    }

    private static void flipByte(Path file, int offset) throws Exception {
        byte[] b = Files.readAllBytes(file);
        b[offset] ^= 0x01;
        Files.write(file, b);
    }
}
