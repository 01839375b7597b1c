package io.jetstart.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlainFileNamesTest {
    @TempDir
    Path tmp;

    @Test
    void aNameWithTheReplacementCharacterIsLeftToThePath() {
        assertThat(PlainFileNames.exact("S1")).isTrue();
        assertThat(PlainFileNames.exact("S\uFFFD")).isFalse();
        assertThat(PlainFileNames.sameThroughJavaIo(tmp.resolve("S\uFFFD"))).isFalse();
    }

    @Test
    void aNonAsciiNameIsReadThroughJavaIoOnlyWhereFileNamesAreUtf8() throws Exception {
        boolean utf8 = "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));
        Path dir = tmp.resolve("Str\u00f6m");
        assertThat(PlainFileNames.sameThroughJavaIo(dir)).isEqualTo(utf8);
        assumeTrue(utf8);
        Files.createDirectories(dir);
        Path f = Files.writeString(dir.resolve("meta.inf"), "{\"name\":\"Str\u00f6m\"}");
        assertThat(f.toFile().getPath().getBytes(StandardCharsets.UTF_8)).isEqualTo(f.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(BoundedReads.readAll(f, 1024, DiskGate.unbounded())).isEqualTo(Files.readAllBytes(f));
        byte[] all = Files.readAllBytes(f);
        assertThat(BoundedReads.readTail(f, 4, DiskGate.unbounded())).isEqualTo(Arrays.copyOfRange(all, all.length - 4, all.length));
    }
}
