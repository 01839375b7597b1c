package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every real store in testdata/fixtures, as the server left it and with its indexes dropped, gives
 * exactly the state that server reported (oracle.json / oracle.rebuilt.json), through inspect and
 * through recover in every mode, and no byte of the store changes.
 */
class FixtureOracleTest {
    static final String[] STATE_FIELDS = {"messages", "bytes", "first_seq", "first_ts", "last_seq", "last_ts", "num_deleted",
            "deleted", "num_subjects", "subjects", "consumer_count"};
    static final String[] CONSUMER_FIELDS = {"delivered", "ack_floor", "num_ack_pending", "num_redelivered", "num_pending"};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        // The encrypted fixtures are read with --key-file <fixture>/key.txt.
        for (String fixture : List.of("nats-2.9.10-small", "nats-2.10.27-small", "nats-2.15.1-small", "nats-2.10.27-upbench",
                "nats-2.10.27-chacha", "nats-2.10.27-aes", "nats-2.15.1-chacha", "nats-2.15.1-aes",
                "nats-2.10.27-s2", "nats-2.15.1-s2", "nats-2.9.10-lines", "nats-2.10.27-lines", "nats-2.15.1-lines",
                "nats-2.15.1-features")) {
            for (boolean rebuilt : new boolean[] {false, true}) {
                for (String[] mode : List.of(new String[] {"inspect"}, new String[] {"recover"}, new String[] {"recover", "--sequential"},
                        new String[] {"recover", "--no-preview"})) {
                    // The encrypted stores go through inspect and recover only: the key does not
                    // depend on the runner, whose modes the library's FixtureOracleTest covers.
                    if (mode.length == 1 || !(fixture.endsWith("-aes") || fixture.endsWith("-chacha"))) {
                        out.add(Arguments.of(fixture, rebuilt, mode));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} rebuilt={1} {2}")
    @MethodSource("cases")
    void reportsExactlyWhatTheServerReported(String fixture, boolean rebuilt, String[] mode, @TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore(fixture, tmp);
        if (rebuilt) {
            TestStores.dropIndexes(store);
        }
        Map<String, String> before = TestStores.digests(store);
        List<String> args = new ArrayList<>(List.of(mode));
        args.add(1, store.toString());
        args.add("--json");
        if (mode[0].equals("recover")) {
            args.add("--quiet");
        }
        Path keyFile = TestStores.fixtures().resolve(fixture).resolve("key.txt");
        if (java.nio.file.Files.exists(keyFile)) {
            args.addAll(List.of("--key-file", keyFile.toString()));
        }
        TestStores.Run run = TestStores.cli(args.toArray(String[]::new));
        assertThat(run.err()).as("stderr").doesNotContain("Exception");
        JsonNode ours = run.json();
        // "nats-2.10.27-small": the store's own line, detected from its files. An encrypted store's
        // index.db is read inside its seal with the key (EncryptedLineCliTest); with its index.db
        // emptied, its meta.inf is opened with the key and its key set read as a plain one's
        // (ServerLineDetectorTest; nats-2.9.10-chacha: Encrypted29LineCliTest).
        assertThat(ours.get("server_line").get("modelled_on").asText()).as("server_line").isEqualTo(fixture.split("-")[1]);
        assertThat(ours.get("server_line").get("chosen").asText()).isEqualTo("detected");
        JsonNode oracle = ReportJson.MAPPER.readTree(TestStores.fixtures().resolve(fixture)
                .resolve(rebuilt ? "oracle.rebuilt.json" : "oracle.json").toFile());
        assertSameState(ours, oracle, !rebuilt && !fixture.startsWith("nats-2.9."));
        if (mode[0].equals("recover")) {
            // Only rebuilt streams had their records hashed: then the summary names the checksum.
            boolean anyRebuilt = rebuilt || fixture.startsWith("nats-2.9.");
            JsonNode checksum = ours.get("summary").get("checksum");
            if (anyRebuilt) {
                assertThat(checksum.asText()).as("summary.checksum").matches("(vector|scalar) \\(.+\\)");
            } else {
                assertThat(checksum.isNull()).as("summary.checksum of a fast-path recovery: %s", checksum).isTrue();
            }
        }
        // 2.10.x wrote blocks its own secure erase broke (the s2 fixture's ERASE stream, see
        // testdata/README.md): rebuilding from them reports that damage, as the exit status says.
        int expectedExit = rebuilt && fixture.equals("nats-2.10.27-s2") ? Main.DAMAGED : Main.OK;
        assertThat(run.exit()).as("exit status; stderr: %s", run.err()).isEqualTo(expectedExit);
        assertThat(TestStores.digests(store)).as("no byte of the store changed").isEqualTo(before);
    }

    /** The -lines stores' oracle.as-<line>[.rebuilt].json: what another server reported on the same files. */
    static Stream<Arguments> otherLines() {
        return io.jetstart.core.testing.Fixtures.otherLineOracles().stream().map(o -> Arguments.of(o.fixture(), o.file()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("otherLines")
    void inspectAsAnotherLineReportsWhatThatServerReported(String fixture, String oracleFile, @TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore(fixture, tmp);
        boolean rebuilt = oracleFile.contains(".rebuilt.");
        if (rebuilt) {
            TestStores.dropIndexes(store);
        }
        String line = oracleFile.substring("oracle.as-".length()).replace(".rebuilt", "").replace(".json", "");

        TestStores.Run run = TestStores.cli("inspect", store.toString(), "--json", "--as", line);

        assertThat(run.exit()).as("exit status; stderr: %s", run.err()).isZero();
        JsonNode ours = run.json();
        assertThat(ours.get("server_line").get("line").asText()).isEqualTo(line);
        assertThat(ours.get("server_line").get("chosen").asText()).isEqualTo("asked");
        assertThat(ours.get("server_line").get("evidence")).as("what the files said is kept").isNotEmpty();
        JsonNode oracle = ReportJson.MAPPER.readTree(TestStores.fixtures().resolve(fixture).resolve(oracleFile).toFile());
        // 2.10 reads only index.db v1: it rebuilds the 2.15.1 store's v4 streams.
        boolean fromIndex = !rebuilt && !fixture.startsWith("nats-2.9.") && !(fixture.startsWith("nats-2.15.") && line.equals("2.10"));
        assertSameState(ours, oracle, fromIndex);
    }

    @org.junit.jupiter.api.Test
    void anUnknownLineIsAUsageError(@TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.10.27-lines", tmp);

        TestStores.Run run = TestStores.cli("recover", store.toString(), "--as", "2.13");

        assertThat(run.exit()).isEqualTo(64);
        assertThat(run.err()).contains("'2.13'").contains("2.9, 2.10, 2.11, 2.12, 2.14, 2.15");
    }

    private static void assertSameState(JsonNode ours, JsonNode oracle, boolean fromIndex) {
        assertThat(ours.get("streams")).hasSameSizeAs(oracle.get("streams"));
        for (JsonNode os : oracle.get("streams")) {
            String name = os.get("name").asText();
            JsonNode s = find(ours.get("streams"), name);
            assertThat(s).as("stream %s in our report", name).isNotNull();
            // 2.9 wrote no index.db: its streams are always rebuilt (from the blocks, using .idx where it agrees).
            assertThat(s.get("source").asText()).as("%s source", name).isEqualTo(fromIndex ? "index" : "rebuilt");
            for (String f : STATE_FIELDS) {
                JsonNode want = os.get("state").get(f);
                JsonNode got = s.get("state").get(f);
                if (want == null) {
                    assertThat(got == null || got.asLong() == 0 && !got.isArray() && !got.isObject())
                            .as("%s %s: server reported nothing, we reported %s", name, f, got).isTrue();
                } else {
                    assertThat(got).as("%s state.%s", name, f).isEqualTo(want);
                }
            }
            assertThat(s.get("created").asText()).as("%s created", name).isEqualTo(os.get("created").asText());
            for (JsonNode oc : os.get("consumers")) {
                JsonNode c = find(s.get("consumers"), oc.get("name").asText());
                assertThat(c).as("%s consumer %s", name, oc.get("name")).isNotNull();
                for (String f : CONSUMER_FIELDS) {
                    assertThat(c.get(f)).as("%s > %s %s", name, oc.get("name").asText(), f).isEqualTo(oc.get(f));
                }
            }
        }
    }

    private static JsonNode find(JsonNode array, String name) {
        for (JsonNode n : array) {
            if (n.get("name").asText().equals(name)) {
                return n;
            }
        }
        return null;
    }
}
