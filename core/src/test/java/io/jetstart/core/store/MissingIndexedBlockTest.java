package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MANY of the s2 stores (blocks 1-4, messages 1..1100 of which 678 are left, last 1100) with a middle
 * block gone under an {@code index.db} that names it. nats-server 2.10.27 checks only the write block
 * and starts with {@code index.db} as it is; 2.15.1 rebuilds from the blocks there are (measured:
 * 678 messages on 2.10.27 without 2.blk or 3.blk, 645 and 345 on 2.15.1; last 1100 on both).
 */
class MissingIndexedBlockTest {
    @TempDir
    Path tmp;

    private Path withoutBlock(String fixture, int block) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp);
        Path sd = store.resolve("jetstream").resolve("$G").resolve("streams").resolve("MANY");
        Files.delete(sd.resolve("msgs").resolve(block + ".blk"));
        return sd;
    }

    private static StreamStore open(Path sd, ServerLine line, boolean forWriter) throws Exception {
        StreamKeys keys = StreamKeys.load(null, "$G", sd, DiskGate.unbounded());
        return StreamOpener.open("$G", "MANY", sd, MetaFiles.readStream(sd, DiskGate.unbounded(), keys).config(),
                StoreContext.singleThreaded(), line, keys, forWriter);
    }

    @ParameterizedTest(name = "{0} without {1}.blk under {2}: {3} messages, last 1100, from {4}")
    @CsvSource({
            "nats-2.10.27-s2, 2, 2.10, 678, index",
            "nats-2.10.27-s2, 3, 2.10, 678, index",
            "nats-2.10.27-s2, 2, 2.11, 645, rebuilt",
            "nats-2.10.27-s2, 2, 2.15, 645, rebuilt",
            "nats-2.10.27-s2, 3, 2.15, 345, rebuilt",
            // 2.10 reads no v4 index.db: rebuilt whatever it names.
            "nats-2.15.1-s2, 2, 2.10, 645, rebuilt",
            "nats-2.15.1-s2, 2, 2.15, 645, rebuilt"})
    void eachLineStartsWithWhatItsServerReportsForAMissingMiddleBlock(String fixture, int block, String line, long messages,
                                                                        String source) throws Exception {
        StreamStore s = open(withoutBlock(fixture, block), ServerLine.parse(line), false);
        assertThat(s.state().messages()).isEqualTo(messages);
        assertThat(s.state().lastSeq()).isEqualTo(1100);
        assertThat(s.source().jsonName()).isEqualTo(source);
        assertThat(s.trustsMissingBlocks()).isEqualTo(source.equals("index"));
    }

    @ParameterizedTest
    @CsvSource({"2", "3"})
    void under2_10TheMissingBlockIsReportedAsDamageTheServerStartsWith(int block) throws Exception {
        StreamStore s = open(withoutBlock("nats-2.10.27-s2", block), ServerLine.V2_10, false);
        Path blk = s.msgsDir.resolve(block + ".blk");
        assertThat(s.problems()).anySatisfy(p -> {
            assertThat(p.file()).isEqualTo(blk);
            assertThat(p.severity()).isEqualTo(Problem.Severity.DAMAGE);
            assertThat(p.serverAction()).isEqualTo(ServerAction.NONE);
            assertThat(p.message()).contains("named in index.db is missing");
        });
    }

    @ParameterizedTest
    @CsvSource({"2", "3"})
    void aWriterRebuildsUnder2_10AndKeepsTheLastSequence(int block) throws Exception {
        // A writer cannot serve or remove messages of a block that is not there; the last stays 1100
        // (the block is lost data), so no sequence the server would not use again is published again.
        StreamStore s = open(withoutBlock("nats-2.10.27-s2", block), ServerLine.V2_10, true);
        assertThat(s.source()).isEqualTo(Source.REBUILT);
        assertThat(s.trustsMissingBlocks()).isFalse();
        assertThat(s.state().messages()).isEqualTo(block == 2 ? 645 : 345);
        assertThat(s.state().lastSeq()).isEqualTo(1100);
        assertThat(s.problems()).anySatisfy(p -> assertThat(p.serverAction()).isEqualTo(ServerAction.REBUILD));
    }
}
