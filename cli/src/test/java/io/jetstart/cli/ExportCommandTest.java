package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code export} refuses before writing anything: a stream the store lacks, then a key that does not open it. */
class ExportCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aStreamTheStoreDoesNotHoldExitsNoInputNamingItAndWritesNothing() {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp.resolve("store"));
        Path out = tmp.resolve("out");

        TestStores.Run r = TestStores.cli("export", store.toString(), "NOPE", out.toString());

        assertThat(r.exit()).isEqualTo(Main.NO_INPUT);
        assertThat(r.err()).contains("has no stream $G > NOPE");
        assertThat(out).doesNotExist();
    }

    @Test
    void pushAndPullWithAServerThatIsNoNatsUrlAreUsageErrorsBeforeAnyWork() {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp.resolve("store"));

        TestStores.Run push = TestStores.cli("push", store.toString(), "LIM1", "--server", "bogus://x");
        TestStores.Run pull = TestStores.cli("pull", store.toString(), "NEW", "--server", "bogus://x");

        for (TestStores.Run r : java.util.List.of(push, pull)) {
            assertThat(r.exit()).as(r.err()).isEqualTo(Main.USAGE);
            assertThat(r.err()).startsWith("jetstart: --server bogus://x is not a NATS URL").hasLineCount(1);
        }
        assertThat(store.resolve("jetstream/$G/streams/NEW")).doesNotExist();
    }

    /**
     * pull into a store folder that does not exist yet, the server down: exit 66 naming the server,
     * and no folder left (it left jetstream/$G/streams, an empty store, where a failed pull leaves nothing).
     */
    @Test
    void aPullThatFailsLeavesNoFolderItMade() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Path store = tmp.resolve("new-store");

        TestStores.Run r = TestStores.cli("pull", store.toString(), "LIM1", "--server", "nats://127.0.0.1:" + closed);

        assertThat(r.exit()).as(r.err()).isEqualTo(Main.NO_INPUT);
        assertThat(r.err()).contains("nats://127.0.0.1:" + closed);
        assertThat(store).doesNotExist();
    }

    @Test
    void aDamagedStreamIsExportedAsItIsAndTheDamageIsSaidWithExitOne() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp.resolve("store"));
        Path msgs = store.resolve("jetstream/$G/streams/LIM1/msgs");
        Path last;
        try (java.util.stream.Stream<Path> blocks = java.nio.file.Files.list(msgs)) {
            last = blocks.filter(p -> p.getFileName().toString().endsWith(".blk")).max(java.util.Comparator.naturalOrder()).orElseThrow();
        }
        long size = java.nio.file.Files.size(last);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(last, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(size / 2); // a torn tail: the records after the cut are gone
        }
        Path out = tmp.resolve("out");

        TestStores.Run r = TestStores.cli("export", store.toString(), "LIM1", out.toString());

        assertThat(r.exit()).as(r.err()).isEqualTo(Main.DAMAGED);
        assertThat(r.out()).startsWith("exported $G > LIM1: ");
        assertThat(r.err()).contains("jetstart: damage: ").contains(last.getFileName().toString());
        assertThat(out.resolve("backup.json")).exists();
    }

    @Test
    void aWrongKeyIsRefusedAsEveryCommandRefusesItAndWritesNothing() {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-aes", tmp.resolve("store"));
        Path out = tmp.resolve("out");

        TestStores.Run r = TestStores.cli("export", store.toString(), "LIM1", out.toString(), "--key", "not the key");
        TestStores.Run inspect = TestStores.cli("inspect", store.toString(), "--key", "not the key");

        assertThat(r.exit()).isEqualTo(inspect.exit()).isNotZero();
        assertThat(r.err()).contains("meta.key");
        assertThat(out).doesNotExist();
    }
}
