package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.format.RecordCursor;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime reads through core's verified reader: a damaged record is refused with its file and offset, never handed out. */
class VerifiedReadsTest {
    @TempDir
    Path dir;

    @Test
    void aDamagedRecordBehindAValidIndexIsRefusedByGetAndBySearchesThatWouldReturnIt() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s.*\"]}"));
            for (int i = 1; i <= 5; i++) {
                s.publish("s." + (i % 2), bytes("payload number " + i));
            }
        }
        Path blk = dir.resolve("jetstream/$G/streams/S/msgs/1.blk");
        byte[] b = Files.readAllBytes(blk);
        RecordCursor c = new RecordCursor().wrap(b, b.length);
        int third = -1;
        while (c.next()) {
            if (c.seq() == 3) {
                third = c.offset();
                b[c.payloadOffset()] ^= 0x20;
            }
        }
        Files.write(blk, b);
        // index.db (written on close) still names the block, so the stream opens on the fast path
        // with all five messages live, as nats-server does; reading 3 finds the bad checksum.
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.stream("S").await(Duration.ofSeconds(30));
            assertThat(s.info().messages()).isEqualTo(5);
            int at = third;
            assertThatThrownBy(() -> s.get(3)).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining(blk.toString()).hasMessageContaining("at offset " + at).hasMessageContaining("checksum");
            assertThat(new String(s.get(2).orElseThrow().payload())).isEqualTo("payload number 2");
            assertThat(new String(s.get(4).orElseThrow().payload())).isEqualTo("payload number 4");
            // s.1 holds 1, 3, 5: the last is sound; the next from 2 would be 3, which is damaged.
            assertThat(s.lastBySubject("s.1").orElseThrow().seq()).isEqualTo(5);
            assertThatThrownBy(() -> s.next(2, "s.1")).isInstanceOf(UncheckedIOException.class).hasMessageContaining("offset " + at);
            assertThat(s.next(2, "s.0").orElseThrow().seq()).isEqualTo(2);
        }
    }
}
