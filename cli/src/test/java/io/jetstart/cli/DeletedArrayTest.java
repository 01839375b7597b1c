package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import io.jetstart.recovery.StreamReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code deleted} array written as the report is written reads exactly as the array node of
 * one number each that it replaced (docs/json.md: the text is an interface), compact and pretty.
 */
class DeletedArrayTest {

    private static String text(ObjectNode node, boolean pretty) throws Exception {
        StringWriter out = new StringWriter();
        ReportJson.println(node, pretty, new PrintWriter(out));
        return out.toString();
    }

    @ParameterizedTest(name = "pretty: {0}")
    @ValueSource(booleans = {false, true})
    void theStreamedArrayIsTheTextOfTheArrayNode(boolean pretty, @TempDir Path tmp) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", tmp);
        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults().withDios(1).withWorkers(1));
        StreamReport withDeletes = report.streams().stream().filter(s -> s.name().equals("INT1")).findFirst().orElseThrow();
        assertThat(withDeletes.state().numDeleted()).as("docs/json.md's example stream").isEqualTo(14);

        ObjectNode streamed = ReportJson.report(report, false);
        ObjectNode nodes = ReportJson.report(report, false);
        for (var s : nodes.get("streams")) {
            if (s.path("state").has("deleted")) {
                StreamReport from = report.streams().stream().filter(r -> r.name().equals(s.get("name").asText())).findFirst().orElseThrow();
                ArrayNode d = ReportJson.MAPPER.createArrayNode();
                for (long seq : from.state().deleted().toArray()) {
                    d.add(seq);
                }
                ((ObjectNode) s.get("state")).set("deleted", d);
            }
        }

        String want = text(nodes, pretty);
        assertThat(want).contains(pretty ? "\"deleted\" : [ 308, 315, 322, " : "\"deleted\":[308,315,322,");
        assertThat(text(streamed, pretty)).isEqualTo(want);
    }
}
