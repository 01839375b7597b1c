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
 * {@link StreamMutator#skipTo}: nats-server's purge up to a sequence beyond the last moves an empty
 * stream's first and last sequence, its new last block with them (what {@code index.db} then says).
 */
class SkipToTest {
    @TempDir
    Path dir;

    private StreamMutator emptyStream() throws Exception {
        StreamConfig config = StreamConfig.parse("{\"name\":\"S\",\"subjects\":[\"s.>\"]}".getBytes(StandardCharsets.UTF_8));
        StoreContext ctx = StoreContext.singleThreaded();
        return StreamOpener.open("$G", "S", dir, config, ctx).handOver(ctx);
    }

    @Test
    void anEmptyStreamMovesWithItsNewLastBlock() throws Exception {
        StreamMutator m = emptyStream();
        m.startBlock(1);
        m.skipTo(9);
        assertThat(m.firstSeq()).isEqualTo(10);
        assertThat(m.lastSeq()).isEqualTo(9);
        assertThat(m.messages()).isZero();
        IndexDb db = m.indexDb(1, new byte[8]);
        assertThat(db.firstSeq()).isEqualTo(10);
        assertThat(db.lastSeq()).isEqualTo(9);
        assertThat(db.blocks()).singleElement().satisfies(b -> {
            assertThat(b.firstSeq()).isEqualTo(10);
            assertThat(b.lastSeq()).isEqualTo(9);
        });
        StreamView v = m.view(i -> -1);
        assertThat(v.firstSeq()).isEqualTo(10);
        assertThat(v.lastSeq()).isEqualTo(9);
    }

    @Test
    void aStreamHoldingAMessageDoesNotMove() throws Exception {
        StreamMutator m = emptyStream();
        m.startBlock(1);
        m.appended(1, 1_000, "s.a", 40);
        assertThatThrownBy(() -> m.skipTo(9)).isInstanceOf(IllegalStateException.class);
        assertThat(m.lastSeq()).isEqualTo(1);
    }

    @Test
    void theLastSequenceNeverGoesBack() throws Exception {
        StreamMutator m = emptyStream();
        m.startBlock(1);
        m.skipTo(9);
        assertThatThrownBy(() -> m.skipTo(9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> m.skipTo(3)).isInstanceOf(IllegalArgumentException.class);
        assertThat(m.lastSeq()).isEqualTo(9);
    }

    @Test
    void aStreamWithoutABlockForTheTombstoneDoesNotMove() throws Exception {
        StreamMutator m = emptyStream();
        assertThatThrownBy(() -> m.skipTo(9)).isInstanceOf(IllegalStateException.class);
        assertThat(m.lastSeq()).isZero();
    }
}
