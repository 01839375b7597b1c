package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.IndexDbCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stream's own {@code index.db} version: its first two bytes, or 0 when they are not an index.db's. */
class IndexVersionsTest {
    @TempDir
    Path stream;

    private int versionOf(byte... head) throws Exception {
        Files.createDirectories(stream.resolve("msgs"));
        Files.write(stream.resolve("msgs").resolve("index.db"), head);
        return IndexVersions.of(stream);
    }

    @Test
    void everyVersionTheCodecReadsIsTakenFromTheHeader() throws Exception {
        for (int v = IndexDbCodec.MIN_VERSION; v <= IndexDbCodec.MAX_VERSION; v++) {
            assertThat(versionOf((byte) IndexDbCodec.MAGIC, (byte) v, (byte) 0, (byte) 0)).as("v" + v).isEqualTo(v);
        }
    }

    @Test
    void aHeaderThatIsNoIndexDbsGivesZero() throws Exception {
        assertThat(versionOf()).as("empty").isZero();
        assertThat(versionOf((byte) IndexDbCodec.MAGIC)).as("magic only").isZero();
        assertThat(versionOf((byte) (IndexDbCodec.MAGIC + 1), (byte) IndexDbCodec.MIN_VERSION)).as("other magic").isZero();
        assertThat(versionOf((byte) IndexDbCodec.MAGIC, (byte) (IndexDbCodec.MAX_VERSION + 1))).as("newer version").isZero();
        assertThat(versionOf((byte) IndexDbCodec.MAGIC, (byte) 0xff)).as("version 255").isZero();
    }

    @Test
    void aMissingIndexDbOrADirectoryInItsPlaceGivesZero() throws Exception {
        assertThat(IndexVersions.of(stream)).isZero();
        Files.createDirectories(stream.resolve("msgs").resolve("index.db"));
        assertThat(IndexVersions.of(stream)).isZero();
    }
}
