package io.jetstart.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteErrorsTest {
    @TempDir
    Path dir;

    @Test
    void anErrorThatNamesNoFileGetsTheOperationAndTheFileInFrontAndKeepsItsCause() {
        IOException full = new IOException("No space left on device");
        IOException named = WriteErrors.naming("write", Path.of("/s/msgs/24.blk"), full);
        assertThat(named).hasMessage("write /s/msgs/24.blk: No space left on device").hasCause(full);
    }

    @Test
    void errorsThatNameAFileOrAreCancellationsAreLeftAsTheyAre() {
        Path file = Path.of("/s/msgs/1.blk");
        IOException fs = new FileSystemException(file.toString(), null, "No space left on device");
        IOException interrupted = new ClosedByInterruptException();
        IOException io = new InterruptedIOException("interrupted");
        assertThat(WriteErrors.naming("write", file, fs)).isSameAs(fs);
        assertThat(WriteErrors.naming("write", file, interrupted)).isSameAs(interrupted);
        assertThat(WriteErrors.naming("write", file, io)).isSameAs(io);
    }

    @Test
    void anAtomicWriteThatFailsNamesItsTargetNotItsTempFileAndLeavesNoTempFile() throws Exception {
        Path target = dir.resolve("index.db");
        // A directory in the target's place: the write's rename fails, naming the target.
        Files.createDirectories(target.resolve("in-the-way"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AtomicFiles.write(target, new byte[] {1, 2, 3}))
                .isInstanceOf(IOException.class).hasMessageContaining(target.toString());
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("index.db");
        }
    }
}
