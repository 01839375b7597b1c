package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file-system error names its file and what is wrong with it, on one line. */
class ErrorTextTest {

    @Test
    void aKeyFileThatDoesNotExistIsNamedAndSaidToBeMissing(@TempDir Path tmp) {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-chacha", tmp);
        Path missing = tmp.resolve("no-such.key");

        TestStores.Run run = TestStores.cli("inspect", store.toString(), "--key-file", missing.toString());

        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).isEqualTo("jetstart: cannot read the key file: " + missing + ": does not exist\n");
    }

    @Test
    void aKeyFileThatIsAFolderIsNamed(@TempDir Path tmp) {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-chacha", tmp);

        TestStores.Run run = TestStores.cli("inspect", store.toString(), "--key-file", tmp.toString());

        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).isEqualTo("jetstart: cannot read the key file: " + tmp + ": a directory, not a file\n");
    }

    @Test
    void theJdksPathOnlyExceptionsGetTheirReason() {
        assertThat(ErrorText.of(new NoSuchFileException("/data/nats/jetstream"))).isEqualTo("/data/nats/jetstream: does not exist");
        assertThat(ErrorText.of(new AccessDeniedException("/data/nats/jetstream"))).isEqualTo("/data/nats/jetstream: permission denied");
        assertThat(ErrorText.of(new AccessDeniedException("/a", null, "Operation not permitted"))).isEqualTo("/a: Operation not permitted");
    }

    @Test
    void anExceptionWithoutAMessageIsNamedByItsType() {
        assertThat(ErrorText.of(new IllegalStateException())).isEqualTo("IllegalStateException");
        assertThat(ErrorText.of(new java.io.IOException("disk on fire"))).isEqualTo("disk on fire");
    }
}
