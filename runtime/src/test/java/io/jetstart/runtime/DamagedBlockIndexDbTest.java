package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static io.jetstart.runtime.RuntimeTestSupport.recovered;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.StreamState;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A block the writer left ending in damage (a record a full disk cut short) and wrote after: for the
 * 2.10 line no {@code index.db} is written while it is there (nats-server 2.10.27 trusting one fails
 * its first read of that block; without one it rebuilds and reads every message), for 2.14+ as
 * always (2.15.1 reads it either way). Nothing of the block is changed, and every message is kept.
 */
class DamagedBlockIndexDbTest {
    @TempDir
    Path dir;

    private JetStartStore store(int indexVersion) throws Exception {
        return JetStart.open(dir, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS).withBlockSize(1024).withIndexVersion(indexVersion));
    }

    private Path msgs() {
        return dir.resolve("jetstream/$G/streams/D/msgs");
    }

    /** 20 messages in blocks of 1 KiB, closed (index.db written), then half a record appended to the last block. */
    private Path writeAndTear(int indexVersion) throws Exception {
        try (JetStartStore store = store(indexVersion)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"D\",\"subjects\":[\"d.*\"]}"));
            for (int i = 1; i <= 20; i++) {
                s.publish("d." + (i % 3), new byte[60]);
            }
        }
        assertThat(msgs().resolve("index.db")).exists();
        long last;
        try (var l = Files.list(msgs())) {
            last = l.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".blk"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, n.length() - 4))).max().orElseThrow();
        }
        Path blk = msgs().resolve(last + ".blk");
        byte[] whole = Files.readAllBytes(blk);
        byte[] torn = java.util.Arrays.copyOf(whole, whole.length + 17);
        torn[whole.length] = 60;
        Files.write(blk, torn);
        return blk;
    }

    @Test
    void forThe210LineNoIndexDbIsWrittenWhileABlockBeforeTheLastEndsInDamage() throws Exception {
        Path torn = writeAndTear(1);
        byte[] tornBytes = Files.readAllBytes(torn);
        try (JetStartStore store = store(1)) {
            JetStartStream s = open(store, "D");
            for (int i = 21; i <= 40; i++) {
                assertThat(s.publish("d." + (i % 3), new byte[60]).seq()).isEqualTo(i);
            }
            s.flush();
            assertThat(msgs().resolve("index.db")).as("held back at a flush").doesNotExist();
        }
        assertThat(msgs().resolve("index.db")).as("nor written at the close").doesNotExist();
        assertThat(Files.readAllBytes(torn)).as("the damaged block as it was").isEqualTo(tornBytes);
        StreamState rebuilt = recovered(dir, "D");
        assertThat(rebuilt.lastSeq()).isEqualTo(40);
        assertThat(rebuilt.messages()).isEqualTo(40);

        // The next open rebuilds (no index.db) and finds the damage inside the stream: still held back.
        try (JetStartStore store = store(1)) {
            assertThat(open(store, "D").publish("d.1", new byte[60]).seq()).isEqualTo(41);
        }
        assertThat(msgs().resolve("index.db")).doesNotExist();

        // Its messages all purged, the damaged block goes, and index.db is written again.
        try (JetStartStore store = store(1)) {
            JetStartStream s = open(store, "D");
            s.purge(new PurgeRequest(null, 5, 0));
            s.flush();
            assertThat(torn).as("removed with its messages").doesNotExist();
            assertThat(msgs().resolve("index.db")).exists();
            assertThat(s.info().messages()).isEqualTo(5);
        }
        assertThat(recovered(dir, "D").messages()).isEqualTo(5);
    }

    @Test
    void for214PlusIndexDbIsWrittenAsAlways() throws Exception {
        writeAndTear(4);
        try (JetStartStore store = store(4)) {
            JetStartStream s = open(store, "D");
            for (int i = 21; i <= 40; i++) {
                s.publish("d." + (i % 3), new byte[60]);
            }
        }
        assertThat(msgs().resolve("index.db")).exists();
        assertThat(recovered(dir, "D").messages()).isEqualTo(40);
    }
}
