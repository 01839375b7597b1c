package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.write.GeneratorSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipelined start ({@link PipelinedStart}) run without a key on a mixed store: the plain
 * streams of one line, listed first, and encrypted ones found after the line detector's sample. An
 * encrypted stream's clue (its {@code msgs/} listing) can lift a line the plain streams say; the
 * pipelined start must not decide the line before it has seen them, and reports what the sequential
 * plain start reports.
 *
 * <p>The plain streams, account {@code #P} (listed before {@code $G}: discovery lists accounts in
 * byte order): 40 generated streams made to look as 2.9.10 leaves them (no {@code index.db}, a
 * {@code meta.inf} without {@code compression} and {@code consumer_limits}). The encrypted ones, in
 * {@code $G}, are a real server's, copied from a fixture. Such a store is what a server without a
 * key leaves (nats-server loads no encrypted stream without its key, and leaves its files be), or a
 * stream copied in; a server started with the key would have encrypted the plain streams.
 */
class PipelinedStartMixedStoreTest {
    static final GeneratorSpec SPEC = GeneratorSpec.of(40, 5, 32).withConsumers(1);

    @Test
    void encryptedIndexDbAfterTheSampleOfPlain29StreamsTakesTheStoreAsTheNewestLineInBothStarts(
            @TempDir(factory = TestStores.FastTempDir.class) Path dir) throws Exception {
        plain29Streams(dir);
        copyEncryptedStreams("nats-2.10.27-chacha", dir);

        RecoveryReport plain = StoreRecovery.recover(dir, RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL));
        RecoveryReport pipelined = StoreRecovery.recover(dir, RecoveryOptions.defaults());

        // A 2.10+ server wrote the sealed index.db files: the store is never taken as 2.9 (docs/compatibility.md).
        assertThat(plain.serverLine().line()).as("evidence %s", plain.serverLine().evidence()).isEqualTo(ServerLine.NEWEST);
        assertThat(plain.serverLine().evidence()).contains(
                "meta.inf without compression and consumer_limits (2.9) (32 streams)",
                "encrypted index.db (2.10 or newer, its version unreadable) (4 streams)");
        assertThat(pipelined.serverLine()).isEqualTo(plain.serverLine());
        assertThat(SaidReports.said(pipelined)).isEqualTo(SaidReports.said(plain));
        assertThat(pipelined.streams()).hasSize(SPEC.streams() + 4);

        // With the key the sealed index.db says which 2.10+ server wrote it: 2.10.27's v1.
        io.jetstart.core.crypto.StoreKey key = io.jetstart.core.crypto.StoreKey.ofText(Fixtures.key("nats-2.10.27-chacha").orElseThrow());
        RecoveryReport plainWithKey = StoreRecovery.recover(dir,
                RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL).withKey(key));
        RecoveryReport pipelinedWithKey = StoreRecovery.recover(dir, RecoveryOptions.defaults().withKey(key));
        assertThat(plainWithKey.serverLine().line()).isEqualTo(ServerLine.V2_10);
        assertThat(SaidReports.said(pipelinedWithKey)).isEqualTo(SaidReports.said(plainWithKey));
    }

    @Test
    void encrypted29StreamsAfterTheSampleOfPlain29StreamsLeaveTheStoreAt29InBothStarts(
            @TempDir(factory = TestStores.FastTempDir.class) Path dir) throws Exception {
        plain29Streams(dir);
        copyEncryptedStreams("nats-2.9.10-chacha", dir);

        RecoveryReport plain = StoreRecovery.recover(dir, RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL));
        RecoveryReport pipelined = StoreRecovery.recover(dir, RecoveryOptions.defaults());

        assertThat(plain.serverLine().line()).isEqualTo(ServerLine.V2_9);
        assertThat(plain.serverLine().evidence()).contains("encrypted msgs/ with .idx files and no index.db (2.9) (2 streams)");
        assertThat(pipelined.serverLine()).isEqualTo(plain.serverLine());
        assertThat(SaidReports.said(pipelined)).isEqualTo(SaidReports.said(plain));
    }

    /**
     * A line of 2.10 or newer read from the plain sample stays whatever encrypted stream follows, so
     * the pipelined start still decides it early; the evidence is counted over every stream, as the
     * plain start counts it.
     */
    @Test
    void aPlainSampleOf210StaysTheLineAndTheEvidenceCountsTheEncryptedStreamsFoundAfterIt(
            @TempDir(factory = TestStores.FastTempDir.class) Path dir) throws Exception {
        TestStores.generate(dir, SPEC.withAccount("#P").withIndexVersion(1));
        copyEncryptedStreams("nats-2.15.1-aes", dir);

        RecoveryReport plain = StoreRecovery.recover(dir, RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL));
        RecoveryReport pipelined = StoreRecovery.recover(dir, RecoveryOptions.defaults());

        assertThat(plain.serverLine().line()).isEqualTo(ServerLine.V2_10);
        assertThat(plain.serverLine().evidence()).contains("encrypted index.db (2.10 or newer, its version unreadable) (4 streams)");
        assertThat(pipelined.serverLine()).isEqualTo(plain.serverLine());
        assertThat(SaidReports.said(pipelined)).isEqualTo(SaidReports.said(plain));
    }

    /** {@link #SPEC}'s streams in account {@code #P}, as 2.9 writes them: no index.db, no 2.10 keys in meta.inf. */
    private static void plain29Streams(Path dir) throws Exception {
        TestStores.generate(dir, SPEC.withAccount("#P"));
        Path streams = dir.resolve("jetstream").resolve("#P").resolve("streams");
        for (int i = 1; i <= SPEC.streams(); i++) {
            String name = "S" + i;
            Path sd = streams.resolve(name);
            Files.delete(sd.resolve("msgs").resolve("index.db"));
            String meta = Files.readString(sd.resolve(MetaFiles.META_INF), StandardCharsets.UTF_8);
            String legacy = meta.replace(",\"compression\":\"none\"", "").replace(",\"consumer_limits\":{}", "");
            assertThat(legacy).doesNotContain("compression").doesNotContain("consumer_limits");
            MetaFiles.writeStream(sd, name, legacy.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Every stream of {@code fixture} (a real server's, encrypted) into account {@code $G}. */
    private static void copyEncryptedStreams(String fixture, Path dir) throws Exception {
        Path from = Fixtures.root().resolve(fixture).resolve("store/jetstream/$G/streams");
        try (var names = Files.list(from)) {
            for (Path s : names.toList()) {
                Fixtures.copyTree(s, dir.resolve("jetstream/$G/streams").resolve(s.getFileName().toString()));
            }
        }
    }
}
