package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.CountingDiskGate;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.io.MsgsListing;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A discovered stream opens from discovery's listing of {@code msgs/}: one listing fewer per stream,
 * and a rebuild of a store without 2.9 {@code .idx} files tries no {@code .idx} per block, with the
 * same state and problems as an open that lists for itself.
 */
class DiscoveredListingTest {
    @TempDir
    Path tmp;

    private record Opened(StreamStore store, long operations) {
    }

    private static Opened open(StreamDir sd, boolean fromDiscovery) throws Exception {
        CountingDiskGate gate = new CountingDiskGate(4);
        StoreContext ctx = new StoreContext(gate, new BlockBuffers(1), BlockWork.sequential(), RecordHashSource.chosen(),
                () -> 0L, StoreContext.ScanProgress.NONE);
        StreamConfig config = MetaFiles.readStream(sd.dir(), DiskGate.unbounded(), StreamKeys.PLAIN).config();
        StreamStore s = fromDiscovery
                ? StreamOpener.open(sd, config, ctx, ServerLine.NEWEST, StreamKeys.PLAIN)
                : StreamOpener.open(sd.account(), sd.name(), sd.dir(), config, ctx, ServerLine.NEWEST, StreamKeys.PLAIN);
        return new Opened(s, gate.operations());
    }

    private static void assertSameOpen(StreamStore a, StreamStore b) {
        assertThat(a.source()).isEqualTo(b.source());
        assertThat(a.state()).usingRecursiveComparison()
                .withEqualsForType(DeletedSequences::equals, DeletedSequences.class).isEqualTo(b.state());
        assertThat(a.problems()).isEqualTo(b.problems());
    }

    @Test
    void aDiscoveredStreamOnTheFastPathIsNotListedAgain() throws Exception {
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        List<StreamDir> streams = StoreLayout.discover(store, DiskGate.unbounded()).streams();
        int fast = 0;
        for (StreamDir sd : streams) {
            Opened listed = open(sd, false);
            Opened given = open(sd, true);
            assertSameOpen(given.store(), listed.store());
            if (listed.store().source() == Source.INDEX) {
                fast++;
                assertThat(given.operations()).as(sd.name()).isEqualTo(listed.operations() - 1);
            }
        }
        assertThat(fast).isPositive();
    }

    @Test
    void aRebuildWithoutIdxFilesTriesNoIdxWhileOneIdxMakesEveryBlockLookForItsOwn() throws Exception {
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        Fixtures.dropIndexes(store);
        Path stray = tmp.resolve("stray");
        Path strayStore = Fixtures.copyStore("nats-2.15.1-small", stray);
        Fixtures.dropIndexes(strayStore);
        List<StreamDir> plain = StoreLayout.discover(store, DiskGate.unbounded()).streams();
        for (StreamDir sd : plain) {
            assertThat(sd.msgs().hasLegacyIndexes()).isFalse();
            Opened listed = open(sd, false);
            Opened given = open(sd, true);
            assertSameOpen(given.store(), listed.store());
            assertThat(given.store().source()).isEqualTo(Source.REBUILT);
            assertThat(listed.operations()).as(sd.name()).isEqualTo(given.operations() + 1);

            // The same stream with a stray (undecodable) .idx beside its first block: every block
            // now tries its own .idx, as every block of every stream did before the listing said
            // that none exists.
            Path otherDir = strayStore.resolve("jetstream").resolve(sd.account()).resolve("streams").resolve(sd.name());
            long first = sd.msgs().blocks().get(0);
            Files.write(otherDir.resolve("msgs").resolve(first + ".idx"), new byte[] {1, 2, 3});
            StreamDir other = StoreLayout.discover(strayStore, DiskGate.unbounded()).streams().stream()
                    .filter(d -> d.name().equals(sd.name())).findFirst().orElseThrow();
            assertThat(other.msgs().hasLegacyIndexes()).isTrue();
            Opened withIdx = open(other, true);
            assertThat(withIdx.operations() - given.operations()).as(sd.name()).isEqualTo(sd.msgs().blocks().size());
            assertThat(withIdx.store().problems()).anySatisfy(p -> assertThat(p.message()).contains("legacy index ignored"));
        }
    }

    @Test
    void aDiscovered29StreamStillTrustsItsIdxFiles() throws Exception {
        Path store = Fixtures.copy("nats-2.9.10-small", tmp).resolve("store");
        List<StreamDir> streams = StoreLayout.discover(store, DiskGate.unbounded()).streams();
        int withIdx = 0;
        for (StreamDir sd : streams) {
            Opened listed = open(sd, false);
            Opened given = open(sd, true);
            assertSameOpen(given.store(), listed.store());
            if (sd.msgs() != null && sd.msgs().hasLegacyIndexes()) {
                withIdx++;
            }
        }
        assertThat(withIdx).isPositive();
    }

    @Test
    void aDiscoveredStreamWithoutIndexDbRebuildsWithoutTryingToOpenIt() throws Exception {
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        try (var files = Files.walk(store)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("index.db")).toList()) {
                Files.delete(f);
            }
        }
        List<StreamDir> streams = StoreLayout.discover(store, DiskGate.unbounded()).streams();
        for (StreamDir sd : streams) {
            assertThat(sd.msgs().hasIndexDb()).isFalse();
            Opened listed = open(sd, false);
            Opened given = open(sd, true);
            assertSameOpen(given.store(), listed.store());
            assertThat(given.store().source()).isEqualTo(Source.REBUILT);
            // Neither the index.db open (a NoSuchFileException before) nor the listing.
            assertThat(listed.operations()).as(sd.name()).isEqualTo(given.operations() + 2);
        }
    }

    @Test
    void theListingKeepsBlockNamesInIndexOrderAndNoticesIndexDbAndIdxFiles() {
        MsgsListing l = MsgsListing.of(List.of("10.blk", "index.db", "2.blk", "0.blk", "x.blk", "3.key", "1.blk", "99999999999.blk"));
        assertThat(l.blocks()).containsExactly(1L, 2L, 10L);
        assertThat(l.hasIndexDb()).isTrue();
        assertThat(l.hasLegacyIndexes()).isFalse();
        MsgsListing old = MsgsListing.of(List.of("1.blk", "1.idx", "1.fss"));
        assertThat(old.hasLegacyIndexes()).isTrue();
        assertThat(old.hasIndexDb()).isFalse();
        assertThat(l.blockLookalikes()).isEmpty();
    }

    @Test
    void namesNatsServer210TakesForABlockAreNotBlocksButAreNoticed() {
        MsgsListing l = MsgsListing.of(List.of("177.blk.123.tmp", "177.blk", ".177.blk.5.tmp", "5.blk.bak", "x.blk.y", "0.blk.z",
                "index.db.9.tmp"));
        assertThat(l.blocks()).containsExactly(177L);
        assertThat(l.blockLookalikes()).containsExactly("177.blk.123.tmp", "5.blk.bak");
    }
}
