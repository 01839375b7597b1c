package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.testing.LegacyIndexDamage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * 2.9.10's INT1 (first 302, 14 deletes listed in its {@code 1.idx} only) with a {@code 1.idx} that
 * does not decode. nats-server 2.9.10 rebuilds the block from its records in every case, so the 14
 * come back; but where its reader got past the first sequence before the failure (a file cut after
 * it, or its counts disagreeing) the rebuild keeps that first sequence, and restores 699 messages
 * (302..1000), where a bad header restores all 1,000 (measured, UndecodableLegacyIndexOnServerIT).
 * Each case names the file, the offset and what was expected and found.
 */
class UndecodableLegacyIndexTest {
    @TempDir
    Path tmp;

    /** INT1's 1.idx: 16 01 | ad 05 msgs 685 | e8 d7 05 bytes | ae 02 first 302 (offset 7) | ts | e8 07 last | ts | 0e dmapLen 14 (offset 29) | checksum (30..37) | 14 deltas. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "cut to 1 byte;        0; bad index file: expected magic 22 and version 1 or 2, found 1 bytes; 1000; 1",
            "bad magic;            0; bad index file: expected magic 22 and version 1 or 2, found magic 23 version 1; 1000; 1",
            "version 2;           38; could not decode avl dmap: sequence set magic: expected 22, found 6; 1000; 1",
            "cut in the first ts;  9; short index file: truncated uvarint first ts; 699; 302",
            "cut in the checksum; 30; short index file: need 8 bytes for the last checksum, 4 remain; 699; 302",
            "msgs 686;             2; accounting inconsistent: msgs 686 but lastSeq - firstSeq + 1 - dmapLen = 1000 - 302 + 1 - 14 = 685; 699; 302",
            "dmapLen 15;           2; accounting inconsistent: msgs 685 but lastSeq - firstSeq + 1 - dmapLen = 1000 - 302 + 1 - 15 = 684; 699; 302"})
    void theBlockIsRebuiltFromTheFirstSequence29ReadBeforeTheFailure(String damage, long offset, String reason, long messages,
                                                                     long first) throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "INT1");
        Path idx = stream.resolve("msgs/1.idx");
        Files.write(idx, LegacyIndexDamage.apply(Files.readAllBytes(idx), damage));

        StreamStore s = open(stream);

        StreamState st = s.state();
        assertThat(st.messages()).isEqualTo(messages);
        assertThat(st.firstSeq()).isEqualTo(first);
        assertThat(st.lastSeq()).isEqualTo(1000);
        assertThat(st.numDeleted()).as("the 14 listed deletes come back, as on 2.9.10").isZero();
        Problem ignored = s.problems().get(0);
        assertThat(ignored.file()).isEqualTo(idx);
        assertThat(ignored.offset()).isEqualTo(offset);
        assertThat(ignored.message()).startsWith("legacy index ignored: " + reason + "; block rebuilt from its records");
        assertThat(ignored.serverAction()).isEqualTo(ServerAction.DELETE_INDEX);
        if (first > 1) {
            assertThat(ignored.message()).endsWith("from sequence 302, the first sequence nats-server 2.9 reads before the failure");
            // The records below it stay removed, and a repair keeps the file that says so (2.9 reads it again).
            assertThat(s.problems()).hasSize(2);
            assertThat(s.problems().get(1).file()).isEqualTo(idx);
            assertThat(s.problems().get(1).message()).startsWith("301 record(s) of 1.blk that this .idx removed");
            assertThat(s.problems().get(1).serverAction()).isEqualTo(ServerAction.NONE);
        } else {
            assertThat(s.problems()).hasSize(1);
        }
    }

    private static StreamStore open(Path stream) throws Exception {
        return StreamOpener.open("$G", "INT1", stream, MetaFiles.readStream(stream, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded());
    }

}
