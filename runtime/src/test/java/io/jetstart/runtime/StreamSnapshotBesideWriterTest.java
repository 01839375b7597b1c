package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.store.StoredMessage;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jetstart get} reads a stream through a {@link StreamSnapshot} beside a runtime that holds
 * the store open. The runtime removes a block's file once nothing in it is live, possibly after the
 * snapshot was opened: the snapshot then answers as the stream is now (the message is gone, the next
 * one is further on), never with a damage error about a file the writer removed on purpose.
 */
class StreamSnapshotBesideWriterTest {
    private static final byte[] PAYLOAD = new byte[100];

    @TempDir
    Path dir;

    private Path block(long index) {
        return dir.resolve("jetstream").resolve("$G").resolve("streams").resolve("S").resolve("msgs").resolve(index + ".blk");
    }

    /** Publishes 30 messages over several 1 KiB blocks; returns the last sequence of block 1. */
    private long fill(JetStartStream s) throws Exception {
        for (int i = 1; i <= 30; i++) {
            s.publish("s." + (i % 3), PAYLOAD);
        }
        s.flush();
        long lastOfFirst = 0;
        for (var b : s.info().blocks()) {
            if (b.index() == 1) {
                lastOfFirst = b.lastSeq();
            }
        }
        assertThat(lastOfFirst).isBetween(2L, 20L);
        return lastOfFirst;
    }

    /** Deletes every message of block 1 through the runtime and waits until its writer removed the file. */
    private static void emptyFirstBlock(JetStartStream s, long lastOfFirst, Path file) throws Exception {
        for (long seq = 1; seq <= lastOfFirst; seq++) {
            s.delete(seq);
        }
        // The writer removes the file after the batch that emptied the block; bounded wait, not a timing assertion.
        for (int i = 0; i < 1000 && Files.exists(file); i++) {
            Thread.sleep(10);
        }
        assertThat(file).doesNotExist();
    }

    @Test
    void aMessageWhoseBlockTheWriterRemovedAfterTheSnapshotOpenedIsNotFoundNotDamaged() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
            long lastOfFirst = fill(s);
            StreamSnapshot snap = StreamSnapshot.open(dir, "$G", "S");
            emptyFirstBlock(s, lastOfFirst, block(1));

            assertThat(snap.get(1)).isEmpty();
            assertThat(snap.get(lastOfFirst + 1).map(StoredMessage::seq)).contains(lastOfFirst + 1);
            Optional<StoredMessage> next = snap.next(1, "");
            assertThat(next.map(StoredMessage::seq)).contains(lastOfFirst + 1);
            assertThat(snap.next(1, "s." + (lastOfFirst + 1) % 3).map(StoredMessage::seq)).contains(lastOfFirst + 1);
        }
    }

    @Test
    void aMessageWhoseRecordACompactionDroppedAfterTheSnapshotOpenedIsNotFoundNotDamaged() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
            long lastOfFirst = fill(s);
            StreamSnapshot snap = StreamSnapshot.open(dir, "$G", "S");
            long size = Files.size(block(1));
            // All of block 1 but its last message goes; the flush compacts it without their records.
            for (long seq = 1; seq < lastOfFirst; seq++) {
                s.delete(seq);
            }
            s.flush();
            assertThat(Files.size(block(1))).isLessThan(size / 2);

            assertThat(snap.get(1)).isEmpty();
            assertThat(snap.get(2)).isEmpty();
            assertThat(snap.get(lastOfFirst).map(StoredMessage::seq)).contains(lastOfFirst);
            assertThat(snap.next(1, "").map(StoredMessage::seq)).contains(lastOfFirst);
        }
    }

    @Test
    void aBlockFileGoneWhileTheStreamStillCallsItsMessagesLiveIsStillDamage() throws Exception {
        long lastOfFirst;
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults().withBlockSize(1024))) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
            lastOfFirst = fill(s);
        }
        StreamSnapshot snap = StreamSnapshot.open(dir, "$G", "S");
        // Not the writer: the file goes while every state of the stream still holds its messages.
        Files.delete(block(1));
        assertThatThrownBy(() -> snap.get(1)).isInstanceOf(UncheckedIOException.class).hasMessageContaining("1.blk");
        assertThat(snap.get(lastOfFirst + 1)).isPresent();
    }
}
