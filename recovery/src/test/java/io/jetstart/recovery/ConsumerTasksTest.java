package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.write.GeneratorSpec;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where a stream's consumers load: on the stream's own task when the store has more streams than
 * workers (the streams alone keep the workers busy), else in a task group of their own, one thread
 * per consumer. Seen from the disk gate: every read of a consumer's files records the name of the
 * thread that made it (a stream task is named "account > stream", a consumer task "account >
 * stream > consumer"). Both ways recover every consumer.
 */
class ConsumerTasksTest {
    @RegisterExtension
    static final GeneratedStore STORE = new GeneratedStore(GeneratorSpec.of(3, 20, 16).withConsumers(2));

    @Test
    void withMoreStreamsThanWorkersEachStreamLoadsItsConsumersOnItsOwnTask() throws Exception {
        Set<String> readers = ConcurrentHashMap.newKeySet();
        RecoveryReport report = new StoreRecovery(STORE.dir(), RecoveryOptions.defaults().withWorkers(2), recordConsumerReaders(readers)).run();

        assertThat(report.allRecovered()).isTrue();
        assertThat(report.streams()).allSatisfy(s -> assertThat(s.consumers()).hasSize(2));
        assertThat(readers).containsExactlyInAnyOrder("$G > S1", "$G > S2", "$G > S3");
    }

    @Test
    void withNoMoreStreamsThanWorkersEachConsumerLoadsOnItsOwnThread() throws Exception {
        Set<String> readers = ConcurrentHashMap.newKeySet();
        RecoveryReport report = new StoreRecovery(STORE.dir(), RecoveryOptions.defaults().withWorkers(3), recordConsumerReaders(readers)).run();

        assertThat(report.allRecovered()).isTrue();
        List<String> expected = report.streams().stream()
                .flatMap(s -> s.consumers().stream().map(c -> "$G > " + s.name() + " > " + c.name())).toList();
        assertThat(expected).hasSize(6);
        assertThat(readers).containsExactlyInAnyOrderElementsOf(expected);
    }

    /** A gate probe that notes the name of every thread that reads a consumer's files. */
    private static BeforeDiskOperation recordConsumerReaders(Set<String> readers) {
        return new BeforeDiskOperation(() -> {
            boolean consumer = StackWalker.getInstance().walk(frames -> frames.anyMatch(
                    f -> f.getClassName().equals("io.jetstart.core.store.ConsumerLoader")));
            if (consumer) {
                readers.add(Thread.currentThread().getName());
            }
        });
    }
}
