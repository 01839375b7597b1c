package io.jetstart.core.layout;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.testing.Fixtures;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StoreLayout#findSmall}: the small streams found before discovery are described as
 * discovery describes them, and never hold more than the share of the store's block bytes that
 * discovery's totals allow. Large blocks are sparse files: only their sizes are read.
 */
class FindSmallTest {
    static final long MAX = 32L << 20;
    private final DiskGate gate = DiskGate.unbounded();

    @TempDir
    Path tmp;

    private static Path streams(Path store) {
        return store.resolve("jetstream").resolve("$G").resolve("streams");
    }

    /** A stream directory with {@code msgs/} holding blocks of these sizes (sparse files). */
    private static void stream(Path streams, String name, long... blockSizes) throws Exception {
        Path msgs = Files.createDirectories(streams.resolve(name).resolve("msgs"));
        Files.writeString(streams.resolve(name).resolve("meta.inf"), "{}");
        for (int i = 0; i < blockSizes.length; i++) {
            try (RandomAccessFile f = new RandomAccessFile(msgs.resolve((i + 1) + ".blk").toFile(), "rw")) {
                f.setLength(blockSizes[i]);
            }
        }
    }

    private static long[] blocks(int n, long size) {
        long[] out = new long[n];
        java.util.Arrays.fill(out, size);
        return out;
    }

    private static StreamDir discovered(StoreLayout layout, String name) {
        for (StreamDir sd : layout.streams()) {
            if (sd.name().equals(name)) {
                return sd;
            }
        }
        throw new AssertionError("no stream " + name);
    }

    @Test
    void aSmallStreamBesideLargeOnesIsFoundAsDiscoveryDescribesItWithTheEntriesBeforeIt() throws Exception {
        Path store = tmp.resolve("store");
        Path streams = streams(store);
        stream(streams, "BIG1", blocks(40, 8L << 20));
        stream(streams, "BIG2", blocks(40, 8L << 20));
        stream(streams, "ZSMALL", 1350);
        Files.writeString(streams.resolve("NOTE"), "not a stream");

        StoreLayout.Small small = StoreLayout.findSmall(store, gate, Set.of(), MAX, 1);
        StoreLayout layout = StoreLayout.discover(store, gate);

        assertThat(small.streams()).hasSize(1);
        StreamDir found = small.streams().get(0).stream();
        StreamDir expected = discovered(layout, "ZSMALL");
        assertThat(found).usingRecursiveComparison().isEqualTo(expected);
        // BIG1, BIG2 and NOTE sort before it.
        assertThat(small.streams().get(0).listedBefore()).isEqualTo(3);
        assertThat(small.bytes()).isEqualTo(1350);
        assertThat(small.seen()).isEqualTo(3);
    }

    @Test
    void aStreamIsChosenOnceAFewBlocksOfTheOthersCoverItsShareNotAfterEveryStat() throws Exception {
        Path store = tmp.resolve("store");
        Path streams = streams(store);
        // 70 blocks each: more than the stats allowed for whole streams, so single blocks are stat'ed.
        stream(streams, "A", blocks(70, 8L << 20));
        stream(streams, "B", blocks(70, 8L << 20));
        stream(streams, "C", 4096);
        List<Integer> ops = new ArrayList<>();
        DiskGate counting = new DiskGate() {
            @Override
            public <T> T run(Io<T> io) throws java.io.IOException {
                ops.add(1);
                return io.call();
            }
        };

        StoreLayout.Small small = StoreLayout.findSmall(store, counting, Set.of(), MAX, 1);

        assertThat(small.streams()).extracting(f -> f.stream().name()).containsExactly("C");
        // The store's look, its two listings, 3 per stream, C's own scan (3) and one block of B:
        // not a stat of every block (one operation each).
        assertThat(ops.size()).isEqualTo(16);
    }

    @Test
    void nothingIsChosenWhenTheShareCannotBeCertainStreamsOfOneSizeOrEmptyOnes() throws Exception {
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        assertThat(StoreLayout.findSmall(store, gate, Set.of(), MAX, 1).streams()).isEmpty();

        Path empty = tmp.resolve("empty");
        stream(streams(empty), "E1");
        stream(streams(empty), "E2");
        assertThat(StoreLayout.findSmall(empty, gate, Set.of(), MAX, 1).streams())
                .as("a store of empty streams has no first streams").isEmpty();
    }

    @Test
    void aStreamAboveTheSizeLimitIsNeverChosen() throws Exception {
        Path store = tmp.resolve("store");
        Path streams = streams(store);
        stream(streams, "HUGE", blocks(20, 1L << 30));
        stream(streams, "MID", MAX + 1);
        StoreLayout.Small small = StoreLayout.findSmall(store, gate, Set.of(), MAX, 1);
        assertThat(small.streams()).isEmpty();
    }

    @Test
    void onlyTheStreamsAskedForAreLookedAtAndCounted() throws Exception {
        Path store = tmp.resolve("store");
        Path streams = streams(store);
        stream(streams, "BIG", blocks(10, 8L << 20));
        stream(streams, "S1", 1000);
        stream(streams, "S2", 2000);
        assertThat(StoreLayout.findSmall(store, gate, Set.of("S1", "BIG"), MAX, 1).streams())
                .extracting(f -> f.stream().name()).containsExactly("S1");
        assertThat(StoreLayout.findSmall(store, gate, Set.of("S1", "S2"), MAX, 1).streams())
                .as("without BIG nothing covers their share").isEmpty();
    }

    @Test
    void aStoreOfMoreEntriesThanTheLineSampleIsNotLookedIntoBeyondItsListings() throws Exception {
        Path store = tmp.resolve("store");
        Path streams = streams(store);
        stream(streams, "BIG", blocks(10, 8L << 20));
        for (int i = 0; i < SmallStreamScan.MAX_ENTRIES; i++) {
            stream(streams, "S" + i, 100);
        }
        List<Integer> ops = new ArrayList<>();
        DiskGate counting = new DiskGate() {
            @Override
            public <T> T run(Io<T> io) throws java.io.IOException {
                ops.add(1);
                return io.call();
            }
        };
        assertThat(StoreLayout.findSmall(store, counting, Set.of(), MAX, 1)).isEqualTo(StoreLayout.Small.NONE);
        assertThat(ops).as("the store's look and its two listings, no stream walked").hasSize(3);
    }

    /**
     * Random stores of competing small streams (seeded; the seed in every assertion): whatever is
     * chosen is described as discovery describes it, each at most the size limit, and together at
     * most 1 % of the block bytes discovery finds (the share the plan allows).
     */
    @Test
    void competingSmallStreamsNeverTakeMoreThanTheShareOfTheDiscoveredStore() throws Exception {
        long seed = 0x5EEDL;
        Random r = new Random(seed);
        int severalChosen = 0;
        for (int round = 0; round < 25; round++) {
            Path store = tmp.resolve("store" + round);
            Path streams = streams(store);
            int n = 2 + r.nextInt(12);
            for (int i = 0; i < n; i++) {
                int kind = r.nextInt(3);
                long[] sizes = switch (kind) {
                    case 0 -> blocks(1 + r.nextInt(3), 1 + r.nextInt(400_000));
                    case 1 -> blocks(1 + r.nextInt(5), 1 + r.nextInt(8 << 20));
                    default -> blocks(1 + r.nextInt(90), (1 + r.nextInt(8)) << 20);
                };
                stream(streams, "S" + i, sizes);
            }
            StoreLayout.Small small = StoreLayout.findSmall(store, gate, Set.of(), MAX, 1);
            StoreLayout layout = StoreLayout.discover(store, gate);
            long total = 0;
            Map<String, StreamDir> byName = new HashMap<>();
            for (StreamDir sd : layout.streams()) {
                total += sd.blockBytes();
                byName.put(sd.name(), sd);
            }
            long taken = 0;
            for (StoreLayout.Found f : small.streams()) {
                assertThat(f.stream()).as("seed %d round %d", seed, round).usingRecursiveComparison()
                        .isEqualTo(byName.get(f.stream().name()));
                assertThat(f.stream().blockBytes()).as("seed %d round %d", seed, round).isLessThanOrEqualTo(MAX);
                taken += f.stream().blockBytes();
            }
            assertThat(taken).as("seed %d round %d", seed, round).isEqualTo(small.bytes()).isLessThanOrEqualTo(total / 100);
            if (small.streams().size() > 1) {
                severalChosen++;
            }
        }
        assertThat(severalChosen).as("seed %d: rounds where small streams competed and several were chosen", seed).isPositive();
    }
}
