package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.write.StreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A one-time schedule whose time has passed, beside the real 2.15.1 features store: {@code recover}
 * and {@code inspect} report the stream as its files hold it and warn that nats-server fires the
 * schedule soon after its start (docs/compatibility.md, "Schedules due at start").
 */
class DueScheduleCliTest {
    /** 2026-01-01T00:00:00Z: the schedule below is due ten minutes later. */
    private static final long T0 = 1_767_225_600_000_000_000L;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"recover", "inspect"})
    void theReportWarnsOfTheDueScheduleAndKeepsTheFilesCounts(String command) throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-features", tmp);
        Path dir = store.resolve("jetstream/$G/streams/DUE");
        try (StreamWriter w = new StreamWriter(dir, "DUE", 4096, 2)) {
            byte[] schedule = ("NATS/1.0\r\nNats-Schedule: @at 2026-01-01T00:10:00Z\r\nNats-Schedule-Target: due.out\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            w.append("due.s".getBytes(StandardCharsets.US_ASCII), schedule, "body".getBytes(StandardCharsets.US_ASCII), T0);
        }
        MetaFiles.writeStream(dir, "DUE", ("{\"name\":\"DUE\",\"subjects\":[\"due.>\"],\"retention\":\"limits\",\"max_msgs\":-1,"
                + "\"max_bytes\":-1,\"max_age\":0,\"discard\":\"old\",\"storage\":\"file\",\"num_replicas\":1,"
                + "\"compression\":\"none\",\"consumer_limits\":{},\"allow_msg_ttl\":true,\"allow_msg_schedules\":true}")
                .getBytes(StandardCharsets.UTF_8));

        TestStores.Run run = command.equals("recover")
                ? TestStores.cli(command, store.toString(), "--json", "--quiet")
                : TestStores.cli(command, store.toString(), "--json");

        assertThat(run.exit()).as("stderr %s", run.err()).isEqualTo(Main.OK);
        JsonNode due = stream(run.json(), "DUE");
        assertThat(due.get("state").get("messages").asLong()).isEqualTo(1);
        assertThat(due.get("state").get("last_seq").asLong()).isEqualTo(1);
        assertThat(messages(due)).singleElement().asString()
                .startsWith("schedule due.s (sequence 1, @at 2026-01-01T00:10:00Z) came due while nats-server was stopped")
                .contains("a new message on due.out");
        // The fixture's own schedule is due in 2126.
        assertThat(messages(stream(run.json(), "SCHED"))).noneMatch(m -> m.contains("came due"));
    }

    private static List<String> messages(JsonNode stream) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : stream.path("problems")) {
            out.add(p.get("message").asText());
        }
        return out;
    }

    private static JsonNode stream(JsonNode report, String name) {
        for (JsonNode s : report.get("streams")) {
            if (s.get("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no stream " + name + " in " + report);
    }
}
