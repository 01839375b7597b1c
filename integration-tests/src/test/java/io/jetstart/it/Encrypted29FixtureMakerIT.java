package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes {@code testdata/fixtures/nats-2.9.10-chacha}: nats-server 2.9.10 with a {@code jetstream}
 * key (chachapoly) stores {@code LIM1} (the small shape, 300 messages) and {@code DEL}
 * ({@link LegacyExportIT#writeDel}: plain deletes kept only in the {@code .idx} files, which 2.9
 * seals with each block's key), stops cleanly, starts again on a copy and reports its state there
 * (oracle.json, what a start on the fixture answers); then restarts on a
 * copy without its {@code .idx} and {@code .fss} files and reports again (oracle.rebuilt.json: the
 * deleted messages back). A store of its own, so that the core tests of a sealed {@code .idx} need
 * no server.
 *
 * <p>Not part of a normal run (it rewrites repository files): run it on purpose with
 * {@code ./mvnw -pl integration-tests -am verify -Dit.test=Encrypted29FixtureMakerIT
 * -Djetstart.makeFixtures=true -Dsurefire.failIfNoSpecifiedTests=false -DfailIfNoTests=false}.
 */
@EnabledIfSystemProperty(named = "jetstart.makeFixtures", matches = "true")
class Encrypted29FixtureMakerIT {

    @Test
    void writesTheEncrypted29FixtureWithItsOracles() throws Exception {
        NatsServerBinary binary = NatsServers.discover().require("2.9.10", v -> v.toString().equals("2.9.10"));
        String name = "nats-2.9.10-chacha";
        // A test key, published on purpose: it protects nothing but this fixture.
        String key = "jetstart fixture key " + name;
        String conf = "jetstream {\n  key: \"" + key + "\"\n  cipher: chachapoly\n}\n";
        Path work = Repo.work("encrypted-fixture-" + name);
        Path store = work.resolve("store");
        ServerOracle.Snapshot clean;
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, work, ServerAccounts.GLOBAL, conf)) {
            try (NatsClient c = server.connect(Account.GLOBAL)) {
                new StoreScenarios(c.connection(), binary.version()).limitsWithDeletesAndConsumers("LIM1", "lim1", 300);
                LegacyExportIT.writeDel(c);
            }
            server.stopGracefully();
        }
        assertThat(store.resolve("jetstream/$G/streams/DEL/msgs/1.key")).as("the server encrypted the blocks").exists();
        assertThat(store.resolve("jetstream/$G/streams/DEL/msgs/1.idx")).as("2.9 wrote its .idx").exists();
        // oracle.json is what the server answers when it starts on these files (OracleSelfCheckIT):
        // 2.9.10 keeps its consumers' ack floors in memory only (restarted it reports 1/1, not the
        // running 60/60), so the answer is taken from a start on a copy, leaving the fixture's files
        // as the clean stop wrote them.
        Path restartedStore = StoreFiles.copy(store, work.resolve("restarted"));
        try (NatsServerProcess server = NatsServerProcess.start(binary, restartedStore, work, ServerAccounts.GLOBAL, conf)) {
            clean = ServerOracle.captureAfterRestore(server);
            server.stopGracefully();
        }

        Path rebuiltStore = StoreFiles.copy(store, work.resolve("rebuilt"));
        assertThat(StoreFiles.stripIndexes(rebuiltStore)).as(".idx and .fss removed").isNotEmpty();
        ServerOracle.Snapshot rebuilt;
        try (NatsServerProcess server = NatsServerProcess.start(binary, rebuiltStore, work, ServerAccounts.GLOBAL, conf)) {
            rebuilt = ServerOracle.captureAfterRestore(server);
            server.stopGracefully();
        }

        Path out = Repo.root().resolve("testdata/fixtures").resolve(name);
        StoreFiles.deleteTree(out);
        Files.createDirectories(out);
        StoreFiles.copy(store, out.resolve("store"));
        Files.writeString(out.resolve("key.txt"), key, StandardCharsets.UTF_8);
        Files.writeString(out.resolve("server-version.txt"), "nats-server: v" + binary.version() + "\n");
        Files.writeString(out.resolve("oracle.json"), Json.pretty(EncryptedFixturesMakerIT.fixtureOracle(clean)) + "\n");
        Files.writeString(out.resolve("oracle.rebuilt.json"), Json.pretty(EncryptedFixturesMakerIT.fixtureOracle(rebuilt)) + "\n");
    }
}
