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
 * The writer's {@code index.db} counts each block's messages with a {@code Nats-TTL}, as a rebuild
 * counts them: nats-server 2.11+ without {@code thw.db} times again only the TTL messages of blocks
 * counted not 0, so an archive unpacked with every count 0 kept its TTL messages for ever.
 */
class StreamWriterTtlCountTest {
    @TempDir
    Path tmp;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void eachBlockCountsItsMessagesWithANatsTtlWhateverTheValue() throws Exception {
        Path dir = tmp.resolve("T");
        byte[] payload = new byte[600];
        try (StreamWriter w = new StreamWriter(dir, "T", 1024, 2)) {
            w.append(ascii("a"), ascii("NATS/1.0\r\nNats-TTL: 5s\r\n\r\n"), payload, 1);
            w.append(ascii("a"), null, payload, 2);
            w.append(ascii("a"), ascii("NATS/1.0\r\nNats-TTL: never\r\n\r\n"), payload, 3);
            w.append(ascii("a"), ascii("NATS/1.0\r\nOther: 1\r\n\r\n"), payload, 4);
        }

        IndexDb db = IndexDbCodec.decode("T", Files.readAllBytes(dir.resolve("msgs").resolve("index.db")));

        // One 600-byte message a block (two do not fit in 1 KiB).
        assertThat(db.blocks()).extracting(IndexDb.Block::ttls).containsExactly(1L, 0L, 1L, 0L);
    }
}
