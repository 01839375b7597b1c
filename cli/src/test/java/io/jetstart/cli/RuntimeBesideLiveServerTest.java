package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * publish, kv and consume refuse a store a running nats-server serves. nats-server takes no lock:
 * a publish beside a live 2.15.1 appended seq 18..20 to the block the server then overwrote with its
 * own 18..20, and the runtime's acknowledged messages were gone (297 bytes of the block unreadable).
 */
class RuntimeBesideLiveServerTest {
    @TempDir
    Path dir;

    @Test
    void theRuntimeCommandsRefuseAStoreARunningNatsServerServesAndNameIt() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")) && Files.isExecutable(Path.of("/bin/sh")), "needs /proc and /bin/sh");
        Path store = Files.createDirectories(dir.resolve("store"));
        assertThat(TestStores.cli("publish", store.toString(), "S", "--create", "s", "--count", "2").exit()).isZero();
        byte[] block = Files.readAllBytes(store.resolve("jetstream/$G/streams/S/msgs/1.blk"));
        // A process whose command line is a nats-server's on this store, as /proc shows one
        // (the shell's -c is read as the server's config flag, and -sd names the store).
        // A copy, not a link: JUnit warns when it cleans up a link that points outside its folder.
        Path fake = Files.copy(Path.of("/bin/sh"), Files.createDirectories(dir.resolve("bin")).resolve("nats-server"));
        assertThat(fake.toFile().setExecutable(true)).isTrue();
        // It waits on a builtin (read from its stdin, kept open), never in a child: "sleep 60; true"
        // forked one, which until its exec showed the same command line, and a kill under load
        // could leave it there for the last publish to refuse (seen once in a CI rehearsal).
        Process server = new ProcessBuilder(fake.toString(), "-c", "read line", "-sd", store.toString()).start();
        try {
            for (String[] args : new String[][] {
                    {"publish", store.toString(), "S", "--count", "1"},
                    {"publish", store.resolve("jetstream").toString(), "S", "--count", "1"},
                    {"kv", store.toString(), "cfg", "add"},
                    {"consume", store.toString(), "S", "C", "--create", ">"}}) {
                TestStores.Run r = TestStores.cli(args);

                assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(Main.FAILED);
                assertThat(r.err()).as(String.join(" ", args)).startsWith("jetstart: nats-server pid " + server.pid() + " (")
                        .contains("runs on this store: stop it first");
            }
            assertThat(Files.readAllBytes(store.resolve("jetstream/$G/streams/S/msgs/1.blk"))).isEqualTo(block);
        } finally {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(TestStores.cli("publish", store.toString(), "S", "--count", "1").exit()).isZero();
    }
}
