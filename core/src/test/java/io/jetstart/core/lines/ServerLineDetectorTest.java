package io.jetstart.core.lines;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerLineDetectorTest {
    @TempDir
    Path tmp;

    private LineChoice detect(Path store) throws Exception {
        return ServerLineDetector.detect(StoreLayout.discover(store, DiskGate.unbounded()).streams(), DiskGate.unbounded());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "nats-2.9.10-small, 2.9, meta.inf without compression and consumer_limits (2.9) (3 streams)",
            "nats-2.10.27-small, 2.10, index.db v1 (3 streams)",
            "nats-2.15.1-small, 2.15, index.db v4 (2.14 or newer) (3 streams)",
            "nats-2.10.27-lines, 2.10, index.db v1 (4 streams)",
            "nats-2.15.1-lines, 2.15, index.db v4 (2.14 or newer) (4 streams)",
            "nats-2.9.10-chacha, 2.9, encrypted msgs/ with .idx files and no index.db (2.9) (2 streams)"})
    void eachRealStoreIsSeenAsTheLineThatWroteIt(String fixture, String line, String evidence) throws Exception {
        LineChoice c = detect(Fixtures.copyStore(fixture, tmp));

        assertThat(c.line()).isEqualTo(ServerLine.parse(line));
        assertThat(c.asked()).isFalse();
        assertThat(c.evidence()).containsExactly(evidence);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "nats-2.10.27-small, 2.10, meta.inf with compression and consumer_limits only (2.10) (3 streams)",
            "nats-2.15.1-small, 2.15, meta.inf with allow_msg_ttl or _nats.req.level (2.11 or newer) (3 streams)"})
    void withoutIndexDbTheMetaKeySetDecides(String fixture, String line, String evidence) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp);
        Fixtures.dropIndexes(store);

        LineChoice c = detect(store);

        assertThat(c.line()).isEqualTo(ServerLine.parse(line));
        assertThat(c.evidence()).containsExactly(evidence);
    }

    /**
     * Every store in testdata, encrypted or not: a plain one is its writer's line; an encrypted one
     * is 2.9 exactly when 2.9.10 wrote it, else the newest (its index.db version is ciphertext).
     */
    @Test
    void everyFixtureIsSeenAsItsWritersLineOrNewerAndAs29OnlyWhen29WroteIt() throws Exception {
        List<String> names = Fixtures.names();
        assertThat(names).contains("nats-2.9.10-chacha", "nats-2.10.27-chacha", "nats-2.15.1-aes");
        for (String name : names) {
            ServerLine writer = ServerLine.parse(Files.readString(Fixtures.root().resolve(name).resolve("server-version.txt"))
                    .replace("nats-server:", ""));
            boolean encrypted = Fixtures.key(name).isPresent();
            LineChoice c = detect(Fixtures.copyStore(name, tmp.resolve("all")));

            ServerLine expected = !encrypted || writer == ServerLine.V2_9 ? writer : ServerLine.NEWEST;
            assertThat(c.line()).as("%s (written by %s, evidence %s)", name, writer, c.evidence()).isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"nats-2.10.27-chacha", "nats-2.10.27-aes", "nats-2.15.1-chacha", "nats-2.15.1-aes"})
    void anEncrypted210PlusStoreIsTheNewestLineByItsEncryptedIndexDb(String fixture) throws Exception {
        LineChoice c = detect(Fixtures.copyStore(fixture, tmp));

        assertThat(c.line()).isEqualTo(ServerLine.NEWEST);
        assertThat(c.evidence()).containsExactly(ServerLineDetector.ENCRYPTED_INDEX_DB + " (4 streams)",
                "no readable clue newer than 2.9 beside an encrypted index.db; the newest line assumed");
    }

    /**
     * Measured with the real servers (both ciphers, also after a kill -9): an encrypted 2.10.27 or
     * 2.15.1 stream has only its blocks and key files until its first index.db, and 2.10.27 or 2.15.1
     * started on the encrypted 2.9.10 store remove every .idx at once. Neither shape is 2.9.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"nats-2.10.27-chacha", "nats-2.15.1-aes", "nats-2.9.10-chacha"})
    void anEncryptedStoreWithNeitherIndexDbNorIdxIsTheNewestLine(String fixture) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp);
        deleteAll(store, "index.db", ".idx", ".fss");

        LineChoice c = detect(store);

        assertThat(c.line()).isEqualTo(ServerLine.NEWEST);
        assertThat(c.evidence()).containsExactly("no readable index.db or meta.inf; the newest line assumed");
    }

    @Test
    void anEncryptedIndexDbBesideEncrypted29StreamsKeepsTheStoreOffThe29Line() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-chacha", tmp);
        Path lim1 = store.resolve("jetstream/$G/streams/LIM1/msgs");
        deleteAll(lim1, ".idx", ".fss");
        Files.write(lim1.resolve("index.db"), new byte[] {(byte) 0x9d, 0x42, 0x17});

        LineChoice c = detect(store);

        assertThat(c.line()).isEqualTo(ServerLine.NEWEST);
        assertThat(c.evidence()).containsExactly(ServerLineDetector.ENCRYPTED_INDEX_DB + " (1 stream)",
                ServerLineDetector.ENCRYPTED_LEGACY_INDEX + " (1 stream)",
                "no readable clue newer than 2.9 beside an encrypted index.db; the newest line assumed");
    }

    /**
     * What jetstart's runtime leaves in an encrypted 2.9 store it served: its sealed index.db (v1,
     * the version it falls back to when it cannot read the store's own) beside the stream's .idx
     * files, which it keeps. The plain store it served is 2.10 by that v1; the encrypted one is too,
     * and 2.10.27 and 2.15.1 report the same state on it (EncryptedStoreLineOnServerIT).
     */
    @Test
    void anEncrypted29StreamWithTheRuntimesIndexDbBesideItsIdxFilesIs210() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-chacha", tmp);
        Files.write(store.resolve("jetstream/$G/streams/DEL/msgs/index.db"), new byte[] {(byte) 0x9d, 0x42, 0x17});

        LineChoice c = detect(store);

        assertThat(c.line()).isEqualTo(ServerLine.V2_10);
        assertThat(c.evidence()).containsExactly(ServerLineDetector.ENCRYPTED_INDEX_DB_BESIDE_LEGACY + " (1 stream)",
                ServerLineDetector.ENCRYPTED_LEGACY_INDEX + " (1 stream)");
    }

    @Test
    void anIndexDbAloneNextToTheRuntimesOneDoesNotLiftTheStorePast210() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-chacha", tmp);
        Files.write(store.resolve("jetstream/$G/streams/DEL/msgs/index.db"), new byte[] {(byte) 0x9d, 0x42, 0x17});
        Path lim1 = store.resolve("jetstream/$G/streams/LIM1/msgs");
        deleteAll(lim1, ".idx", ".fss");
        Files.write(lim1.resolve("index.db"), new byte[] {0x31, 0x07, 0x55});

        LineChoice c = detect(store);

        // LIM1 looks like a stream the runtime created (index.db only); the runtime wrote it as v1 too.
        assertThat(c.line()).isEqualTo(ServerLine.V2_10);
        assertThat(c.evidence()).containsExactly(ServerLineDetector.ENCRYPTED_INDEX_DB + " (1 stream)",
                ServerLineDetector.ENCRYPTED_INDEX_DB_BESIDE_LEGACY + " (1 stream)");
    }

    @Test
    void aReadableNewerClueWinsOverAnEncrypted29Stream() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-chacha", tmp);
        Fixtures.copyTree(Fixtures.root().resolve("nats-2.10.27-small/store/jetstream/$G/streams/MAX1"),
                store.resolve("jetstream/$G/streams/MAX1"));

        LineChoice c = detect(store);

        assertThat(c.line()).isEqualTo(ServerLine.V2_10);
        assertThat(c.evidence()).containsExactly(ServerLineDetector.ENCRYPTED_LEGACY_INDEX + " (2 streams)",
                "index.db v1 (1 stream)");
    }

    private static void deleteAll(Path dir, String... suffixes) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                for (String suffix : suffixes) {
                    if (f.getFileName().toString().endsWith(suffix)) {
                        Files.delete(f);
                    }
                }
            }
        }
    }

    @Test
    void aStoreWithNoStreamIsTakenAsTheNewestLineAndSaysSo() throws Exception {
        LineChoice c = ServerLineDetector.detect(List.of(), DiskGate.unbounded());

        assertThat(c.line()).isEqualTo(ServerLine.NEWEST);
        assertThat(c.evidence()).containsExactly("no readable index.db or meta.inf; the newest line assumed");
    }

    @Test
    void askingForALineKeepsWhatTheFilesSaid() throws Exception {
        LineChoice c = detect(Fixtures.copyStore("nats-2.10.27-small", tmp)).askedFor(ServerLine.V2_15);

        assertThat(c.line()).isEqualTo(ServerLine.V2_15);
        assertThat(c.asked()).isTrue();
        assertThat(c.evidence()).containsExactly("index.db v1 (3 streams)");
    }

    @Test
    void aStreamSurelyInTheSampleBoundsTheStoresLineFromBelowByItsOwnClue() throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-small", tmp);
        var lim1 = StoreLayout.discover(store, DiskGate.unbounded()).streams().get(1);

        assertThat(ServerLineDetector.lowestFor(lim1, 1, DiskGate.unbounded())).isEqualTo(ServerLine.V2_10);
        assertThat(ServerLineDetector.lowestFor(lim1, ServerLineDetector.MAX_STREAMS - 1, DiskGate.unbounded()))
                .isEqualTo(ServerLine.V2_10);
        // Maybe outside the detector's sample: its clue need not count.
        assertThat(ServerLineDetector.lowestFor(lim1, ServerLineDetector.MAX_STREAMS, DiskGate.unbounded())).isNull();
    }
}
