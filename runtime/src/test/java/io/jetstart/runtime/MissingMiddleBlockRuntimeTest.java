package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MANY of the 2.10.27 s2 store (678 messages up to 1100 in blocks 1-4) without block 2 or 3, its
 * {@code index.db} still naming it. nats-server 2.10.27 starts with {@code index.db} as it is and
 * counts the missing block's messages (MissingMiddleBlockOnServerIT); the runtime, on the store's
 * own line 2.10, rebuilds instead: it serves only messages it can read, and keeps the last sequence
 * 1100 (the block is lost data), so its first publish gets 1101 as the server's does, and a second
 * open goes on from there.
 */
class MissingMiddleBlockRuntimeTest {
    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "without {0}.blk: {1} messages, every one readable, next publish 1101")
    @CsvSource({"2, 645", "3, 345"})
    void theRuntimeServesTheBlocksThereAreAndUsesNoSequenceAgain(int block, long messages) throws Exception {
        Path store = Fixtures.copyStore("nats-2.10.27-s2", tmp);
        Files.delete(store.resolve("jetstream/$G/streams/MANY/msgs/" + block + ".blk"));
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("MANY").await(AWAIT);
            assertThat(s.info().messages()).isEqualTo(messages);
            assertThat(s.info().lastSeq()).isEqualTo(1100);
            long read = 0;
            long from = 1;
            for (List<StoredMessage> batch = s.nextBatch(from, ">", 500); !batch.isEmpty(); batch = s.nextBatch(from, ">", 500)) {
                read += batch.size();
                from = batch.get(batch.size() - 1).seq() + 1;
            }
            assertThat(read).as("messages read from 1 on").isEqualTo(messages);
            assertThat(s.publish("many.x", new byte[] {1}).seq()).isEqualTo(1101);
        }
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("MANY").await(AWAIT);
            assertThat(s.info().lastSeq()).isEqualTo(1101);
            assertThat(s.publish("many.x", new byte[] {2}).seq()).isEqualTo(1102);
        }
    }
}
