package io.jetstart.core.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.IndexDb;
import io.jetstart.core.format.IndexDbCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's {@code index.db} counts each block's messages with a {@code Nats-Schedule}, as a
 * rebuild counts them: nats-server 2.12+ without {@code sched.db} rebuilds its scheduler only from
 * blocks counted not 0, so a stream written with every count 0 lost its pending schedules
 * (2.15.1's {@code sched.db} after a restart held none: docs/format-notes.md, "Schedule counts").
 */
class StreamWriterScheduleCountTest {
    @TempDir
    Path tmp;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void eachBlockCountsItsMessagesWithANatsScheduleWhateverTheValue() throws Exception {
        Path dir = tmp.resolve("S");
        byte[] payload = new byte[600];
        try (StreamWriter w = new StreamWriter(dir, "S", 1024, 4)) {
            w.append(ascii("s.1"), ascii("NATS/1.0\r\nNats-Schedule: @at 2126-01-01T00:00:00Z\r\nNats-Schedule-Target: out.1\r\n\r\n"),
                    payload, 1);
            w.append(ascii("s.2"), null, payload, 2);
            // Counted though the server's scheduler would not fire it (no target): a rebuild counts the header.
            w.append(ascii("s.3"), ascii("NATS/1.0\r\nNats-Schedule: @every 5m\r\n\r\n"), payload, 3);
            w.append(ascii("s.4"), ascii("NATS/1.0\r\nNats-Schedule-Target: out.4\r\n\r\n"), payload, 4);
            w.append(ascii("s.5"), ascii("NATS/1.0\r\nNats-Schedule:\r\n\r\n"), payload, 5);
        }

        IndexDb db = IndexDbCodec.decode("S", Files.readAllBytes(dir.resolve("msgs").resolve("index.db")));

        // One 600-byte message a block (two do not fit in 1 KiB); an empty value is no schedule.
        assertThat(db.blocks()).extracting(IndexDb.Block::schedules).containsExactly(1L, 0L, 1L, 0L, 0L);
        assertThat(db.blocks()).extracting(IndexDb.Block::ttls).containsOnly(0L);
    }
}
