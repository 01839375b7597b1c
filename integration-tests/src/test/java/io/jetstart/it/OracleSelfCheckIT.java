package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Checks the harness against data it did not produce: a server restarted on a fixture store must
 * answer what that fixture's {@code oracle.json} recorded, and after losing its index files what
 * {@code oracle.rebuilt.json} recorded. A failure here means {@link ServerOracle},
 * {@link StoreFiles#stripIndexes} or {@link StateDiff} is wrong, not jetstart.
 */
class OracleSelfCheckIT {

    /** Emptied when the class starts and kept afterwards: stores, server logs and jetstart output are the evidence. */
    private final Path tmp = Repo.work("OracleSelfCheckIT");

    /** How long after its start a server on {@code nats-2.15.1-features} has surely run its first age check. */
    private static final Duration FEATURES_AGE_CHECK = Duration.ofSeconds(3);

    /**
     * The checks run side by side ({@link ExecutionMode#CONCURRENT}, the failsafe configuration's
     * parallelism): each is a server start and a wait for its restore timers and settle polls, on
     * its own copy of the fixture, folder and port, and asks nothing of another. One after the other
     * they took 46 s of the CI run, nearly all of it waiting.
     */
    @TestFactory
    @Execution(ExecutionMode.CONCURRENT)
    Stream<DynamicNode> fixtureStoresAnswerTheirRecordedOracles() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() throws IOException {
        Path fixtures = Fixtures.dir();
        NatsServers servers = NatsServers.discover();
        List<DynamicNode> nodes = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(fixtures)) {
            // The small, -lines and -features stores, and the encrypted ones (served with their key.txt and cipher).
            for (Path fixture : dirs.filter(d -> d.getFileName().toString().endsWith("-small")
                    || d.getFileName().toString().endsWith("-lines") || d.getFileName().toString().endsWith("-features")
                    || Files.exists(d.resolve("key.txt"))).sorted().toList()) {
                ServerVersion version = ServerVersion.parse(Files.readString(fixture.resolve("server-version.txt")));
                Optional<NatsServerBinary> binary = servers.all().stream().filter(b -> b.version().equals(version)).findFirst();
                if (binary.isEmpty()) {
                    System.out.println("[it] no nats-server " + version + " for fixture " + fixture.getFileName());
                    continue;
                }
                nodes.add(dynamicContainer(fixture.getFileName().toString(), Stream.of(
                        dynamicTest("restarted with its index files, the server answers oracle.json",
                                () -> check(binary.get(), fixture, false)),
                        dynamicTest("restarted without its index files, the server answers oracle.rebuilt.json",
                                () -> check(binary.get(), fixture, true)))));
            }
        }
        Assumptions.assumeFalse(nodes.isEmpty(), "no fixture has a matching nats-server build in " + servers);
        return nodes.stream();
    }

    private void check(NatsServerBinary binary, Path fixture, boolean stripped) throws IOException {
        Path dir = tmp.resolve(fixture.getFileName() + (stripped ? "-stripped" : "-indexed"));
        Path store = StoreFiles.copy(fixture.resolve("store"), dir.resolve("store"));
        if (stripped) {
            assertThat(StoreFiles.stripIndexes(store)).isNotEmpty();
        }
        ServerOracle.Snapshot answer;
        try (NatsServerProcess server = NatsServerProcess.start(binary, store, dir, ServerAccounts.GLOBAL, encryption(fixture))) {
            if (fixture.getFileName().toString().endsWith("-features")) {
                // Its oracle is the state after the first age check, about a second after the start
                // (expired TTLs and markers gone); asked before it, the server still holds them and
                // two answers 200 ms apart can agree on that (FeaturesFixtureMakerIT waits the same).
                sleep(FEATURES_AGE_CHECK);
            }
            answer = ServerOracle.captureAfterRestore(server);
        }
        answer.write(Repo.output().resolve("self-check"), fixture.getFileName() + (stripped ? "-rebuilt" : ""));
        JsonNode recorded = comparedView(Json.mapper().readTree(
                fixture.resolve(stripped ? "oracle.rebuilt.json" : "oracle.json").toFile()));
        List<String> diff = StateDiff.between("recorded", recorded, "server", answer.oracle());
        assertThat(diff).as(() -> StateDiff.describe(diff)).isEmpty();
        assertThat(answer.oracle().path("streams").size()).isEqualTo(recorded.path("streams").size()).isPositive();
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for the server's age check");
        }
    }

    /** The {@code jetstream { key, cipher }} block an encrypted fixture was written with, else null. */
    private static String encryption(Path fixture) throws IOException {
        Path keyFile = fixture.resolve("key.txt");
        if (!Files.exists(keyFile)) {
            return null;
        }
        String cipher = fixture.getFileName().toString().endsWith("-aes") ? "aes" : "chachapoly";
        return "jetstream {\n  key: \"" + Files.readString(keyFile).strip() + "\"\n  cipher: " + cipher + "\n}\n";
    }

    /** A fixture oracle ({@code $G} only, full server answers) in the compared view. */
    private static ObjectNode comparedView(JsonNode fixtureOracle) {
        ObjectMapper json = Json.mapper();
        ObjectNode view = json.createObjectNode();
        ArrayNode streams = view.putArray("streams");
        for (JsonNode s : fixtureOracle.path("streams")) {
            List<JsonNode> consumers = new ArrayList<>();
            s.path("consumers").forEach(consumers::add);
            streams.add(ComparedFields.stream(json, "$G", s.path("name").asText(), s.path("state"), consumers));
        }
        ServerOracle.sortStreams(streams);
        return view;
    }
}
