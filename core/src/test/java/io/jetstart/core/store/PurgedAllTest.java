package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.format.IndexDb;
import io.jetstart.core.meta.StreamConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StreamMutator#purgedAll}: after a purge of the whole stream nats-server reports first
 * {@code last + 1}, also for a stream that never held a message (first 1, last 0).
 */
class PurgedAllTest {
    @TempDir
    Path dir;

    private StreamMutator emptyStream() throws Exception {
        StreamConfig config = StreamConfig.parse("{\"name\":\"S\",\"subjects\":[\"s.>\"]}".getBytes(StandardCharsets.UTF_8));
        StoreContext ctx = StoreContext.singleThreaded();
        return StreamOpener.open("$G", "S", dir, config, ctx).handOver(ctx);
    }

    @Test
    void aStreamThatNeverHeldAMessageReportsFirstOneAndLastZero() throws Exception {
        StreamMutator m = emptyStream();
        m.startBlock(1);
        assertThat(m.firstSeq()).isZero();
        m.purgedAll();
        assertThat(m.firstSeq()).isEqualTo(1);
        assertThat(m.lastSeq()).isZero();
        assertThat(m.view(i -> -1).firstSeq()).isEqualTo(1);
        IndexDb db = m.indexDb(1, new byte[8]);
        assertThat(db.firstSeq()).isEqualTo(1);
        assertThat(db.lastSeq()).isZero();
    }

    @Test
    void anEmptiedStreamStaysWhereItsRemovalsLeftIt() throws Exception {
        StreamMutator m = emptyStream();
        m.startBlock(1);
        m.skipTo(6);
        m.purgedAll();
        assertThat(m.firstSeq()).isEqualTo(7);
        assertThat(m.lastSeq()).isEqualTo(6);
    }

    @Test
    void aStreamStillHoldingMessagesIsRefused() throws Exception {
        StreamMutator m = emptyStream();
        m.startBlock(1);
        m.appended(1, 1_000, "s.a", 40);
        assertThatThrownBy(m::purgedAll).isInstanceOf(IllegalStateException.class);
        assertThat(m.firstSeq()).isEqualTo(1);
    }
}
