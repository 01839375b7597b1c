package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MAX1 (records 1..1000 in one block, max_msgs 800) with its block cut, under an {@code index.db}
 * that still says 1000. Where the cut falls on a record boundary the rebuild loses no data, and
 * nats-server 2.10.27 starts with the blocks' 999 while 2.11.4+ keep 1000 (2.12.5+ and 2.14+ with a
 * tombstone, 2.11 without: it writes one only for lost data); cut inside a record, every line keeps
 * 1000 with a tombstone (measured on 2.10.27 and 2.15.1, DamagedStoreOnServerIT).
 */
class CutAtRecordBoundaryTest {
    @TempDir
    Path tmp;

    private Path cutMax1(String fixture, int intoRecord1000) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp);
        Path sd = store.resolve("jetstream").resolve("$G").resolve("streams").resolve("MAX1");
        Path blk = sd.resolve("msgs").resolve("1.blk");
        byte[] b = Files.readAllBytes(blk);
        RecordCursor c = new RecordCursor().wrap(b, b.length);
        int at = -1;
        while (c.next()) {
            if (c.seq() == 1000) {
                at = c.offset();
            }
        }
        assertThat(at).as("record 1000 in %s", blk).isPositive();
        Files.write(blk, Arrays.copyOf(b, at + intoRecord1000));
        return sd;
    }

    private static StreamStore open(Path sd, ServerLine line) throws Exception {
        StreamKeys keys = StreamKeys.load(null, "$G", sd, DiskGate.unbounded());
        return StreamOpener.open("$G", "MAX1", sd, MetaFiles.readStream(sd, DiskGate.unbounded(), keys).config(),
                StoreContext.singleThreaded(), line);
    }

    /** The action jetstart names for index.db's last past the blocks', or "none" when it is not kept. */
    private static String lastSequenceAction(StreamStore s) {
        return s.problems().stream().map(Problem::serverAction)
                .filter(a -> a == ServerAction.WRITE_TOMBSTONE || a == ServerAction.KEEP_LAST_SEQUENCE)
                .map(ServerAction::jsonName).findFirst().orElse("none");
    }

    @ParameterizedTest(name = "{0} cut {2} bytes into record 1000 under {1}: last {3}, {4}")
    @CsvSource({
            "nats-2.10.27-small, 2.10, 0, 999, none",
            // 2.11.17 and 2.12.0-2.12.4 keep 1000 but write its tombstone only with lost data.
            "nats-2.10.27-small, 2.11, 0, 1000, keep_last_sequence",
            "nats-2.10.27-small, 2.12, 0, 1000, write_tombstone",
            "nats-2.10.27-small, 2.15, 0, 1000, write_tombstone",
            "nats-2.10.27-small, 2.10, 10, 1000, write_tombstone",
            "nats-2.10.27-small, 2.11, 10, 1000, write_tombstone",
            "nats-2.10.27-small, 2.15, 10, 1000, write_tombstone",
            "nats-2.15.1-small, 2.15, 0, 1000, write_tombstone",
            // 2.10 reads no v4 index.db, so nothing remembers 1000 whatever the cut.
            "nats-2.15.1-small, 2.10, 0, 999, none",
            "nats-2.15.1-small, 2.10, 10, 999, none"})
    void eachLineStartsWithTheLastSequenceItsServerKeeps(String fixture, String line, int into, long last, String action)
            throws Exception {
        StreamStore s = open(cutMax1(fixture, into), ServerLine.parse(line));
        assertThat(s.state().lastSeq()).isEqualTo(last);
        assertThat(s.state().messages()).as("the records 200..999 the cut left").isEqualTo(800);
        assertThat(lastSequenceAction(s)).isEqualTo(action);
    }

    @ParameterizedTest
    @CsvSource({"2.10", "2.15"})
    void aCleanCutUnder2_10SaysWhichSequencesTheServerUsesAgain(String line) throws Exception {
        StreamStore s = open(cutMax1("nats-2.10.27-small", 0), ServerLine.parse(line));
        boolean warned = s.problems().stream().anyMatch(p -> p.message().contains("will use sequences 1000..1000 again"));
        assertThat(warned).isEqualTo(line.equals("2.10"));
    }
}
