package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.write.GeneratorSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code RecoveryOptions.firstStreams}: the named streams' tasks start first, and the others only
 * once every named one has finished. Six streams of the same size (so without the option S1 goes
 * first, by name). No timing: orders of events are recorded, and a gate probe holds a stream where
 * a test needs it.
 */
class FirstStreamsTest {
    @RegisterExtension
    static final GeneratedStore STORE = new GeneratedStore(GeneratorSpec.of(6, 20, 16));

    @Test
    void theNamedStreamsTasksStartBeforeTheOthers() throws Exception {
        List<String> started = new CopyOnWriteArrayList<>();
        RecoveryOptions options = RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL)
                .withFirstStreams(Set.of("S6", "S4")).withListener(e -> {
                    if (e instanceof RecoveryEvent.StreamStarted s) {
                        started.add(s.stream());
                    }
                });
        RecoveryReport report = StoreRecovery.recover(STORE.dir(), options);

        assertThat(report.allRecovered()).isTrue();
        // The named ones first (largest first among them, then by name), then the rest as before.
        assertThat(started).containsExactly("S4", "S6", "S1", "S2", "S3", "S5");
    }

    @Test
    void theOtherStreamsStartOnlyOnceEveryNamedStreamHasFinished() throws Exception {
        List<RecoveryEvent> events = new CopyOnWriteArrayList<>();
        RecoveryOptions options = RecoveryOptions.defaults().withFirstStreams(Set.of("S6", "S4")).withListener(events::add);
        RecoveryReport report = StoreRecovery.recover(STORE.dir(), options);

        assertThat(report.allRecovered()).isTrue();
        // Events reach the listener in the order the tasks emitted them, and a named stream's
        // StreamFinished is emitted before its task ends, which is what lets the others start.
        List<String> order = StreamOrder.startsAndEnds(events);
        int lastNamedEnd = Math.max(order.indexOf("end S4"), order.indexOf("end S6"));
        for (String other : List.of("S1", "S2", "S3", "S5")) {
            assertThat(order.indexOf("start " + other)).as(other + " in " + order).isGreaterThan(lastNamedEnd);
        }
    }

    @Test
    void aStreamWaitingForItsTurnIsCancelledByClose() throws Exception {
        // S6's first disk operation is held until close(): the others wait for S6 meanwhile, and
        // must come back cancelled, not hang.
        Hold s6 = Hold.stream("S6");
        RecoveryReport report = s6.runClosingWhenHeld(STORE.dir(), "S6", new CopyOnWriteArrayList<>());

        assertThat(s6.interrupted()).as("S6's held operation was ended by the close").isTrue();
        assertThat(report.streams()).hasSize(STORE.spec().streams());
        assertThat(report.streams()).allSatisfy(s -> assertThat(s.outcome()).as(s.name()).isEqualTo(Outcome.CANCELLED));
    }

    @Test
    void withSmallFirstTheSmallestStreamFinishesBeforeTheBigOnesStart(@TempDir(factory = TestStores.FastTempDir.class) Path mixed)
            throws Exception {
        // S1..S3 of 2,000 messages, S4 of 5: S4 is last by size and by name.
        GeneratorSpec big = GeneratorSpec.of(4, 2_000, 64);
        Path streams = io.jetstart.core.write.StoreGenerator.prepare(mixed, big);
        for (int i = 1; i <= 3; i++) {
            io.jetstart.core.write.StoreGenerator.writeStream(streams, i, big);
        }
        io.jetstart.core.write.StoreGenerator.writeStream(streams, 4, GeneratorSpec.of(4, 5, 64));

        assertThat(startsAndEnds(mixed, RecoveryOptions.defaults().withSmallFirst(true)))
                .as("with smallFirst").startsWith("start S4", "end S4");
        List<String> without = startsAndEnds(mixed, RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL));
        assertThat(without).as("largest first without it").startsWith("start S1").endsWith("start S4", "end S4");
    }

    /**
     * Small streams started before discovery hold part of the store's share: the others' choice is
     * made against the whole store's bytes, with what remains of its 1 %.
     */
    @Test
    void theShareAlreadyTakenByEarlyStreamsIsLeftOutOfTheOthersChoice() {
        StreamDir big = dir("BIG", 1_000_000);
        StreamDir a = dir("A", 4_000);
        StreamDir b = dir("B", 5_000);
        List<StreamDir> others = List.of(big, a, b);
        // 1 % of 1,010,000 bytes (with 1,000 taken early by a stream not among these) is 10,100.
        FirstStreams none = FirstStreams.choose(others, Set.of(), true, true, 1_010_000, 1_000);
        assertThat(none.isFirst(a)).isTrue();
        assertThat(none.isFirst(b)).isTrue();
        FirstStreams some = FirstStreams.choose(others, Set.of(), true, true, 1_010_000, 4_000);
        assertThat(some.isFirst(a)).as("4,000 + 4,000 fit in 10,100").isTrue();
        assertThat(some.isFirst(b)).as("and 5,000 more do not").isFalse();
        assertThat(some.isFirst(big)).isFalse();
    }

    private static StreamDir dir(String name, long bytes) {
        return new StreamDir("$G", name, Path.of(name), bytes, 1, false, List.of(), io.jetstart.core.layout.Encryption.NONE, null);
    }

    private static List<String> startsAndEnds(Path store, RecoveryOptions options) throws Exception {
        List<RecoveryEvent> events = new CopyOnWriteArrayList<>();
        RecoveryReport report = StoreRecovery.recover(store, options.withListener(events::add));
        assertThat(report.allRecovered()).isTrue();
        return StreamOrder.startsAndEnds(events);
    }
}
