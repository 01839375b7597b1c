package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the encrypted fixtures of {@code testdata/fixtures} ({@code nats-<version>-chacha} and
 * {@code -aes}): a real nats-server with {@code jetstream { key, cipher }} stores a small
 * limits + interest + purge shape, reports its state (oracle.json), stops cleanly; then the same
 * server restarts on a copy whose {@code index.db} files are deleted and reports again
 * (oracle.rebuilt.json). The key text is written beside the store as {@code key.txt}.
 *
 * <p>Not part of a normal run (it rewrites repository files): run it on purpose with
 * {@code ./mvnw -pl integration-tests -am verify -Dit.test=EncryptedFixturesMakerIT
 * -Djetstart.makeFixtures=true -Dsurefire.failIfNoSpecifiedTests=false -DfailIfNoTests=false}.
 */
@EnabledIfSystemProperty(named = "jetstart.makeFixtures", matches = "true")
class EncryptedFixturesMakerIT {

    /** nats-server's {@code cipher} option values, and the suffix each fixture carries. */
    private static final List<String[]> CIPHERS = List.of(new String[] {"chachapoly", "chacha"}, new String[] {"aes", "aes"});

    @Test
    void writesTheEncryptedFixturesWithTheirOracles() throws Exception {
        NatsServers servers = NatsServers.discover();
        Path fixtures = Repo.root().resolve("testdata/fixtures");
        for (String version : List.of("2.10.27", "2.15.1")) {
            NatsServerBinary binary = servers.require(version, v -> v.toString().equals(version));
            for (String[] cipher : CIPHERS) {
                String name = "nats-" + version + "-" + cipher[1];
                // A test key, published on purpose: it protects nothing but these fixtures.
                String key = "jetstart fixture key " + name;
                // nats-server 2.10.x writes o.dat in place (truncate, then write; atomic only from
                // 2.11.11/2.12.1, PR #7388): a stop can leave it empty, and the store then no longer
                // holds the state oracle.json recorded. Such a run is not a fixture: run again.
                for (int attempt = 1; ; attempt++) {
                    Path work = Repo.work("encrypted-fixture-" + name);
                    List<Path> empty = make(binary, cipher[0], key, work, fixtures.resolve(name));
                    if (empty.isEmpty()) {
                        break;
                    }
                    System.out.println("[fixtures] " + name + " attempt " + attempt + ": empty " + empty + "; again");
                    assertThat(attempt).as("attempts at " + name).isLessThan(5);
                }
            }
        }
    }

    /** @return the empty {@code o.dat} files the clean stop left (then nothing was written to {@code out}) */
    private static List<Path> make(NatsServerBinary binary, String cipher, String key, Path work, Path out) throws Exception {
        String conf = "jetstream {\n  key: \"" + key + "\"\n  cipher: " + cipher + "\n}\n";
        Path store = work.resolve("store");
        ServerOracle.Snapshot clean;
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, work, ServerAccounts.GLOBAL, conf)) {
            try (NatsClient c = server.connect(Account.GLOBAL)) {
                StoreScenarios s = new StoreScenarios(c.connection(), binary.version());
                s.limitsWithDeletesAndConsumers("LIM1", "lim1", 300);
                s.interest("INT1", "int1", 200);
                s.purges();
            }
            clean = ServerOracle.capture(server);
            server.stopGracefully();
        }
        assertThat(store.resolve("jetstream/$G/streams/LIM1/meta.key")).as("the server encrypted the store").exists();
        List<Path> empty;
        try (Stream<Path> files = Files.walk(store)) {
            empty = files.filter(p -> p.getFileName().toString().equals("o.dat") && p.toFile().length() == 0).toList();
        }
        if (!empty.isEmpty()) {
            return empty;
        }

        Path rebuiltStore = StoreFiles.copy(store, work.resolve("rebuilt"));
        StoreFiles.deleteIndexDbs(rebuiltStore);
        ServerOracle.Snapshot rebuilt;
        try (NatsServerProcess server = NatsServerProcess.start(binary, rebuiltStore, work, ServerAccounts.GLOBAL, conf)) {
            rebuilt = ServerOracle.captureAfterRestore(server);
            server.stopGracefully();
        }

        StoreFiles.deleteTree(out);
        Files.createDirectories(out);
        StoreFiles.copy(store, out.resolve("store"));
        Files.writeString(out.resolve("key.txt"), key, StandardCharsets.UTF_8);
        Files.writeString(out.resolve("server-version.txt"), "nats-server: v" + binary.version() + "\n");
        Files.writeString(out.resolve("oracle.json"), Json.pretty(fixtureOracle(clean)) + "\n");
        Files.writeString(out.resolve("oracle.rebuilt.json"), Json.pretty(fixtureOracle(rebuilt)) + "\n");
        return List.of();
    }

    /**
     * The oracle in the fixtures' shape (testdata/README.md): per stream its name, created, config
     * and state, and its consumers' full infos, as the server answered them; streams by name.
     */
    static ObjectNode fixtureOracle(ServerOracle.Snapshot snapshot) {
        ObjectNode out = Json.mapper().createObjectNode();
        out.set("server_version", snapshot.raw().get("server_version"));
        ArrayNode streams = out.putArray("streams");
        List<JsonNode> raw = new ArrayList<>();
        snapshot.raw().get("streams").forEach(raw::add);
        raw.sort(Comparator.comparing((JsonNode r) -> r.path("info").path("config").path("name").asText()));
        for (JsonNode r : raw) {
            JsonNode info = r.get("info");
            ObjectNode s = streams.addObject();
            s.set("name", info.path("config").get("name"));
            s.set("created", info.get("created"));
            s.set("config", info.get("config"));
            s.set("state", info.get("state"));
            List<JsonNode> consumers = new ArrayList<>();
            // Like the other fixtures' oracles: the sequence pairs without their last_active times.
            r.get("consumers").forEach(c -> {
                ObjectNode copy = c.deepCopy();
                ((ObjectNode) copy.path("delivered")).remove("last_active");
                ((ObjectNode) copy.path("ack_floor")).remove("last_active");
                consumers.add(copy);
            });
            consumers.sort(Comparator.comparing((JsonNode c) -> c.path("name").asText()));
            s.putArray("consumers").addAll(consumers);
        }
        return out;
    }
}
