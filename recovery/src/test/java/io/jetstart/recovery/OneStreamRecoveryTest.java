package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.store.DeletedSequences;
import io.jetstart.core.store.StreamStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StoreRecovery#recoverStream}: one stream of a store recovered as a run recovers it and
 * handed over, its name alone in its account; the store's other streams (here one whose meta files
 * are gone, which a run would report failed) are not recovered, nor a stream of the same name in
 * another account.
 */
class OneStreamRecoveryTest {
    @TempDir
    Path dir;

    @Test
    void theNamedStreamOfTheNamedAccountAloneIsRecoveredAndHandedOverAsARunRecoversIt() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", dir);
        Path streams = store.resolve("jetstream/$G/streams");
        Path other = Files.createDirectories(store.resolve("jetstream/OTHER/streams"));
        copy(streams.resolve("LIM1"), other.resolve("LIM1"));
        StreamReport inRun = null;
        for (StreamReport r : StoreRecovery.recover(store, RecoveryOptions.defaults()).streams()) {
            if (r.account().equals("$G") && r.name().equals("LIM1")) {
                inRun = r;
            }
        }
        Files.delete(streams.resolve("INT1/meta.inf"));
        List<String> handedOver = Collections.synchronizedList(new ArrayList<>());

        StreamReport report = StoreRecovery.recoverStream(store, "$G", "LIM1", RecoveryOptions.defaults(), DiskGate.unbounded(), null,
                (StreamReport r, StreamStore s) -> handedOver.add(r.account() + " > " + r.name() + (s == null ? " (none)" : "")));

        assertThat(handedOver).containsExactly("$G > LIM1");
        assertThat(report.outcome()).isIn(Outcome.RECOVERED, Outcome.REBUILT);
        assertThat(report.state()).usingRecursiveComparison()
                .withEqualsForType(DeletedSequences::equals, DeletedSequences.class).isEqualTo(inRun.state());
        assertThat(report.consumers()).usingRecursiveComparison().isEqualTo(inRun.consumers());
    }

    @Test
    void aNameTheAccountDoesNotHaveIsNullAndNothingIsHandedOver() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", dir);
        List<String> handedOver = new ArrayList<>();

        assertThat(StoreRecovery.recoverStream(store, "$G", "NOPE", RecoveryOptions.defaults(), DiskGate.unbounded(), null,
                (r, s) -> handedOver.add(r.name()))).isNull();
        assertThat(StoreRecovery.recoverStream(store, "OTHER", "LIM1", RecoveryOptions.defaults(), DiskGate.unbounded(), null,
                (r, s) -> handedOver.add(r.name()))).isNull();
        assertThat(handedOver).isEmpty();
    }

    private static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
