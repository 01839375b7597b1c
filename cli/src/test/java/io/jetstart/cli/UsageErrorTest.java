package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wrong options exit 64 before any work, quoting values as typed; a missing store is named as missing. */
class UsageErrorTest {

    @Test
    void aZeroDeadlineIsAUsageErrorQuotedAsTyped(@TempDir Path tmp) {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);

        TestStores.Run run = TestStores.cli("recover", store.toString(), "--deadline", "0ms", "--quiet");

        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("--deadline must be positive, got 0ms").doesNotContain("PT0S");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void diosAndWorkersOutOfRangeAreNamedByTheirFlags(@TempDir Path tmp) {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);

        TestStores.Run dios = TestStores.cli("recover", store.toString(), "--dios", "0", "--quiet");
        TestStores.Run workers = TestStores.cli("recover", store.toString(), "--workers", "4097", "--quiet");

        assertThat(dios.exit()).isEqualTo(Main.USAGE);
        assertThat(dios.err()).isEqualTo("jetstart: --dios must be between 1 and 8192, got 0\n");
        assertThat(workers.exit()).isEqualTo(Main.USAGE);
        assertThat(workers.err()).isEqualTo("jetstart: --workers must be between 1 and 4096, got 4097\n");
        assertThat(dios.out() + workers.out()).isEmpty();
    }

    @Test
    void aNegativeDeadlineIsRefusedByTheParser(@TempDir Path tmp) {
        TestStores.Run run = TestStores.cli("recover", tmp.toString(), "--deadline=-5s");

        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("'-5s' is negative");
    }

    @Test
    void demoWithZeroStreamsSaysSoBeforePrintingOrCreatingAnything() throws Exception {
        Set<Path> before = demoFolders();

        TestStores.Run run = TestStores.cli("demo", "--streams", "0", "--keep");

        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("--streams must be 1..100000, got 0");
        assertThat(run.out()).as("nothing generated, nothing kept").isEmpty();
        assertThat(demoFolders()).isEqualTo(before);
    }

    @Test
    void lingerWithoutAMetricsPortIsAUsageError() {
        TestStores.Run run = TestStores.cli("demo", "--linger", "30s");

        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("--linger").contains("needs --metrics-port");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void jetstartAloneListsTheCommandsOnStderrAndExits64() {
        TestStores.Run run = TestStores.cli();

        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("Usage: jetstart").contains("Commands:").contains("  recover ").contains("  publish ")
                .doesNotContain("Missing required subcommand");
    }

    @Test
    void aMissingStoreDirectoryIsReportedAsMissing(@TempDir Path tmp) {
        TestStores.Run run = TestStores.cli("inspect", tmp.resolve("no-such-store").toString());

        assertThat(run.exit()).isEqualTo(Main.NO_INPUT);
        assertThat(run.err()).contains("no-such-store does not exist");
    }

    /** The runtime commands word a missing store as the read-only ones do, and create nothing there. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"publish", "consume", "kv"})
    void theRuntimeCommandsReportAMissingStoreDirectoryAsMissing(String command, @TempDir Path tmp) {
        Path missing = tmp.resolve("no-such-store");
        TestStores.Run run = switch (command) {
            case "publish" -> TestStores.cli("publish", missing.toString(), "ORDERS", "--count", "1");
            case "consume" -> TestStores.cli("consume", missing.toString(), "ORDERS", "C1");
            default -> TestStores.cli("kv", missing.toString(), "CONFIG", "keys");
        };

        assertThat(run.exit()).isEqualTo(Main.NO_INPUT);
        assertThat(run.err()).contains("no-such-store does not exist")
                .as("says how to start a new store").contains("create it first, e.g. mkdir -p " + missing);
        assertThat(missing).doesNotExist();
    }

    /**
     * An account no store can hold is a wrong option for every command that opens a stream, worded
     * as {@code get} words it, before the store is opened (no lock file): {@code publish ''} said
     * "{@code  > ORDERS: stream not found}" after opening the store.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {"publish|''", "consume|''", "kv|''", "get|''",
        "publish|a/b", "consume|..", "kv|a b", "get|."})
    void anAccountNoStoreCanHoldIsAUsageErrorBeforeTheStoreIsOpened(String command, String account, @TempDir Path tmp) throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        TestStores.Run run = switch (command) {
            case "publish" -> TestStores.cli("publish", store.toString(), "ORDERS", "--count", "1", "--account", account);
            case "consume" -> TestStores.cli("consume", store.toString(), "ORDERS", "C1", "--account", account);
            case "kv" -> TestStores.cli("kv", store.toString(), "CONFIG", "keys", "--account", account);
            default -> TestStores.cli("get", store.toString(), "ORDERS", "--seq", "1", "--account", account);
        };

        assertThat(run.exit()).as(run.err()).isEqualTo(Main.USAGE);
        assertThat(run.err()).isEqualTo("jetstart: invalid account name '" + account + "'\n");
        if (!command.equals("get")) {
            try (Stream<Path> left = Files.list(store)) {
                assertThat(left).as("the store was not opened").isEmpty();
            }
        }
    }

    @Test
    void aFileGivenAsStoreDirectoryIsReportedAsNotADirectory(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("store.txt"), "not a store");

        TestStores.Run run = TestStores.cli("recover", file.toString(), "--quiet");

        assertThat(run.exit()).isEqualTo(Main.NO_INPUT);
        assertThat(run.err()).contains("store.txt is not a directory");
    }

    private static Set<Path> demoFolders() throws Exception {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return Set.copyOf(entries.filter(p -> p.getFileName().toString().startsWith("jetstart-demo-")).toList());
        }
    }
}
