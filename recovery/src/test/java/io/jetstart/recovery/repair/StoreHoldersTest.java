package io.jetstart.recovery.repair;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreHoldersTest {
    @TempDir
    Path tmp;

    @Test
    void aNatsServerCommandLineNamesItsStoreInEveryFlagSpelling() {
        Path cwd = Path.of("/srv");
        List<String> notes = new ArrayList<>();
        assertThat(StoreHolders.natsStoreDir(List.of("/usr/bin/nats-server", "-js", "-sd", "/data/nats"), cwd, notes, 1))
                .contains("/data/nats");
        assertThat(StoreHolders.natsStoreDir(List.of("nats-server", "--store_dir=data"), cwd, notes, 1)).contains("/srv/data");
        assertThat(StoreHolders.natsStoreDir(List.of("nats-server", "-store_dir", "x", "-p", "4222"), cwd, notes, 1))
                .contains("/srv/x");
        assertThat(StoreHolders.natsStoreDir(List.of("nats-server", "-p", "4222"), cwd, notes, 1)).isEmpty();
        assertThat(StoreHolders.isNatsServer(List.of("/opt/bin/nats-server-2.10.27", "-js"))).isTrue();
        assertThat(StoreHolders.isNatsServer(List.of("/usr/bin/java", "nats-server"))).isFalse();
    }

    @Test
    void aNatsServerConfigFileNamesItsStore() throws Exception {
        Path conf = Files.writeString(tmp.resolve("js.conf"), "port: 4222\njetstream {\n  store_dir: \"/var/lib/nats\"\n  max_file: 1G\n}\n");
        List<String> notes = new ArrayList<>();
        assertThat(StoreHolders.natsStoreDir(List.of("nats-server", "-c", conf.toString()), tmp, notes, 1)).contains("/var/lib/nats");
        assertThat(StoreHolders.natsStoreDir(List.of("nats-server", "-c", "missing.conf"), tmp, notes, 7)).isEmpty();
        assertThat(notes).singleElement().asString().contains("pid 7").contains("cannot be read");
    }

    @Test
    void aConfigFileNamesItsStoreOnOneLineAndUnderEveryKeyTheServerTakes() throws Exception {
        List<String> notes = new ArrayList<>();
        String[][] cases = {
                {"port: 4222\njetstream { store_dir: \"/tmp/one-line\" }\n", "/tmp/one-line"},
                {"jetstream: {max_mem: 1G, store_dir: '/srv/after-comma'}\n", "/srv/after-comma"},
                {"jetstream {\n  store: /data/js\n}\n", "/data/js"},
                {"jetstream {\n  StoreDir = relative\n}\n", tmp.resolve("relative").toString()},
                {"store_dir: /top/level\njetstream: enabled\n", "/top/level"}};
        for (String[] c : cases) {
            Path conf = Files.writeString(tmp.resolve("js.conf"), c[0]);
            assertThat(StoreHolders.natsStoreDir(List.of("nats-server", "-c", conf.toString()), tmp, notes, 1)).as(c[0]).contains(c[1]);
        }
        assertThat(notes).isEmpty();
    }

    @Test
    void aProcessWithAFileOfTheStoreOpenHoldsIt() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc");
        Path store = Files.createDirectories(tmp.resolve("store/jetstream"));
        Path file = Files.writeString(store.resolve("x"), "x");
        Process p = new ProcessBuilder("sleep", "60").redirectInput(file.toFile()).start();
        try {
            StoreHolders.Result r = StoreHolders.find(tmp.resolve("store"));
            assertThat(r.holders()).anySatisfy(h -> {
                assertThat(h.pid()).isEqualTo(p.pid());
                assertThat(h.description()).contains(file.toRealPath().toString());
            });
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(StoreHolders.find(tmp.resolve("store")).holders()).isEmpty();
    }

    @Test
    void aLockFileHeldInThisProcessHoldsTheStore() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store/jetstream"));
        Path lock = Files.writeString(store.getParent().resolve("jetstart.lock"), "");
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE); FileLock held = ch.lock()) {
            Optional<StoreHolders.Holder> h = StoreHolders.find(store.getParent()).holders().stream().findFirst();
            assertThat(h).get().extracting(StoreHolders.Holder::description).asString().contains("jetstart.lock");
        }
        assertThat(StoreHolders.find(store.getParent()).holders()).isEmpty();
    }
}
