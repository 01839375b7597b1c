package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What open says about a store directory it cannot use, before it creates or locks anything. */
class StoreDirTest {
    @TempDir
    Path tmp;

    @Test
    void aMissingDirectoryIsNamedAsMissingAndNotCreated() {
        Path missing = tmp.resolve("no-such-store");

        assertThatThrownBy(() -> JetStart.open(missing, RuntimeOptions.defaults())).isInstanceOf(IOException.class)
                .hasMessage(missing + " does not exist (JetStart.open creates a store only in an existing directory:"
                        + " create it first)");
        assertThat(missing).doesNotExist();
    }

    @Test
    void aFileIsNamedAsNotADirectory() throws IOException {
        Path file = Files.writeString(tmp.resolve("store.txt"), "x");

        assertThatThrownBy(() -> JetStart.open(file, RuntimeOptions.defaults())).isInstanceOf(IOException.class)
                .hasMessage(file + " is not a directory");
    }
}
