package io.jetstart.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AtomicFiles#writePair}: both files replaced, or (when the first cannot be) neither. */
class AtomicPairTest {
    @TempDir
    Path dir;

    @Test
    void bothFilesAreReplacedAndNoTempFileIsLeft() throws Exception {
        Files.writeString(dir.resolve("meta.inf"), "old");
        Files.writeString(dir.resolve("meta.sum"), "old sum");
        AtomicFiles.writePair(dir.resolve("meta.inf"), "new".getBytes(), dir.resolve("meta.sum"), "new sum".getBytes());
        assertThat(dir.resolve("meta.inf")).hasContent("new");
        assertThat(dir.resolve("meta.sum")).hasContent("new sum");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("meta.inf", "meta.sum");
        }
    }

    @Test
    void whenTheFirstCannotBeReplacedTheSecondIsNotEitherAndNoTempFileIsLeft() throws Exception {
        // A directory in the first file's place: its rename fails, after both temp files were written.
        Files.createDirectories(dir.resolve("meta.inf").resolve("in-the-way"));
        Files.writeString(dir.resolve("meta.sum"), "old sum");
        assertThatThrownBy(() -> AtomicFiles.writePair(dir.resolve("meta.inf"), "new".getBytes(), dir.resolve("meta.sum"),
                "new sum".getBytes())).hasMessageContaining("meta.inf");
        assertThat(dir.resolve("meta.sum")).hasContent("old sum");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("meta.inf", "meta.sum");
        }
    }

    @Test
    void filesOfTwoDirectoriesAreRefused() {
        assertThatThrownBy(() -> AtomicFiles.writePair(dir.resolve("a/meta.inf"), new byte[1], dir.resolve("b/meta.sum"), new byte[1]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
