package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.recovery.RecoveryEvent;
import io.jetstart.recovery.RecoveryOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code RuntimeOptions.withFirstStreams} reaches recovery: with one recovery task at a time
 * (sequential mode, so the order is the plan's and no timing is involved), the named stream is
 * recovered and handed over first although it is the smallest and last by name. The gate's share
 * of the option is proved by recovery's FirstStreamsTest.
 */
class FirstStreamsServedTest {
    @TempDir
    Path dir;

    @Test
    void theNamedStreamIsRecoveredAndServedFirst() throws Exception {
        writeStreams(List.of("A", "B", "C"), "C", 50);
        List<String> finished = new CopyOnWriteArrayList<>();
        RecoveryOptions recovery = RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL).withListener(e -> {
            if (e instanceof RecoveryEvent.StreamFinished f) {
                finished.add(f.report().name());
            }
        });
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withRecovery(recovery).withFirstStreams(Set.of("C")))) {
            store.recovery().get();
            assertThat(store.stream("C").await(java.time.Duration.ofSeconds(30)).publish("c", bytes("next")).seq()).isEqualTo(2);
        }
        assertThat(finished).containsExactly("C", "A", "B");
    }

    @Test
    void byDefaultASmallStreamIsServedBeforeTheBigOnesStartRecovering() throws Exception {
        writeStreams(List.of("BIG1", "BIG2", "SMALL"), "SMALL", 2_000);
        // Each big stream's start, as the listener hears it, with what SMALL's handle said then.
        // Events are delivered after they happen: SMALL may only look READY here if it was served
        // before the big stream's task started.
        OpenedStore opened = new OpenedStore();
        RuntimeOptions options = RuntimeOptions.defaults();
        options = options.withRecovery(options.recovery().withListener(e -> {
            if (e instanceof RecoveryEvent.StreamStarted st && st.stream().startsWith("BIG")) {
                opened.noteSmall(st.stream() + " started");
            }
        }));
        try (JetStartStore store = opened.open(dir, options)) {
            assertSmallTakesItsSecondMessage(store);
        }
        assertThat(opened.seen()).containsExactlyInAnyOrder("BIG1 started, SMALL READY", "BIG2 started, SMALL READY");
    }

    @Test
    void aNamedStreamIsServedBeforeTheStoreIsDiscovered() throws Exception {
        writeStreams(List.of("BIG1", "BIG2", "SMALL"), "SMALL", 2_000);
        // RecoveryStarted is emitted once discovery has ended (events are delivered after they
        // happen): SMALL may only look READY then if it was served before discovery ended. Small
        // first is off, so only the name puts SMALL first.
        OpenedStore opened = new OpenedStore();
        RuntimeOptions options = RuntimeOptions.defaults();
        options = options.withRecovery(options.recovery().withSmallFirst(false).withListener(e -> {
            if (e instanceof RecoveryEvent.RecoveryStarted started) {
                opened.noteSmall("discovered " + started.streams() + " streams");
            }
        })).withFirstStreams(Set.of("SMALL"));
        try (JetStartStore store = opened.open(dir, options)) {
            assertSmallTakesItsSecondMessage(store);
            assertThat(store.stream("BIG1").await(java.time.Duration.ofSeconds(30)).info().messages()).isEqualTo(2_000);
        }
        assertThat(opened.seen()).containsExactly("discovered 3 streams, SMALL READY");
    }

    @Test
    void aNamedStreamThatIsNotInTheStoreIsNotFoundAndTheOthersAreServed() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            store.createStream("$G", config("{\"name\":\"A\",\"subjects\":[\"a\"]}")).publish("a", bytes("one"));
        }
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withFirstStreams(Set.of("NOPE")))) {
            store.recovery().get();
            assertThat(store.stream("A").await(java.time.Duration.ofSeconds(30)).info().messages()).isEqualTo(1);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.stream("NOPE").await(java.time.Duration.ofSeconds(30)))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10059));
        }
    }

    /** Writes a store of {@code names}, each stream of {@code others} messages but {@code small}, of one. */
    private void writeStreams(List<String> names, String small, int others) throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            for (String name : names) {
                JetStartStream s = store.createStream("$G", config("{\"name\":\"" + name + "\",\"subjects\":[\"" + name.toLowerCase() + "\"]}"));
                for (int i = 0; i < (name.equals(small) ? 1 : others); i++) {
                    s.publish(name.toLowerCase(), bytes("message " + i));
                }
            }
        }
    }

    /** Once recovery has ended, SMALL (of one message) is served: its next message is its second. */
    private static void assertSmallTakesItsSecondMessage(JetStartStore store) throws Exception {
        store.recovery().get();
        assertThat(store.stream("SMALL").await(java.time.Duration.ofSeconds(30)).publish("small", bytes("next")).seq()).isEqualTo(2);
    }

    /**
     * The store being opened, for a recovery listener that notes SMALL's state at an event: events
     * may come before {@code JetStart.open} has returned, so the listener spins until the store is
     * set (the open returns without waiting for recovery, so the spin is short).
     */
    private static final class OpenedStore {
        private final AtomicReference<JetStartStore> store = new AtomicReference<>();
        private final List<String> seen = new CopyOnWriteArrayList<>();

        JetStartStore open(Path dir, RuntimeOptions options) throws java.io.IOException {
            JetStartStore opened = JetStart.open(dir, options);
            store.set(opened);
            return opened;
        }

        /** Notes "{@code what}, SMALL {@code state}" with SMALL's state now. */
        void noteSmall(String what) {
            JetStartStore s = store.get();
            while (s == null) {
                Thread.onSpinWait();
                s = store.get();
            }
            seen.add(what + ", SMALL " + s.stream("SMALL").state());
        }

        List<String> seen() {
            return List.copyOf(seen);
        }
    }
}
