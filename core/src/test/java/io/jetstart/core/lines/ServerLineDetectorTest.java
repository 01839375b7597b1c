package io.jetstart.core.lines;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    private LineChoice detect(Path store, StoreKey key) throws Exception {
        return ServerLineDetector.detect(StoreLayout.discover(store, DiskGate.unbounded()).streams(), DiskGate.unbounded(), key);
    }

    private static StoreKey keyOf(String fixture) {
        return StoreKey.ofText(Fixtures.key(fixture).orElseThrow());
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
     * Every store in testdata, encrypted or not, read without a key: a plain one is its writer's line;
     * an encrypted one is 2.9 exactly when 2.9.10 wrote it, else the newest (its index.db version is
     * ciphertext).
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

    /** With its key, every store in testdata is its writer's line, encrypted or not. */
    @Test
    void withItsKeyEveryFixtureIsSeenAsItsWritersLine() throws Exception {
        for (String name : Fixtures.names()) {
            ServerLine writer = ServerLine.parse(Files.readString(Fixtures.root().resolve(name).resolve("server-version.txt"))
                    .replace("nats-server:", ""));
            StoreKey key = Fixtures.key(name).map(StoreKey::ofText).orElse(null);
            LineChoice c = detect(Fixtures.copyStore(name, tmp.resolve("all")), key);

            assertThat(c.line()).as("%s (written by %s, evidence %s)", name, writer, c.evidence()).isEqualTo(writer);
        }
    }

    /**
     * The version inside the smallest sealed index.db (PALL's), as the stream's open reads it: 2.10.27
     * wrote v1, 2.15.1 v4, with either cipher. The other three are not opened.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "nats-2.10.27-chacha, 2.10, 'encrypted index.db v1, opened with the key'",
            "nats-2.10.27-aes, 2.10, 'encrypted index.db v1, opened with the key'",
            "nats-2.15.1-chacha, 2.15, 'encrypted index.db v4 (2.14 or newer), opened with the key'",
            "nats-2.15.1-aes, 2.15, 'encrypted index.db v4 (2.14 or newer), opened with the key'"})
    void withTheKeyAnEncryptedStoreIsTheLineItsSealedIndexDbNames(String fixture, String line, String clue) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp);
        Map<String, String> before = Fixtures.digests(store);

        LineChoice c = detect(store, keyOf(fixture));

        assertThat(c.line()).isEqualTo(ServerLine.parse(line));
        assertThat(c.asked()).isFalse();
        assertThat(c.evidence()).containsExactly(ServerLineDetector.ENCRYPTED_INDEX_DB_NOT_OPENED + " (3 streams)",
                clue + " (1 stream)");
        assertThat(Fixtures.digests(store)).as("no byte of the store changed").isEqualTo(before);
    }

    /**
     * Only the three smallest are tried, smallest first (PALL 139 bytes, INT1 393, PSUB 407): LIM1's
     * (416 bytes), which opens, is not read, so the store is read as without a key.
     */
    @Test
    void onlyTheThreeSmallestSealedIndexDbAreTried() throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-chacha", tmp);
        List<StreamDir> streams = StoreLayout.discover(store, DiskGate.unbounded()).streams();
        assertThat(streams).extracting(StreamDir::name, StreamDir::indexDbBytes).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("PALL", 139L), org.assertj.core.groups.Tuple.tuple("INT1", 393L),
                org.assertj.core.groups.Tuple.tuple("PSUB", 407L), org.assertj.core.groups.Tuple.tuple("LIM1", 416L));
        for (String stream : List.of("PALL", "INT1", "PSUB")) {
            flipByte(store.resolve("jetstream/$G/streams/" + stream + "/msgs/index.db"), 20);
        }

        LineChoice c = ServerLineDetector.detect(streams, DiskGate.unbounded(), keyOf("nats-2.10.27-chacha"));

        assertThat(ServerLineDetector.MAX_SEALED_TRIES).isEqualTo(3);
        assertThat(c.line()).isEqualTo(ServerLine.NEWEST);
        assertThat(c.evidence()).hasSize(3);
        assertThat(c.evidence().get(0)).isEqualTo(ServerLineDetector.ENCRYPTED_INDEX_DB + " (4 streams)");
        assertThat(c.evidence().get(1)).startsWith("no encrypted index.db opened with the key: $G > PALL: ")
                .contains("checksum did not match");
    }

    /** An emptied index.db (as Fixtures.dropIndexes leaves it) is too short for any: not a try, LIM1 is still the third. */
    @Test
    void anEmptiedSealedIndexDbIsNotATry() throws Exception {
        Path store = Fixtures.copyStore("nats-2.15.1-chacha", tmp);
        Files.write(store.resolve("jetstream/$G/streams/PALL/msgs/index.db"), new byte[0]);
        flipByte(store.resolve("jetstream/$G/streams/INT1/msgs/index.db"), 20);
        flipByte(store.resolve("jetstream/$G/streams/PSUB/msgs/index.db"), 20);

        LineChoice c = detect(store, keyOf("nats-2.15.1-chacha"));

        assertThat(c.line()).isEqualTo(ServerLine.V2_15);
        // PALL's index.db is gone: its meta.inf, opened with the key, is its clue.
        assertThat(c.evidence()).containsExactly(ServerLineDetector.ENCRYPTED_INDEX_DB_NOT_OPENED + " (3 streams)",
                "encrypted index.db v4 (2.14 or newer), opened with the key (1 stream)",
                "encrypted meta.inf with allow_msg_ttl or _nats.req.level, opened with the key (2.11 or newer) (1 stream)");
    }

    /**
     * Without any index.db to open (emptied, as Fixtures.dropIndexes leaves them, or deleted), the key
     * opens each stream's meta.inf, whose key set is read as a plain one's: 2.10.27's streams are 2.10,
     * 2.15.1's 2.11 or newer (taken as 2.15). Without the key the store is the newest line.
     */
    @ParameterizedTest(name = "{0}, index.db {1}")
    @CsvSource({
            "nats-2.10.27-aes, emptied, 2.10, 'encrypted meta.inf with compression and consumer_limits only, opened with the key (2.10) (4 streams)'",
            "nats-2.10.27-chacha, deleted, 2.10, 'encrypted meta.inf with compression and consumer_limits only, opened with the key (2.10) (4 streams)'",
            "nats-2.15.1-aes, emptied, 2.15, 'encrypted meta.inf with allow_msg_ttl or _nats.req.level, opened with the key (2.11 or newer) (4 streams)'",
            "nats-2.15.1-chacha, deleted, 2.15, 'encrypted meta.inf with allow_msg_ttl or _nats.req.level, opened with the key (2.11 or newer) (4 streams)'"})
    void withTheKeyAnEncryptedStoreWhoseIndexDbAreGoneIsTheLineItsMetaInfNames(String fixture, String how, String line,
            String clue) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp);
        if (how.equals("emptied")) {
            Fixtures.dropIndexes(store);
        } else {
            deleteAll(store, "index.db");
        }

        LineChoice c = detect(store, keyOf(fixture));

        assertThat(c.line()).as("%s", c.evidence()).isEqualTo(ServerLine.parse(line));
        assertThat(c.evidence()).contains(clue);
        assertThat(detect(store).line()).as("without the key").isEqualTo(ServerLine.NEWEST);
    }

    /**
     * 2.10.27 started on the encrypted 2.9.10 store removes its .idx files and leaves its meta.inf as
     * 2.9 wrote it (measured, then killed before any index.db): a 2.9 key set without .idx names no
     * line, and the store is the newest line, as without the key.
     */
    @Test
    void anEncrypted29MetaInfWithoutIdxFilesNamesNoLine() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-chacha", tmp);
        deleteAll(store, ".idx", ".fss");

        LineChoice c = detect(store, keyOf("nats-2.9.10-chacha"));

        assertThat(c.line()).isEqualTo(ServerLine.NEWEST);
        assertThat(c.evidence()).containsExactly(ServerLineDetector.ENCRYPTED_META_LEGACY + " (2 streams)",
                "no clue names a line; the newest line assumed");
    }

    /** A wrong key opens no meta.key: the store is read as without one, and says why. */
    @Test
    void withAWrongKeyAStoreWhoseIndexDbAreGoneIsReadAsWithoutOne() throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-aes", tmp);
        deleteAll(store, "index.db");

        LineChoice c = detect(store, StoreKey.ofText("not the key"));

        assertThat(c.line()).isEqualTo(ServerLine.NEWEST);
        assertThat(c.evidence()).hasSize(2);
        assertThat(c.evidence().get(0)).startsWith("encrypted meta.inf not opened with the key: $G > INT1: ");
        assertThat(c.evidence().get(1)).isEqualTo("no readable index.db or meta.inf; the newest line assumed");
    }

    private static void flipByte(Path file, int offset) throws Exception {
        byte[] b = Files.readAllBytes(file);
        b[offset] ^= 0x01;
        Files.write(file, b);
    }

    @Test
    void aSealedIndexDbThatDoesNotOpenPassesToTheNextSmallest() throws Exception {
        Path store = Fixtures.copyStore("nats-2.15.1-aes", tmp);
        flipByte(store.resolve("jetstream/$G/streams/PALL/msgs/index.db"), 20);

        LineChoice c = detect(store, keyOf("nats-2.15.1-aes"));

        assertThat(c.line()).isEqualTo(ServerLine.V2_15);
        assertThat(c.evidence()).containsExactly(ServerLineDetector.ENCRYPTED_INDEX_DB_NOT_OPENED + " (3 streams)",
                "encrypted index.db v4 (2.14 or newer), opened with the key (1 stream)");
    }

    /** A wrong key opens no meta.key: the store is read as without a key, and says why, after a few tries only. */
    @Test
    void withAWrongKeyTheStoreIsReadAsWithoutOneAndSaysWhy() throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-aes", tmp);

        LineChoice c = detect(store, StoreKey.ofText("not the key"));

        assertThat(c.line()).isEqualTo(ServerLine.NEWEST);
        assertThat(c.evidence()).hasSize(3);
        assertThat(c.evidence().get(0)).isEqualTo(ServerLineDetector.ENCRYPTED_INDEX_DB + " (4 streams)");
        assertThat(c.evidence().get(1)).startsWith("no encrypted index.db opened with the key: $G > PALL: ");
        assertThat(c.evidence().get(2)).isEqualTo("no readable clue newer than 2.9 beside an encrypted index.db; the newest line assumed");
    }

    @Test
    void aSealedIndexDbAboveTheBoundIsNotRead() throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-chacha", tmp);
        StreamDir pall = null;
        for (StreamDir sd : StoreLayout.discover(store, DiskGate.unbounded()).streams()) {
            if (sd.name().equals("PALL")) {
                pall = sd;
            }
        }
        StreamDir large = new StreamDir(pall.account(), pall.name(), pall.dir(), pall.blockBytes(), pall.blockCount(),
                pall.hasIndexDb(), pall.consumers(), pall.encryption(), pall.msgs(), ServerLineDetector.MAX_SEALED_BYTES + 1);

        ServerLineDetector.SealedRead r = ServerLineDetector.readSealed(large, keyOf("nats-2.10.27-chacha"), DiskGate.unbounded());

        assertThat(r).isInstanceOf(ServerLineDetector.SealedRead.NotRead.class);
        assertThat(((ServerLineDetector.SealedRead.NotRead) r).why()).contains("above the " + ServerLineDetector.MAX_SEALED_BYTES);
        assertThat(ServerLineDetector.readSealed(pall, keyOf("nats-2.10.27-chacha"), DiskGate.unbounded()))
                .isEqualTo(new ServerLineDetector.SealedRead.Version(1));
    }

    /** Every sealed index.db above the bound (as discovery's stat says): none is read, the store is read as without a key. */
    @Test
    void aStoreWhoseSealedIndexDbAreAllAboveTheBoundIsReadAsWithoutAKey() throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-chacha", tmp);
        List<StreamDir> large = new java.util.ArrayList<>();
        for (StreamDir sd : StoreLayout.discover(store, DiskGate.unbounded()).streams()) {
            large.add(new StreamDir(sd.account(), sd.name(), sd.dir(), sd.blockBytes(), sd.blockCount(), sd.hasIndexDb(),
                    sd.consumers(), sd.encryption(), sd.msgs(), ServerLineDetector.MAX_SEALED_BYTES + sd.indexDbBytes()));
        }

        LineChoice c = ServerLineDetector.detect(large, DiskGate.unbounded(), keyOf("nats-2.10.27-chacha"));

        assertThat(c.line()).isEqualTo(ServerLine.NEWEST);
        assertThat(c.evidence()).containsExactly(ServerLineDetector.ENCRYPTED_INDEX_DB + " (4 streams)",
                "no encrypted index.db opened with the key: $G > PALL: index.db of " + (ServerLineDetector.MAX_SEALED_BYTES + 139)
                        + " bytes, above the " + ServerLineDetector.MAX_SEALED_BYTES + " read for its version",
                "no readable clue newer than 2.9 beside an encrypted index.db; the newest line assumed");
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
