package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** docs/json.md's rule: every command's JSON is one line by default, and --pretty indents the same value. */
class JsonOutputTest {
    private static List<String> args(String command, Path store, boolean pretty) {
        List<String> a = new ArrayList<>(List.of(command, store.toString(), "--json"));
        if (pretty) {
            a.add("--pretty");
        }
        if (command.equals("recover")) {
            a.add("--quiet");
        }
        return a;
    }

    /** What both runs must agree on: recover's timings differ from run to run, the streams do not. */
    private static JsonNode comparable(String command, JsonNode json) {
        if (!command.equals("recover")) {
            return json;
        }
        List<JsonNode> states = new ArrayList<>();
        json.get("streams").forEach(s -> states.add(s.get("state")));
        return ReportJson.MAPPER.valueToTree(states);
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "recover", "dump"})
    void jsonIsOneLineAndPrettyIndentsTheSameValue(String command, @TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);

        TestStores.Run compact = TestStores.cli(args(command, store, false).toArray(String[]::new));
        TestStores.Run pretty = TestStores.cli(args(command, store, true).toArray(String[]::new));

        assertThat(compact.exit()).as(compact.err()).isZero();
        assertThat(compact.out()).endsWith("\n");
        assertThat(compact.out().strip()).doesNotContain("\n");
        assertThat(pretty.out().lines().count()).isGreaterThan(10);
        assertThat(comparable(command, pretty.json())).isEqualTo(comparable(command, compact.json()));
    }
}
