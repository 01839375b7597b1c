package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.format.Records;
import io.jetstart.core.hash.RecordHashes;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.StreamConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file named like a block with something after {@code .blk} (a temp file a crash left, a backup
 * copy) is no block to jetstart, but nats-server 2.10.27 reads it as one a second time when it
 * rebuilds (RemovalCrashIT: 187 messages counted twice): a 2.10 rebuild names it in a warning.
 */
class BlockLookalikeTest {
    @TempDir
    Path dir;

    private StreamStore rebuilt(ServerLine line) throws Exception {
        Path msgs = Files.createDirectories(dir.resolve("msgs"));
        ByteWriter out = new ByteWriter();
        Records.writeMessage(out, RecordHashes.forBlock("S", 1), 1, 1, "s.1".getBytes(StandardCharsets.US_ASCII), null, new byte[] {1});
        byte[] block = Arrays.copyOf(out.array(), out.size());
        Files.write(msgs.resolve("1.blk"), block);
        Files.write(msgs.resolve("1.blk.8417.tmp"), block);
        StreamConfig config = StreamConfig.parse("{\"name\":\"S\",\"subjects\":[\"s.>\"]}".getBytes(StandardCharsets.UTF_8));
        return StreamOpener.open("$G", "S", dir, config, StoreContext.singleThreaded(), line);
    }

    @Test
    void aRebuildAs210NamesTheFileAndCountsItsMessagesOnce() throws Exception {
        StreamStore s = rebuilt(ServerLine.V2_10);
        assertThat(s.state().messages()).isEqualTo(1);
        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(p.file().getFileName().toString()).isEqualTo("1.blk.8417.tmp");
            assertThat(p.message()).contains("takes this file for block 1");
        });
    }

    @Test
    void laterLinesCheckTheSuffixAndAreNotWarnedFor() throws Exception {
        assertThat(rebuilt(ServerLine.V2_15).problems()).noneMatch(p -> p.message().contains("takes this file for block"));
    }
}
