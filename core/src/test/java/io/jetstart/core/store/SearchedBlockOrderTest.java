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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rebuild as nats-server 2.10.x does it warns when a block of tombstones only lies below the
 * blocks before it and the stream has 33 blocks or more: 2.10.27 then finds blocks by a binary
 * search that misses (docs/format-notes.md). The state reported stays what the blocks hold.
 */
class SearchedBlockOrderTest {
    @TempDir
    Path dir;

    /** {@code messages} blocks of one message each (block i holds seq i), then one block of {@code last}'s records. */
    private StreamStore rebuilt(int messages, ServerLine line, boolean skipFirst) throws Exception {
        Path msgs = Files.createDirectories(dir.resolve("msgs"));
        for (int i = 1; i <= messages; i++) {
            ByteWriter out = new ByteWriter();
            Records.writeMessage(out, RecordHashes.forBlock("S", i), i, i, "s.1".getBytes(StandardCharsets.US_ASCII), null,
                    new byte[] {1});
            Files.write(msgs.resolve(i + ".blk"), Arrays.copyOf(out.array(), out.size()));
        }
        ByteWriter out = new ByteWriter();
        int tail = messages + 1;
        if (skipFirst) {
            Records.writeSkip(out, RecordHashes.forBlock("S", tail), messages, messages);
        }
        Records.writeTombstone(out, RecordHashes.forBlock("S", tail), 1, 1);
        Files.write(msgs.resolve(tail + ".blk"), Arrays.copyOf(out.array(), out.size()));
        StreamConfig config = StreamConfig.parse("{\"name\":\"S\",\"subjects\":[\"s.>\"]}".getBytes(StandardCharsets.UTF_8));
        return StreamOpener.open("$G", "S", dir, config, StoreContext.singleThreaded(), line);
    }

    private static List<Problem> outOfOrder(StreamStore s) {
        return s.problems().stream().filter(p -> p.message().contains("binary search")).toList();
    }

    @Test
    void aBlockOfTombstonesBelowTheBlocksBeforeItIsNamedFor210From33Blocks() throws Exception {
        StreamStore s = rebuilt(33, ServerLine.V2_10, false);
        assertThat(outOfOrder(s)).singleElement().satisfies(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(p.file().getFileName().toString()).isEqualTo("34.blk");
            assertThat(p.message()).contains("2..1").contains("below block 33 (last 33)").contains("34 blocks");
        });
        // What the blocks hold: message 1 removed by its tombstone.
        assertThat(s.state().messages()).isEqualTo(32);
        assertThat(s.state().firstSeq()).isEqualTo(2);
    }

    @Test
    void aSkipOfTheLastSequenceBeforeTheTombstonesKeepsTheBlocksInOrder() throws Exception {
        assertThat(outOfOrder(rebuilt(33, ServerLine.V2_10, true))).isEmpty();
    }

    @Test
    void belowThirtyThreeBlocksTheServerScansThemAndFindsEveryOne() throws Exception {
        assertThat(outOfOrder(rebuilt(31, ServerLine.V2_10, false))).isEmpty();
    }

    @Test
    void otherLinesAreNotWarnedFor() throws Exception {
        assertThat(outOfOrder(rebuilt(33, ServerLine.V2_15, false))).isEmpty();
    }
}
