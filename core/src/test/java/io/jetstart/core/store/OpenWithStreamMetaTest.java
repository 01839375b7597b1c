package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.hash.StreamChecksumKey;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamMeta;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream opened with its verified meta files checks its {@code index.db} trailer with the key
 * {@code meta.sum} was checked with, and opens exactly as with its config alone.
 */
class OpenWithStreamMetaTest {
    @TempDir
    Path tmp;

    private static StoreContext ctx() {
        return new StoreContext(DiskGate.unbounded(), new BlockBuffers(1), BlockWork.sequential(), RecordHashSource.chosen(),
                () -> 0L, StoreContext.ScanProgress.NONE);
    }

    private static void assertSameOpen(StreamStore a, StreamStore b) {
        assertThat(a.source()).isEqualTo(b.source());
        assertThat(a.state()).usingRecursiveComparison().isEqualTo(b.state());
        assertThat(a.problems()).isEqualTo(b.problems());
    }

    @Test
    void everyStreamOpensWithItsMetaAsWithItsConfig() throws Exception {
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        List<StreamDir> streams = StoreLayout.discover(store, DiskGate.unbounded()).streams();
        int fast = 0;
        for (StreamDir sd : streams) {
            StreamMeta meta = MetaFiles.readStream(sd.dir(), DiskGate.unbounded(), StreamKeys.PLAIN);
            StreamStore withMeta = StreamOpener.open(sd, meta, ctx(), ServerLine.NEWEST, StreamKeys.PLAIN);
            assertSameOpen(withMeta, StreamOpener.open(sd, meta.config(), ctx(), ServerLine.NEWEST, StreamKeys.PLAIN));
            assertSameOpen(StreamOpener.openVerifyingBlocks(sd, meta, ctx(), ServerLine.NEWEST, StreamKeys.PLAIN),
                    StreamOpener.openVerifyingBlocks(sd, meta.config(), ctx(), ServerLine.NEWEST, StreamKeys.PLAIN));
            if (withMeta.source() == Source.INDEX) {
                fast++;
            }
        }
        assertThat(fast).isPositive();
    }

    @Test
    void aKeyMadeForAnotherNameIsNotUsedForTheTrailer() throws Exception {
        Path store = Fixtures.copy("nats-2.15.1-small", tmp).resolve("store");
        StreamDir lim1 = null;
        for (StreamDir sd : StoreLayout.discover(store, DiskGate.unbounded()).streams()) {
            if (sd.name().equals("LIM1")) {
                lim1 = sd;
            }
        }
        assertThat(lim1).isNotNull();
        StreamMeta meta = MetaFiles.readStream(lim1.dir(), DiskGate.unbounded(), StreamKeys.PLAIN);
        StreamMeta otherKey = new StreamMeta(meta.config(), meta.metaInf(), meta.metaSum(), StreamChecksumKey.of("LIM2"));
        StreamStore s = StreamOpener.open(lim1, otherKey, ctx(), ServerLine.NEWEST, StreamKeys.PLAIN);
        assertThat(s.source()).isEqualTo(Source.INDEX);
        assertThat(s.problems()).isEmpty();
    }
}
