package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nats-server 2.9 left the records an interest stream removed in place and kept those deletes only
 * in the block's {@code .idx}, trusted while its checksum is the block's last: the writer never
 * appends to such a block (found by {@link HostileStoreRuntimeTest}).
 */
class LegacyIndexTailTest {
    @TempDir
    Path tmp;

    @Test
    void aWriteToA29StreamLeavesItsBlockAndIdxAsTheyWereSoALostIndexDbBringsNoRemovedMessageBack() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path msgs = store.resolve("jetstream/$G/streams/INT1/msgs");
        byte[] blk = Files.readAllBytes(msgs.resolve("1.blk"));
        byte[] idx = Files.readAllBytes(msgs.resolve("1.idx"));
        long served;
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("INT1").await(Duration.ofSeconds(30));
            long before = s.info().messages();
            assertThat(before).as("the deletes of 1.idx are taken").isLessThan(1000);
            s.publish("int1.x", new byte[] {1});
            served = s.info().messages();
            assertThat(served).isEqualTo(before + 1);
        }
        assertThat(Arrays.equals(Files.readAllBytes(msgs.resolve("1.blk")), blk)).as("1.blk as 2.9 left it").isTrue();
        assertThat(Arrays.equals(Files.readAllBytes(msgs.resolve("1.idx")), idx)).as("1.idx as 2.9 left it").isTrue();
        Files.deleteIfExists(msgs.resolve("index.db"));
        assertThat(RuntimeTestSupport.recovered(store, "INT1").messages()).as("a rebuild without index.db").isEqualTo(served);
    }
    @Test
    void aBlockTheWriterRemovesTakesIts29IdxAndFssWithIt() throws Exception {
        Path store = Fixtures.copyStore("nats-2.9.10-small", tmp);
        Path msgs = store.resolve("jetstream/$G/streams/LIM1/msgs");
        assertThat(msgs.resolve("1.idx")).exists();
        assertThat(msgs.resolve("1.fss")).exists();
        long last;
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            JetStartStream s = rt.stream("LIM1").await(Duration.ofSeconds(30));
            last = s.info().lastSeq();
            s.purge(PurgeRequest.all());
            s.publish("lim1.x", new byte[] {1});
        }
        // nats-server 2.9 removes a block's .idx and .fss with it (dirtyCloseWithRemove); left
        // behind they describe a block that is gone, and a store of 2.9 files is what a later
        // reader takes them for.
        assertThat(msgs.resolve("1.blk")).doesNotExist();
        assertThat(msgs.resolve("1.idx")).doesNotExist();
        assertThat(msgs.resolve("1.fss")).doesNotExist();
        Files.deleteIfExists(msgs.resolve("index.db"));
        var rebuilt = RuntimeTestSupport.recovered(store, "LIM1");
        assertThat(rebuilt.messages()).as("a rebuild without index.db").isEqualTo(1);
        assertThat(rebuilt.lastSeq()).isEqualTo(last + 1);
    }
}
