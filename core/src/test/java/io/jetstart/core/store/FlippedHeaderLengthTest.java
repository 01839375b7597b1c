package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record's {@code hlen} is not covered by its checksum, so a flipped one passes the rebuild. The
 * limits that run after the rebuild must still see every message after it: before the fix they
 * stopped there and left 941 messages in a stream whose first sequence was past its last.
 */
class FlippedHeaderLengthTest {
    @Test
    void maxMsgsStillKeepsExactlyTheNewestMessages(@TempDir Path tmp) throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        Files.delete(stream.resolve("msgs/index.db"));
        String inf = Files.readString(stream.resolve("meta.inf")).replace("\"max_msgs\":-1", "\"max_msgs\":500");
        assertThat(inf).contains("\"max_msgs\":500");
        Files.writeString(stream.resolve("meta.inf"), inf);
        Files.writeString(stream.resolve("meta.sum"), MetaFiles.streamChecksum("LIM1", inf.getBytes(StandardCharsets.UTF_8)));
        Path blk = stream.resolve("msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        b[6664 + 22 + 6 + 3] = 0x40; // hlen of seq 50 (spec §9.10), now 1 GiB + 22
        Files.write(blk, b);

        StreamStore s = StreamOpener.open("$G", "LIM1", stream, MetaFiles.readStream(stream, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded());

        StreamState st = s.state();
        assertThat(st.messages()).isEqualTo(500);
        assertThat(st.lastSeq()).isEqualTo(1000);
        assertThat(st.messages() + st.numDeleted()).isEqualTo(st.lastSeq() - st.firstSeq() + 1);
        assertThat(st.subjects().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(500);
    }
}
