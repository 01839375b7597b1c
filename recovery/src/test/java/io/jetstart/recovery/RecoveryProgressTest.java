package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.Problem;
import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryProgressTest {
    final AtomicLong clock = new AtomicLong(1_000);
    final RecoveryProgress progress = new RecoveryProgress(clock::get);

    static StreamReport report(String name, Outcome outcome, long blockBytes, List<Problem> problems, List<ConsumerOutcome> consumers) {
        return new StreamReport("$G", name, outcome, null, null, consumers, problems, 10, 0, 0, 0, blockBytes);
    }

    static StreamReport ok(String name, long blockBytes) {
        return report(name, Outcome.RECOVERED, blockBytes, List.of(), List.of());
    }

    static RecoveryReport all(StreamReport... streams) {
        return new RecoveryReport(List.of(streams), 99, "fallback", 4, 4, 1, 0, List.of(), null);
    }

    void send(RecoveryEvent... events) {
        for (RecoveryEvent e : events) {
            progress.onEvent(e);
        }
    }

    @Test
    void beforeDiscoveryItIsStartingWithNothingKnown() {
        assertThat(progress.state()).isEqualTo(new Readiness.Starting(Progress.NOT_STARTED));
    }

    @Test
    void scannedBytesCountAsDoneButNeverMoreThanTheStreamsBlockBytes() {
        send(new RecoveryEvent.RecoveryStarted(2, 300, "fallback", 4, 4),
                new RecoveryEvent.StreamStarted("$G", "A", 200),
                new RecoveryEvent.BlockScanned("$G", "A", 1, 150, 10),
                new RecoveryEvent.StreamStarted("$G", "B", 100),
                new RecoveryEvent.BlockScanned("$G", "B", 1, 80, 10),
                new RecoveryEvent.BlockScanned("$G", "B", 2, 80, 10));

        Progress p = progress.progress();
        assertThat(p.bytesDone()).isEqualTo(150 + 100);
        assertThat(p.bytesRemaining()).isEqualTo(50);
        assertThat(p.streamsRemaining()).isEqualTo(2);
    }

    @Test
    void aStreamFinishedByTheFastPathCountsAllItsBlockBytes() {
        send(new RecoveryEvent.RecoveryStarted(2, 300, "fallback", 4, 4),
                new RecoveryEvent.StreamStarted("$G", "A", 200),
                new RecoveryEvent.StreamFinished(ok("A", 200)));

        assertThat(progress.progress().bytesDone()).isEqualTo(200);
        assertThat(progress.progress().streamsDone()).isEqualTo(1);
    }

    @Test
    void theSlowestStreamIsTheOneRunningLongestWithItsOwnProgress() {
        send(new RecoveryEvent.RecoveryStarted(3, 600, "fallback", 4, 4),
                new RecoveryEvent.StreamStarted("$G", "A", 300));
        clock.addAndGet(10);
        send(new RecoveryEvent.StreamStarted("$G", "B", 200),
                new RecoveryEvent.StreamStarted("$G", "C", 100),
                new RecoveryEvent.BlockScanned("$G", "A", 1, 120, 5));
        clock.addAndGet(5);

        assertThat(progress.progress().slowest()).isEqualTo(new Progress.RunningStream("$G", "A", 300, 120, 15));
        send(new RecoveryEvent.StreamFinished(ok("A", 300)));
        assertThat(progress.progress().slowest()).isEqualTo(new Progress.RunningStream("$G", "B", 200, 0, 5));
        assertThat(progress.progress().elapsedNanos()).isEqualTo(15);
    }

    @Test
    void runningStreamsAreCountedByPhase() {
        send(new RecoveryEvent.RecoveryStarted(3, 0, "fallback", 4, 4),
                new RecoveryEvent.StreamStarted("$G", "A", 0),
                new RecoveryEvent.StreamStarted("$G", "B", 0),
                new RecoveryEvent.StreamStarted("$G", "C", 0),
                new RecoveryEvent.StreamRestored("$G", "A", 1, 1, "index", 1),
                new RecoveryEvent.ConsumersStarting("$G", "A", 2),
                new RecoveryEvent.StreamFinished(report("C", Outcome.FAILED, 0, List.of(), List.of())));

        Progress p = progress.progress();
        assertThat(p.restoringMessages()).isEqualTo(1);
        assertThat(p.restoringConsumers()).isEqualTo(1);
        assertThat(p.streamsFailed()).isEqualTo(1);
    }

    @Test
    void itIsReadyWhenEveryStreamAndConsumerCameBack() {
        RecoveryReport done = all(ok("A", 10), ok("B", 20));
        send(new RecoveryEvent.RecoveryStarted(2, 30, "fallback", 4, 4),
                new RecoveryEvent.StreamFinished(done.streams().get(0)),
                new RecoveryEvent.StreamFinished(done.streams().get(1)));
        assertThat(progress.state().status()).isEqualTo(Readiness.Status.STARTING);

        send(new RecoveryEvent.RecoveryFinished(done));
        assertThat(progress.state()).isEqualTo(new Readiness.Ready(2, 0, 0, 0, 99));
    }

    @Test
    void itIsDegradedNamingEachFailedOrCancelledStreamAndFailedConsumerWithItsReason() {
        Problem fatal = Problem.fatal(Path.of("S", "meta.inf"), 12, "bad json");
        Problem consumerCause = Problem.fatal(Path.of("S", "obs", "C1", "o.dat"), -1, "too short");
        RecoveryReport done = all(
                report("A", Outcome.FAILED, 1, List.of(Problem.warning(Path.of("x"), "stale"), fatal), List.of()),
                report("B", Outcome.CANCELLED, 1, List.of(), List.of()),
                report("C", Outcome.REBUILT, 1, List.of(), List.of(new ConsumerOutcome.Failed("C1", consumerCause))));
        send(new RecoveryEvent.RecoveryStarted(3, 3, "fallback", 4, 4), new RecoveryEvent.RecoveryFinished(done));

        assertThat(progress.state()).isInstanceOfSatisfying(Readiness.Degraded.class, d -> {
            assertThat(d.ready()).isEqualTo(1);
            assertThat(d.failures()).containsExactly(
                    new Readiness.Failure("$G", "A", null, "failed", fatal.describe()),
                    new Readiness.Failure("$G", "B", null, "cancelled", "not finished when the recovery was cancelled or its deadline passed"),
                    new Readiness.Failure("$G", "C", "C1", "failed", consumerCause.describe()));
        });
    }

    @Test
    void aRecoveryThatCouldNotStartIsDegradedWithItsReason() {
        progress.recoveryFailed("cannot list /store: permission denied");

        assertThat(progress.state()).isEqualTo(new Readiness.Degraded(0,
                List.of(new Readiness.Failure(null, null, null, "failed", "cannot list /store: permission denied"))));
    }

    @Test
    void aNewRecoveryStartsOver() {
        send(new RecoveryEvent.RecoveryStarted(1, 10, "fallback", 4, 4), new RecoveryEvent.StreamFinished(ok("A", 10)),
                new RecoveryEvent.RecoveryFinished(all(ok("A", 10))));
        send(new RecoveryEvent.RecoveryStarted(1, 10, "fallback", 4, 4));

        assertThat(progress.state()).isInstanceOfSatisfying(Readiness.Starting.class,
                s -> assertThat(s.progress().streamsDone()).isZero());
    }

    @Test
    void readersOnOtherThreadsNeverSeeProgressGoBackwardsOrPastItsTotals(@TempDir Path tmp) throws Exception {
        StoreGenerator.generate(tmp, GeneratorSpec.of(24, 2_000, 16).withConsumers(1), (d, w) -> { });
        RecoveryProgress real = new RecoveryProgress();
        AtomicBoolean stop = new AtomicBoolean();
        List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            readers.add(Thread.ofPlatform().start(() -> {
                int lastDone = 0;
                long lastBytes = 0;
                while (!stop.get()) {
                    if (real.state() instanceof Readiness.Starting s) {
                        Progress p = s.progress();
                        if (p.streamsDone() < lastDone || p.bytesDone() < lastBytes || p.streamsDone() > p.streamsTotal()
                                || p.bytesDone() > p.bytesTotal()) {
                            violations.add(p.toString());
                        }
                        lastDone = p.streamsDone();
                        lastBytes = p.bytesDone();
                    }
                }
            }));
        }
        RecoveryReport report = StoreRecovery.recover(tmp, RecoveryOptions.defaults().withDios(2).withListener(real));
        stop.set(true);
        for (Thread t : readers) {
            t.join();
        }

        assertThat(violations).isEmpty();
        assertThat(real.state()).isInstanceOf(Readiness.Ready.class);
        assertThat(((Readiness.Ready) real.state()).streams()).isEqualTo(24).isEqualTo(report.streams().size());
    }
}
