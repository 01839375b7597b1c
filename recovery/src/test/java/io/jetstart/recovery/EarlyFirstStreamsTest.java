package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.write.GeneratorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams named with {@code RecoveryOptions.firstStreams} start before the store is discovered, and
 * recover exactly what they recover without the name. Orders of events only: a gate probe holds the
 * discovery task (the thread named "discovery") or a stream where a test needs it.
 */
class EarlyFirstStreamsTest {
    @RegisterExtension
    static final GeneratedStore STORE = new GeneratedStore(GeneratorSpec.of(6, 20, 16));

    @Test
    void aNamedStreamIsHandedOverBeforeTheStoreIsDiscovered() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        BeforeDiskOperation probe = discoveryStarts(order);
        List<RecoveryEvent> events = new CopyOnWriteArrayList<>();
        RecoveryOptions options = RecoveryOptions.defaults().withFirstStreams(Set.of("S6")).withListener(events::add);
        RecoveryReport report;
        try (StoreRecovery r = new StoreRecovery(STORE.dir(), options, probe, (rep, st) -> {
            if (rep.name().equals("S6")) {
                order.add("S6 handed over " + rep.outcome());
            }
        })) {
            report = r.run();
        }

        // S6 needs neither the store's listing nor its line (its own files decide), so discovery
        // waits for it rather than sharing the CPU with it.
        assertThat(order).containsExactly("S6 handed over RECOVERED", "discovery's first disk operation");
        assertThat(report.allRecovered()).isTrue();
        assertThat(report.streams()).hasSize(STORE.spec().streams());
        // The listener still sees RecoveryStarted first (with every stream), then S6, then the others.
        assertThat(events.get(0)).isInstanceOfSatisfying(RecoveryEvent.RecoveryStarted.class,
                s -> assertThat(s.streams()).isEqualTo(STORE.spec().streams()));
        List<String> starts = StreamOrder.startsAndEnds(events);
        assertThat(starts).startsWith("start S6");
        for (String other : List.of("S1", "S2", "S3", "S4", "S5")) {
            assertThat(starts.indexOf("start " + other)).as(other + " in " + starts).isGreaterThan(starts.indexOf("end S6"));
            assertThat(starts).as(other + " recovered once").containsOnlyOnce("start " + other);
        }
        assertThat(starts).containsOnlyOnce("start S6");
    }

    @Test
    void aNamedStreamThatNeedsTheStoresLineLetsDiscoveryStartAndWaitsForIt(@TempDir Path tmp) throws Exception {
        // FLOOR (2.10's, in a 2.15 store) has consumers: their rules need the store's line.
        Path mixed = mixedStore(tmp, "FLOOR");
        List<String> order = new CopyOnWriteArrayList<>();
        BeforeDiskOperation probe = discoveryStarts(order);
        RecoveryReport report;
        try (StoreRecovery r = new StoreRecovery(mixed, RecoveryOptions.defaults().withFirstStreams(Set.of("FLOOR")), probe,
                (rep, st) -> {
                    if (rep.name().equals("FLOOR")) {
                        order.add("FLOOR handed over " + rep.outcome());
                    }
                })) {
            report = r.run();
        }

        assertThat(order).containsExactly("discovery's first disk operation", "FLOOR handed over RECOVERED");
        assertThat(report.allRecovered()).isTrue();
    }

    @Test
    void aCloseWhileTheNamedStreamIsHeldCancelsEveryStream() throws Exception {
        // Only the close's interrupt may release S6's held operation.
        Hold s6 = Hold.stream("S6");
        List<String> handedOver = new CopyOnWriteArrayList<>();
        RecoveryReport report = s6.runClosingWhenHeld(STORE.dir(), "S6", handedOver);

        assertThat(s6.interrupted()).as("S6's held operation was ended by the close").isTrue();
        // Discovery still runs to its end (a stat pass), so the report names every stream, each cancelled once.
        assertThat(report.streams()).hasSize(STORE.spec().streams());
        assertThat(report.streams()).allSatisfy(s -> assertThat(s.outcome()).as(s.name()).isEqualTo(Outcome.CANCELLED));
        assertThat(handedOver).containsExactlyInAnyOrder("S1 CANCELLED", "S2 CANCELLED", "S3 CANCELLED", "S4 CANCELLED",
                "S5 CANCELLED", "S6 CANCELLED");
    }

    @Test
    void aNamedStreamThatIsNotInTheStoreChangesNothing() throws Exception {
        List<RecoveryEvent> events = new CopyOnWriteArrayList<>();
        RecoveryReport report = StoreRecovery.recover(STORE.dir(), RecoveryOptions.defaults().withFirstStreams(Set.of("NOPE"))
                .withListener(events::add));

        assertThat(report.allRecovered()).isTrue();
        assertThat(report.streams()).extracting(StreamReport::name).containsExactly("S1", "S2", "S3", "S4", "S5", "S6");
        assertThat(events.get(0)).isInstanceOf(RecoveryEvent.RecoveryStarted.class);
    }

    @Test
    void aNamedStreamOutsideOnlyStreamsIsNotStarted() throws Exception {
        RecoveryReport report = StoreRecovery.recover(STORE.dir(), RecoveryOptions.defaults().withFirstStreams(Set.of("S6"))
                .withOnlyStreams(Set.of("S1", "S2")));

        assertThat(report.streams()).extracting(StreamReport::name).containsExactly("S1", "S2");
    }

    /**
     * FLOOR of a 2.10.27 store (index.db v1, seven consumers) in a 2.15.1 store: its own files say
     * 2.10, the store's line is 2.15, and 2.10's consumer rules give it another result. Named first,
     * it must recover as the store's line does, as without the name.
     */
    @Test
    void aNamedStreamWhoseFilesSayAnOlderLineRecoversWithTheStoresLine(@TempDir Path tmp) throws Exception {
        Path mixed = mixedStore(tmp, "FLOOR");

        RecoveryReport plain = StoreRecovery.recover(mixed, RecoveryOptions.defaults());
        RecoveryReport named = StoreRecovery.recover(mixed, RecoveryOptions.defaults().withFirstStreams(Set.of("FLOOR")));
        RecoveryReport as210 = StoreRecovery.recover(mixed, RecoveryOptions.defaults().withServerLine(ServerLine.V2_10));

        assertThat(plain.serverLine().line()).isEqualTo(ServerLine.V2_15);
        assertThat(named.serverLine()).isEqualTo(plain.serverLine());
        assertThat(results(named)).isEqualTo(results(plain));
        // The test can fail: the line FLOOR's own files say gives it another result.
        assertThat(result(as210, "FLOOR")).isNotEqualTo(result(plain, "FLOOR"));
    }

    /**
     * TOMB of a 2.10.27 store in a 2.15.1 store, its index.db cut after its version (v1): named first,
     * it is opened under 2.10 (the fast path may hold), rebuilt, and opened again under the store's
     * 2.15, whose tombstone-only blocks start elsewhere.
     */
    @Test
    void aNamedStreamRebuiltUnderItsOwnOlderLineIsOpenedAgainWithTheStoresLine(@TempDir Path tmp) throws Exception {
        Path mixed = mixedStore(tmp, "TOMB");
        TestStores.truncate(TestStores.streamDir(mixed, "TOMB").resolve("msgs").resolve("index.db"), 2);
        List<RecoveryEvent> events = new CopyOnWriteArrayList<>();

        RecoveryReport plain = StoreRecovery.recover(mixed, RecoveryOptions.defaults());
        RecoveryReport named = StoreRecovery.recover(mixed, RecoveryOptions.defaults().withFirstStreams(Set.of("TOMB"))
                .withListener(events::add));
        RecoveryReport as210 = StoreRecovery.recover(mixed, RecoveryOptions.defaults().withServerLine(ServerLine.V2_10));

        assertThat(result(plain, "TOMB").get(0)).isEqualTo(Outcome.REBUILT);
        assertThat(results(named)).isEqualTo(results(plain));
        assertThat(result(as210, "TOMB")).isNotEqualTo(result(plain, "TOMB"));
        // Its blocks were reported scanned once, though read twice.
        long tombBlocks = events.stream().filter(e -> e instanceof RecoveryEvent.BlockScanned b && b.stream().equals("TOMB")).count();
        assertThat(tombBlocks).isEqualTo(countBlocks(TestStores.streamDir(mixed, "TOMB")));
    }

    /** The 2.15.1 lines store with {@code stream} replaced by the 2.10.27 store's stream of that name. */
    static Path mixedStore(Path tmp, String stream) throws Exception {
        Path mixed = TestStores.copyFixtureStore("nats-2.15.1-lines", tmp.resolve("a"));
        Path older = TestStores.copyFixtureStore("nats-2.10.27-lines", tmp.resolve("b"));
        Path target = TestStores.streamDir(mixed, stream);
        try (Stream<Path> files = Files.walk(target)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        Path from = TestStores.streamDir(older, stream);
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path t = target.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return mixed;
    }

    private static long countBlocks(Path streamDir) throws Exception {
        try (Stream<Path> files = Files.list(streamDir.resolve("msgs"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".blk")).count();
        }
    }

    /** What a stream recovered, without its timings. */
    private static List<Object> result(RecoveryReport r, String stream) {
        StreamReport s = r.streams().stream().filter(x -> x.name().equals(stream)).findFirst().orElseThrow();
        return List.of(s.outcome(), String.valueOf(s.config()), plain(s.state()), plain(s.consumers()), plain(s.problems()),
                s.bytesRead(), s.recordsVerified());
    }

    /** Records, lists and arrays as text by value (a record's long[] compares by identity). */
    private static Object plain(Object o) {
        if (o instanceof long[] a) {
            return java.util.Arrays.toString(a);
        }
        if (o instanceof List<?> l) {
            return l.stream().map(EarlyFirstStreamsTest::plain).toList();
        }
        if (o instanceof Record r) {
            List<Object> parts = new ArrayList<>();
            for (java.lang.reflect.RecordComponent c : r.getClass().getRecordComponents()) {
                try {
                    java.lang.reflect.Method m = c.getAccessor();
                    m.setAccessible(true);
                    parts.add(c.getName() + "=" + plain(m.invoke(r)));
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
            return r.getClass().getSimpleName() + parts;
        }
        return String.valueOf(o);
    }

    private static List<List<Object>> results(RecoveryReport r) {
        List<List<Object>> out = new ArrayList<>();
        for (StreamReport s : r.streams()) {
            out.add(result(r, s.name()));
        }
        return out;
    }

    /** A probe that adds "discovery's first disk operation" to {@code order} when the thread named "discovery" first reaches the gate. */
    private static BeforeDiskOperation discoveryStarts(List<String> order) {
        AtomicBoolean started = new AtomicBoolean();
        return new BeforeDiskOperation(() -> {
            if (Thread.currentThread().getName().equals("discovery") && started.compareAndSet(false, true)) {
                order.add("discovery's first disk operation");
            }
        });
    }
}
