package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code push} and {@code pull} with {@code --creds} against a nats-server in operator mode (JWT
 * authentication, {@link OperatorMode}), and with stores whose account is not {@code $G}: the
 * store's streams live under a named account ({@code --account APP_SRC}) and land in the account
 * the credentials belong to (on the server, a folder named by its public key); pulled back, they
 * go under another named account of a new store ({@code --account APP_DST}). Without credentials
 * the server refuses the connection, jetstart says so and restores nothing.
 */
class StreamMoveCredsIT {
    private static final List<String> STREAMS = List.of("INT1", "LIM1", "MAX1");
    private static final String SOURCE_ACCOUNT = "APP_SRC";
    private static final String PULLED_ACCOUNT = "APP_DST";

    private final Path tmp = Repo.work("StreamMoveCredsIT");

    record Pushed(NatsServerProcess server, OperatorMode operator, Path creds, Path source, JsonNode inspect,
            Jetstart.Result withoutCreds, int streamsAfterRefusal, List<Jetstart.Result> pushes) {
    }

    @TestFactory
    Stream<DynamicNode> streamsMoveWithCredentialsAndNamedAccounts() throws Exception {
        return NatsServers.skipWhenMissing(this::tests);
    }

    private Stream<DynamicNode> tests() {
        NatsServerBinary newest = NatsServers.discover().requireV214Plus();
        Once<Pushed> pushed = new Once<>(() -> push(newest));
        return Stream.of(
                dynamicTest("push without --creds to a server in operator mode exits non-zero, says why, and restores nothing",
                        () -> {
                            Pushed p = pushed.get();
                            assertThat(p.withoutCreds().exitCode()).as(p.withoutCreds()::toString).isNotZero();
                            assertThat(p.withoutCreds().stderr()).as(p.withoutCreds()::toString)
                                    .contains("nats://127.0.0.1:" + p.server().port()).contains("refused the connection").contains("--creds")
                                    .doesNotContain("SEVERE");
                            assertThat(p.streamsAfterRefusal()).isZero();
                        }),
                dynamicTest("push --creds with a file that is not a credentials file names that file before it connects",
                        () -> {
                            Pushed p = pushed.get();
                            Path bogus = Files.writeString(tmp.resolve("not-a.creds"), "user: app\n");
                            Jetstart.Result r = new Jetstart(tmp.resolve("jetstart-work")).run("push", p.source().toString(),
                                    STREAMS.get(0), "--account", SOURCE_ACCOUNT, "--server", url(p.server()), "--creds", bogus.toString());
                            assertThat(r.exitCode()).as(r::toString).isNotZero();
                            assertThat(r.stderr()).as(r::toString).contains(bogus.toString()).contains("not a NATS credentials file");
                            assertThat(r.stderr()).as(r::toString).doesNotContain("cannot connect");
                        }),
                dynamicTest("push --creds --account APP_SRC restores every stream into the credentials' account with the store's state",
                        () -> {
                            Pushed p = pushed.get();
                            JsonNode oracle = capture(p, SOURCE_ACCOUNT);
                            List<String> diff = StateDiff.between("jetstart inspect of the store", StateDiff.comparedView(p.inspect()),
                                    "server after push", oracle);
                            assertThat(diff).as(() -> StateDiff.describe(diff) + "\n" + p.pushes()).isEmpty();
                            assertThat(oracle.path("streams").size()).isEqualTo(STREAMS.size());
                            // The NKey signature loads native code in bouncycastle: no JDK warning may reach the user.
                            assertThat(p.pushes()).allSatisfy(r -> assertThat(r.stderr()).as(r::toString).doesNotContain("WARNING"));
                            assertThat(tmp.resolve("server-store").resolve("jetstream").resolve(p.operator().accountId())
                                    .resolve("streams")).isDirectory();
                        }),
                dynamicTest("pull --creds --account APP_DST writes the streams into a new store under that account with the server's state",
                        () -> {
                            Pushed p = pushed.get();
                            Path store = tmp.resolve("pulled");
                            Files.createDirectories(store);
                            Jetstart jetstart = new Jetstart(tmp.resolve("jetstart-work"));
                            List<Jetstart.Result> pulls = new ArrayList<>();
                            for (String s : STREAMS) {
                                Jetstart.Result r = jetstart.run("pull", store.toString(), s, "--account", PULLED_ACCOUNT,
                                        "--server", url(p.server()), "--creds", p.creds().toString());
                                pulls.add(r);
                                assertThat(r.exitCode()).as(r::toString).isZero();
                            }
                            assertThat(store.resolve("jetstream").resolve(PULLED_ACCOUNT).resolve("streams")).isDirectory();
                            JsonNode inspect = jetstart.inspect(store).json();
                            List<String> diff = StateDiff.between("server", capture(p, PULLED_ACCOUNT),
                                    "jetstart inspect of the pulled store", StateDiff.comparedView(inspect));
                            assertThat(diff).as(() -> StateDiff.describe(diff) + "\n" + pulls).isEmpty();
                            p.server().close();
                        }));
    }

    private Pushed push(NatsServerBinary binary) throws Exception {
        OperatorMode operator = OperatorMode.create();
        Path creds = operator.writeCreds(tmp.resolve("app-user.creds"));
        Path source = StoreFiles.copy(Fixtures.dir().resolve("nats-2.15.1-small").resolve("store"), tmp.resolve("source"));
        // The fixture's streams are in $G; an application's store may name its account anything.
        Files.move(source.resolve("jetstream").resolve("$G"), source.resolve("jetstream").resolve(SOURCE_ACCOUNT));
        Jetstart jetstart = new Jetstart(tmp.resolve("jetstart-work"));
        JsonNode inspect = jetstart.inspect(source).json();
        NatsServerProcess server = NatsServerProcess.start(binary, tmp.resolve("server-store"), tmp.resolve("server"),
                ServerAccounts.GLOBAL, operator.serverConfig());
        Jetstart.Result refused = jetstart.run("push", source.toString(), STREAMS.get(0), "--account", SOURCE_ACCOUNT,
                "--server", url(server));
        int streamsAfterRefusal = streamNames(server, creds).size();
        List<Jetstart.Result> pushes = new ArrayList<>();
        for (String s : STREAMS) {
            Jetstart.Result r = jetstart.run("push", source.toString(), s, "--account", SOURCE_ACCOUNT,
                    "--server", url(server), "--creds", creds.toString());
            pushes.add(r);
            assertThat(r.exitCode()).as(r::toString).isZero();
        }
        return new Pushed(server, operator, creds, source, inspect, refused, streamsAfterRefusal, pushes);
    }

    /** The server's view of every stream in the credentials' account, labelled {@code account} for the comparison. */
    private static JsonNode capture(Pushed p, String account) throws IOException {
        ObjectNode oracle = Json.mapper().createObjectNode();
        ArrayNode streams = oracle.putArray("streams");
        try (NatsClient c = connect(p.server(), p.creds())) {
            JsApi api = new JsApi(c.connection(), Json.mapper());
            for (String name : api.streamNames()) {
                List<JsonNode> consumers = new ArrayList<>();
                for (String consumer : api.consumerNames(name)) {
                    consumers.add(api.consumerInfo(name, consumer));
                }
                streams.add(ComparedFields.stream(Json.mapper(), account, name, api.streamInfo(name).path("state"), consumers));
            }
        }
        ServerOracle.sortStreams(streams);
        return oracle;
    }

    private static List<String> streamNames(NatsServerProcess server, Path creds) throws IOException {
        try (NatsClient c = connect(server, creds)) {
            return new JsApi(c.connection(), Json.mapper()).streamNames();
        }
    }

    private static NatsClient connect(NatsServerProcess server, Path creds) throws IOException {
        Options options = Options.builder().server(url(server)).authHandler(Nats.credentials(creds.toString()))
                .connectionTimeout(Duration.ofSeconds(10)).noReconnect().build();
        try {
            return new NatsClient(Nats.connect(options));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + server, e);
        }
    }

    private static String url(NatsServerProcess server) {
        return "nats://127.0.0.1:" + server.port();
    }
}
