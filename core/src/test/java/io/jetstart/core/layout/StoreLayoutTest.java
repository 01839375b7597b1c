package io.jetstart.core.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.io.CountingDiskGate;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreLayoutTest {
    private final DiskGate gate = DiskGate.unbounded();

    @TempDir
    Path tmp;

    @Test
    void eachSmallFixtureHasThreeStreamsWithTheirConsumers() throws Exception {
        for (String name : Fixtures.SMALL) {
            Path store = Fixtures.copy(name, tmp).resolve("store");
            StoreLayout layout = StoreLayout.discover(store, gate);
            assertThat(layout.jetstreamDir()).isEqualTo(store.resolve("jetstream"));
            assertThat(layout.skipped()).as(name).isEmpty();
            assertThat(layout.streams()).extracting(StreamDir::name).as(name).containsExactly("INT1", "LIM1", "MAX1");
            assertThat(layout.streams()).extracting(StreamDir::account).containsOnly("$G");
            assertThat(layout.streams()).extracting(StreamDir::consumers).as(name)
                    .containsExactly(List.of("C0", "C1"), List.of("C0", "C1"), List.of("C0"));
            assertThat(layout.streams()).extracting(StreamDir::encryption).containsOnly(Encryption.NONE);
            for (StreamDir s : layout.streams()) {
                Path blk = s.dir().resolve("msgs").resolve("1.blk");
                assertThat(s.blockCount()).as("%s %s", name, s.name()).isEqualTo(1);
                assertThat(s.blockBytes()).as("%s %s", name, s.name()).isEqualTo(Files.size(blk));
                assertThat(s.hasIndexDb()).as("%s %s", name, s.name()).isEqualTo(!name.startsWith("nats-2.9."));
            }
        }
    }

    @Test
    void theUpbenchFixtureHasTwoStreamsAndNoConsumers() throws Exception {
        StoreLayout layout = StoreLayout.discover(Fixtures.copy("nats-2.10.27-upbench", tmp).resolve("store"), gate);
        assertThat(layout.streams()).extracting(StreamDir::name).containsExactly("U1", "U2");
        assertThat(layout.streams()).allSatisfy(s -> {
            assertThat(s.consumers()).isEmpty();
            assertThat(s.hasIndexDb()).isTrue();
            assertThat(s.blockBytes()).isPositive();
        });
    }

    @Test
    void aNamedStreamIsFoundAsDiscoveryDescribesItWithTheEntriesThatSortBeforeIt() throws Exception {
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        // Another account, a hidden entry and a file: counted as listed, never looked into.
        Path other = Files.createDirectories(store.resolve("jetstream").resolve("ACC").resolve("streams"));
        Files.createDirectories(other.resolve(".LIM1"));
        Files.writeString(other.resolve("NOTE"), "x");
        StoreLayout layout = StoreLayout.discover(store, gate);
        List<StoreLayout.Found> found = StoreLayout.findNamed(store, gate, java.util.Set.of("LIM1", "ABSENT", ".LIM1"));
        assertThat(found).extracting(StoreLayout.Found::stream).containsExactly(
                layout.streams().stream().filter(s -> s.name().equals("LIM1")).findFirst().orElseThrow());
        // "$G" sorts before "ACC": INT1 only.
        assertThat(found.get(0).listedBefore()).isEqualTo(1);
        assertThat(StoreLayout.findNamed(store, gate, java.util.Set.of("NOTE", "ABSENT"))).isEmpty();
    }

    @Test
    void acceptsTheJetstreamDirectoryItself() throws Exception {
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        StoreLayout fromStoreDir = StoreLayout.discover(store, gate);
        StoreLayout fromJetstream = StoreLayout.discover(store.resolve("jetstream"), gate);
        assertThat(fromJetstream).isEqualTo(fromStoreDir);
    }

    @Test
    void namesBothPathsTriedWhenNeitherHoldsAccounts() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("not-a-store"));
        assertThatThrownBy(() -> StoreLayout.discover(empty, gate))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(empty.resolve("jetstream").toString())
                .hasMessageContaining(empty.toString());
    }

    @Test
    void hintsWhenGivenAnAccountDirectory() throws Exception {
        Path account = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store").resolve("jetstream").resolve("$G");
        assertThatThrownBy(() -> StoreLayout.discover(account, gate)).isInstanceOf(IOException.class)
                .hasMessageContaining("account directory");
    }

    @Test
    void aMissingDirectoryIsReportedWithBothPaths() {
        Path missing = tmp.resolve("missing");
        assertThatThrownBy(() -> StoreLayout.discover(missing, gate)).isInstanceOf(IOException.class)
                .hasMessageContaining(missing.resolve("jetstream").toString());
    }

    @Test
    void flagsAStreamWithChaChaKeyFiles() throws Exception {
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        Path lim1 = store.resolve("jetstream").resolve("$G").resolve("streams").resolve("LIM1");
        Files.write(lim1.resolve("meta.key"), new byte[72]);
        Files.write(lim1.resolve("msgs").resolve("1.key"), new byte[72]);
        StoreLayout layout = StoreLayout.discover(store, gate);
        StreamDir s = layout.streams().get(1);
        assertThat(s.name()).isEqualTo("LIM1");
        assertThat(s.encryption().isEncrypted()).isTrue();
        assertThat(((Encryption.Encrypted) s.encryption()).evidence()).containsExactly(
                "meta.key present (72 bytes: XChaCha20-Poly1305)", "msgs/1.key (72 bytes: XChaCha20-Poly1305)");
        assertThat(layout.streams().get(0).encryption()).isEqualTo(Encryption.NONE);
    }

    @Test
    void flagsAStreamWithOnlyAesBlockKeys() throws Exception {
        Path store = Fixtures.copy("nats-2.10.27-small", tmp).resolve("store");
        Path msgs = store.resolve("jetstream").resolve("$G").resolve("streams").resolve("MAX1").resolve("msgs");
        Files.write(msgs.resolve("3.key"), new byte[64]);
        Files.write(msgs.resolve("12.key"), new byte[64]);
        StreamDir s = StoreLayout.discover(store, gate).streams().get(2);
        assertThat(((Encryption.Encrypted) s.encryption()).evidence())
                .containsExactly("msgs/3.key (64 bytes: AES-256-GCM) and 1 more block key files");
    }

    @Test
    void passesOverNonStreamsAndSaysWhy() throws Exception {
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        Path js = store.resolve("jetstream");
        Files.createDirectories(js.resolve(".snap-staging"));
        Files.createDirectories(js.resolve("$G").resolve("streams").resolve(".LIM9"));
        Files.createDirectories(js.resolve("$G").resolve("templates").resolve("T"));
        Files.createDirectories(js.resolve("$G").resolve("__snapshots__"));
        Files.createDirectories(js.resolve("$SYS").resolve("_js_").resolve("_meta_"));
        StoreLayout layout = StoreLayout.discover(store, gate);
        assertThat(layout.streams()).extracting(StreamDir::name).containsExactly("INT1", "LIM1", "MAX1");
        List<String> paths = new ArrayList<>();
        for (String s : layout.skipped()) {
            paths.add(s.substring(0, s.indexOf(": ")));
        }
        assertThat(paths).containsExactlyInAnyOrder(".snap-staging", "$G/streams/.LIM9", "$G/templates", "$G/__snapshots__",
                "$SYS/_js_");
        assertThat(layout.skipped()).anySatisfy(s -> assertThat(s).startsWith("$SYS/_js_: ").contains("Raft"));
    }

    @Test
    void aFileOrADanglingLinkAmongTheStreamsIsPassedOverAsNotADirectory() throws Exception {
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        Path streams = store.resolve("jetstream").resolve("$G").resolve("streams");
        Files.writeString(streams.resolve("AFILE"), "not a stream");
        Files.createSymbolicLink(streams.resolve("GONE"), tmp.resolve("nowhere"));
        StoreLayout layout = StoreLayout.discover(store, gate);
        assertThat(layout.streams()).extracting(StreamDir::name).containsExactly("INT1", "LIM1", "MAX1");
        assertThat(layout.skipped()).containsExactlyInAnyOrder("$G/streams/AFILE: not a directory, not a stream",
                "$G/streams/GONE: not a directory, not a stream");
    }

    @Test
    void aStreamMissingObsOrMsgsOrWithAKeyLinkIsDescribedAsListingItsDirectoryDescribesIt() throws Exception {
        // Discovery finds the common stream without listing its directory; each of these takes
        // the listed scan, or must come out as it would.
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        Path streams = store.resolve("jetstream").resolve("$G").resolve("streams");
        Files.createDirectories(streams.resolve("NOOBS").resolve("msgs"));
        Files.createDirectories(streams.resolve("OBSFILE").resolve("msgs"));
        Files.writeString(streams.resolve("OBSFILE").resolve("obs"), "not a directory");
        Files.createDirectories(streams.resolve("NOMSGS").resolve("obs").resolve("C0"));
        Files.createDirectories(streams.resolve("KEYLINK").resolve("msgs"));
        Files.createDirectories(streams.resolve("KEYLINK").resolve("obs"));
        Files.createSymbolicLink(streams.resolve("KEYLINK").resolve("meta.key"), tmp.resolve("nowhere"));
        StoreLayout layout = StoreLayout.discover(store, gate);
        assertThat(layout.skipped()).isEmpty();
        assertThat(layout.streams()).extracting(StreamDir::name)
                .containsExactly("INT1", "KEYLINK", "LIM1", "MAX1", "NOMSGS", "NOOBS", "OBSFILE");
        StreamDir keyLink = layout.streams().get(1);
        assertThat(((Encryption.Encrypted) keyLink.encryption()).evidence()).singleElement().asString()
                .startsWith("meta.key present (-1 bytes");
        StreamDir noMsgs = layout.streams().get(4);
        assertThat(noMsgs.consumers()).containsExactly("C0");
        assertThat(noMsgs.msgs()).isNull();
        assertThat(noMsgs.blockCount()).isZero();
        for (StreamDir s : layout.streams().subList(5, 7)) {
            assertThat(s.consumers()).as(s.name()).isEmpty();
            assertThat(s.msgs()).as(s.name()).isNotNull();
            assertThat(s.encryption()).as(s.name()).isEqualTo(Encryption.NONE);
        }
    }

    @Test
    void linksInAStreamDirectoryAreFollowedOrSkippedAsTheListedScanDoes() throws Exception {
        // The look without a listing tells "obs/ not there" (a stream without consumers) from
        // "obs/ cannot be listed" (the stream is skipped with the error): a link loop is the latter,
        // for obs/, msgs/ and meta.key alike, as when the stream directory is listed and stat'ed.
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        Path streams = store.resolve("jetstream").resolve("$G").resolve("streams");
        Files.createDirectories(streams.resolve("MSGSLINK").resolve("real"));
        Files.writeString(streams.resolve("MSGSLINK").resolve("real").resolve("1.blk"), "x");
        Files.createSymbolicLink(streams.resolve("MSGSLINK").resolve("msgs"), Path.of("real"));
        Files.createDirectories(streams.resolve("MSGSDANGLING").resolve("obs").resolve("C1"));
        Files.createSymbolicLink(streams.resolve("MSGSDANGLING").resolve("msgs"), tmp.resolve("nowhere"));
        Files.createDirectories(streams.resolve("OBSTOFILE").resolve("msgs"));
        Files.writeString(streams.resolve("OBSTOFILE").resolve("f"), "x");
        Files.createSymbolicLink(streams.resolve("OBSTOFILE").resolve("obs"), Path.of("f"));
        Files.createDirectories(streams.resolve("OBSDANGLINGC").resolve("msgs"));
        Files.createDirectories(streams.resolve("OBSDANGLINGC").resolve("obs"));
        Files.createSymbolicLink(streams.resolve("OBSDANGLINGC").resolve("obs").resolve("C2"), tmp.resolve("nowhere"));
        for (String loop : List.of("obs", "msgs", "meta.key")) {
            Path s = Files.createDirectories(streams.resolve("LOOP-" + loop));
            Files.createDirectories(s.resolve("msgs"));
            Files.deleteIfExists(s.resolve(loop));
            Files.createSymbolicLink(s.resolve(loop), Path.of(loop));
        }
        StoreLayout layout = StoreLayout.discover(store, gate);
        assertThat(layout.streams()).extracting(StreamDir::name)
                .containsExactly("INT1", "LIM1", "MAX1", "MSGSDANGLING", "MSGSLINK", "OBSDANGLINGC", "OBSTOFILE");
        assertThat(layout.skipped()).hasSize(4);
        assertThat(layout.skipped().get(0)).startsWith("$G/streams/LOOP-meta.key: cannot be listed: java.nio.file.FileSystemException: ");
        assertThat(layout.skipped().get(1)).startsWith("$G/streams/LOOP-msgs: cannot be listed: java.nio.file.FileSystemException: ");
        assertThat(layout.skipped().get(2)).startsWith("$G/streams/LOOP-obs: cannot be listed: java.nio.file.FileSystemException: ");
        assertThat(layout.skipped().get(3)).isEqualTo("$G/streams/OBSDANGLINGC/obs/C2: not a directory, not a consumer");
        StreamDir dangling = layout.streams().get(3);
        assertThat(dangling.msgs()).isNull();
        assertThat(dangling.consumers()).containsExactly("C1");
        StreamDir linked = layout.streams().get(4);
        assertThat(linked.blockCount()).isEqualTo(1);
        assertThat(linked.msgs().blocks()).containsExactly(1L);
        assertThat(layout.streams().get(5).consumers()).isEmpty();
        assertThat(layout.streams().get(6).consumers()).isEmpty();
        assertThat(layout.streams()).allSatisfy(s -> assertThat(s.encryption()).isEqualTo(Encryption.NONE));
    }

    @Test
    void aListingStatsOnlyTheEntriesAskedFor() throws Exception {
        Files.writeString(tmp.resolve("meta.inf"), "{}");
        Files.createDirectories(tmp.resolve("msgs"));
        DirListing listing = DirListing.of(tmp, gate, name -> name.equals("msgs"));
        assertThat(listing.entries()).extracting(DirListing.Entry::name).containsExactly("meta.inf", "msgs");
        assertThat(listing.find("msgs").directory()).isTrue();
        assertThat(listing.find("meta.inf").size()).isEqualTo(-1);
        assertThat(DirListing.of(tmp, gate).find("meta.inf").size()).isEqualTo(2);
    }

    @Test
    void aListingOfAFileOrOfNothingFailsAsTheDirectoryStreamFails() throws Exception {
        Path file = Files.writeString(tmp.resolve("meta.inf"), "{}");
        assertThatThrownBy(() -> DirListing.of(file, gate)).isInstanceOf(java.nio.file.NotDirectoryException.class);
        assertThatThrownBy(() -> DirListing.of(tmp.resolve("gone"), gate)).isInstanceOf(java.nio.file.NoSuchFileException.class);
        Files.createDirectories(tmp.resolve("d"));
        Files.writeString(tmp.resolve("d").resolve(".hidden"), "x");
        assertThat(DirListing.of(tmp.resolve("d"), gate).entries()).extracting(DirListing.Entry::name).containsExactly(".hidden");
        assertThat(DirListing.of(tmp.resolve("d"), gate).entries().get(0).path()).isEqualTo(tmp.resolve("d").resolve(".hidden"));
        // A non-ASCII name names its entry, whichever way it was listed (PlainFileNames).
        Files.createDirectories(tmp.resolve("d").resolve("Str\u00f6m"));
        DirListing.Entry e = DirListing.of(tmp.resolve("d"), gate).find("Str\u00f6m");
        assertThat(e.directory()).isTrue();
        assertThat(Files.isDirectory(e.path())).isTrue();
    }

    @Test
    void ordersAccountsAndStreamsByName() throws Exception {
        Path js = tmp.resolve("jetstream");
        for (String account : List.of("B", "A")) {
            for (String stream : List.of("z", "Y", "a")) {
                Files.createDirectories(js.resolve(account).resolve("streams").resolve(stream));
            }
        }
        StoreLayout layout = StoreLayout.discover(tmp, gate);
        assertThat(layout.streams()).extracting(s -> s.account() + "/" + s.name())
                .containsExactly("A/Y", "A/a", "A/z", "B/Y", "B/a", "B/z");
    }

    @Test
    void sortsNamesByUtf8BytesAsGoDoes() {
        // U+FB01 encodes as EF AC 81, U+1F600 as F0 9F 98 80: Go puts U+FB01 first; String.compareTo does not.
        String ligature = "\uFB01";
        String emoji = new String(Character.toChars(0x1F600));
        assertThat(ligature.compareTo(emoji)).isPositive();
        assertThat(DirListing.GO_ORDER.compare(ligature, emoji)).isNegative();
    }

    @Test
    void theInPlaceComparisonAgreesWithComparingUtf8Bytes() {
        long seed = 6_1125L;
        java.util.Random r = new java.util.Random(seed);
        String pool = "aAzZ09._-~\u007f\u0080\u00e9\uFB01\uD83D\uDE00\uD800";
        for (int i = 0; i < 50_000; i++) {
            String a = randomName(r, pool);
            String b = r.nextInt(4) == 0 ? a + randomName(r, pool) : randomName(r, pool);
            int want = Integer.signum(java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    b.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(Integer.signum(DirListing.GO_ORDER.compare(a, b))).as("seed %d: %s vs %s", seed, a, b).isEqualTo(want);
        }
    }

    private static String randomName(java.util.Random r, String pool) {
        StringBuilder sb = new StringBuilder();
        for (int n = r.nextInt(6); n > 0; n--) {
            sb.append(pool.charAt(r.nextInt(pool.length())));
        }
        return sb.toString();
    }

    @Test
    void blockAndKeyNamesAreRecognisedAsThePatternDigitsDotSuffix() {
        java.util.regex.Pattern blk = java.util.regex.Pattern.compile("[0-9]+\\.blk");
        for (String name : List.of("1.blk", "0.blk", "0012.blk", "4294967296.blk", ".blk", "a.blk", "1a.blk", "1.blkx",
                "1.BLK", "1.key", "blk", "", "1.blk.tmp", "\u0661.blk", "-1.blk", "1..blk", " 1.blk")) {
            assertThat(LayoutScanner.isDigitsThen(name, ".blk")).as(name).isEqualTo(blk.matcher(name).matches());
        }
        assertThat(LayoutScanner.isDigitsThen("7.key", ".key")).isTrue();
        assertThat(LayoutScanner.isDigitsThen("7.blk", ".key")).isFalse();
    }

    @Test
    void listsEachDirectoryOnceThroughTheGate() throws Exception {
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        CountingDiskGate counting = new CountingDiskGate(4);
        StoreLayout layout = StoreLayout.discover(store, counting);
        // locate + jetstream/ + $G/ + $G/streams/ + (stream dir, msgs/, obs/) per stream
        assertThat(counting.operations()).isEqualTo(4 + 3L * layout.streams().size());
    }
}
