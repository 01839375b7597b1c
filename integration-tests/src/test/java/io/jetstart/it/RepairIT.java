package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.testing.StoreFaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 14, repair against real servers: a copy of each line's {@code small} fixture with a few
 * kinds of damage (one stream each) is repaired by {@code jetstart repair}; the real server of that
 * line then starts on it and reports exactly the state {@code jetstart recover} reports, and deletes
 * or cuts nothing; the undo gives back the damaged tree byte for byte; and a repair is refused while
 * a server runs on the store. Every fault kind is covered by the unit test (RepairTest); this keeps
 * the server runs to two per line.
 */
class RepairIT {

    /** Emptied when the class starts and kept afterwards: stores, server logs and jetstart output are the evidence. */
    private final Path tmp = Repo.work("RepairIT");

    @TestFactory
    Stream<DynamicNode> everyServerLine() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            List<NatsServerBinary> servers = NatsServers.discover().requireAll();
            return servers.stream().map(this::testsFor);
        });
    }

    private DynamicNode testsFor(NatsServerBinary binary) {
        Path dir = tmp.resolve(binary.version().toString());
        return dynamicContainer(binary.toString(), Stream.of(
                dynamicTest("after jetstart repair the server starts with jetstart's state, deletes nothing, and undo restores every byte",
                        () -> repairThenServer(binary, dir.resolve("repair"))),
                dynamicTest("jetstart repair refuses a store a running nats-server holds",
                        () -> refusedWhileServerRuns(binary, dir.resolve("held")))));
    }

    private static String fixtureOf(NatsServerBinary binary) {
        ServerVersion v = binary.version();
        return v.isLine(2, 9) ? "nats-2.9.10-small" : v.isLine(2, 10) ? "nats-2.10.27-small" : "nats-2.15.1-small";
    }

    /** The faults per stream: a cut block tail, a block with nothing usable and a bad index, a consumer the server would delete. */
    private static Map<String, List<StoreFaults>> faults(NatsServerBinary binary) {
        Map<String, List<StoreFaults>> f = new TreeMap<>();
        f.put("LIM1", List.of(StoreFaults.BLOCK_MIDDLE_FLIP));
        f.put("MAX1", List.of(StoreFaults.GARBAGE_BLOCK,
                binary.version().writesIndexDb() ? StoreFaults.INDEX_DB_FLIP : StoreFaults.LEGACY_IDX_TRUNCATED));
        f.put("INT1", List.of(StoreFaults.O_DAT_BAD_MAGIC));
        return f;
    }

    private void repairThenServer(NatsServerBinary binary, Path dir) throws Exception {
        Path store = io.jetstart.core.testing.Fixtures.copyStore(fixtureOf(binary), dir);
        for (Map.Entry<String, List<StoreFaults>> e : faults(binary).entrySet()) {
            Path streamDir = store.resolve("jetstream/$G/streams").resolve(e.getKey());
            for (StoreFaults kind : e.getValue()) {
                assertThat(kind.appliesTo(streamDir)).as("%s applies to %s", kind, streamDir).isTrue();
                kind.apply(streamDir);
            }
        }
        Map<String, String> damaged = io.jetstart.core.testing.Fixtures.digests(store);
        Jetstart jetstart = new Jetstart(dir);
        JsonNode before = jetstart.run("recover", store.toString(), "--json", "--quiet").json();

        Jetstart.Result repair = jetstart.run("repair", store.toString());
        assertThat(repair.exitCode()).as("%s", repair).isZero();
        if (binary.version().writesIndexDb()) {
            // The cut takes LIM1's last sequence: the tombstone 2.10 would not write after a repair is written by it.
            assertThat(repair.stdout()).as("%s", repair).contains("a tombstone for the last sequence 1000");
        }
        assertThat(repair.stdout()).as("%s", repair).contains("repaired:");
        Path quarantine;
        try (Stream<Path> s = Files.list(dir)) {
            quarantine = s.filter(p -> p.getFileName().toString().startsWith(store.getFileName() + ".jetstart-quarantine-"))
                    .findFirst().orElseThrow(() -> new AssertionError("no quarantine beside " + store + "\n" + repair));
        }
        Jetstart.Result after = jetstart.run("recover", store.toString(), "--json", "--quiet");
        assertThat(after.exitCode()).as("recover after repair: %s", after).isZero();
        // A consumer that failed before (its o.dat does not decode) is in no state; the repair moved it out.
        for (JsonNode st : before.path("streams")) {
            ((com.fasterxml.jackson.databind.node.ArrayNode) st.path("consumers")).removeIf(c -> c.path("failed").asBoolean());
        }
        List<String> same = StateDiff.between("before repair", StateDiff.comparedView(before), "after repair",
                StateDiff.comparedView(after.json()));
        assertThat(same).as(() -> StateDiff.describe(same)).isEmpty();
        Jetstart.Result verify = jetstart.run("verify", store.toString(), "--quick");
        assertThat(verify.exitCode()).as("verify --quick after repair: %s", verify).isZero();

        Path forServer = StoreFiles.copy(store, dir.resolve("server"));
        Map<String, Long> filesBefore = sizes(forServer);
        ServerOracle.Snapshot server;
        try (NatsServerProcess running = NatsServerProcess.start(binary, forServer, dir, ServerAccounts.GLOBAL)) {
            server = ServerOracle.captureAfterRestore(running);
            server.write(Repo.output().resolve(binary.version().toString()), "repaired");
        }
        List<String> diff = StateDiff.between("server", server.oracle(), "jetstart", StateDiff.comparedView(after.json()));
        assertThat(diff).as(() -> binary + " on the repaired store: " + StateDiff.describe(diff)).isEmpty();
        Map<String, Long> filesAfter = sizes(forServer);
        List<String> lost = new ArrayList<>();
        filesBefore.forEach((f, size) -> {
            boolean kept = f.endsWith(".blk") ? filesAfter.getOrDefault(f, -1L) >= size : filesAfter.containsKey(f)
                    || f.endsWith(".idx") || f.endsWith(".fss") || f.endsWith("index.db");
            if (!kept) {
                lost.add(f + " (" + size + " bytes before, " + filesAfter.get(f) + " after)");
            }
        });
        assertThat(lost).as("%s deleted or cut on the repaired store (2.10+ deletes legacy .idx/.fss and rewrites index.db "
                + "by design)", binary).isEmpty();

        Jetstart.Result undo = jetstart.run("repair", "--undo", quarantine.toString());
        assertThat(undo.exitCode()).as("%s", undo).isZero();
        assertThat(io.jetstart.core.testing.Fixtures.digests(store)).as("undo restores the damaged tree byte for byte").isEqualTo(damaged);
    }

    private void refusedWhileServerRuns(NatsServerBinary binary, Path dir) throws Exception {
        Path store = io.jetstart.core.testing.Fixtures.copyStore(fixtureOf(binary), dir);
        StoreFaults.GARBAGE_BLOCK.apply(store.resolve("jetstream/$G/streams/LIM1"));
        Jetstart jetstart = new Jetstart(dir);
        try (NatsServerProcess running = NatsServerProcess.start(binary, store, dir, ServerAccounts.GLOBAL)) {
            Map<String, String> held = io.jetstart.core.testing.Fixtures.digests(store);
            Jetstart.Result repair = jetstart.run("repair", store.toString());
            assertThat(repair.exitCode()).as("%s", repair).isEqualTo(75);
            assertThat(repair.stderr()).as("%s", repair).contains("refusing").contains("nats-server pid " + running.pid());
            assertThat(io.jetstart.core.testing.Fixtures.digests(store)).as("nothing changed by the refused repair").isEqualTo(held);
        }
    }

    /** Size of every file under {@code store}, by relative path. */
    private static Map<String, Long> sizes(Path store) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(store)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                out.put(store.relativize(f).toString(), Files.size(f));
            }
        }
        return out;
    }
}
