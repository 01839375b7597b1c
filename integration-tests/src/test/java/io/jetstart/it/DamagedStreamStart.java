package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One damaged stream of a fixture store, started by a real server and by jetstart: {@code jetstart
 * recover --as} the server's line reports the messages, first and last sequence the server reports,
 * and where the store's own line is the server's (2.10 for the 2.10 fixtures' index.db v1, 2.14+ for
 * v4), the runtime continues from the server's last sequence and its first publish gets the
 * sequence the server's does. Each copy of the damaged store is its own, under {@code dir}.
 *
 * @param damaged the store with the damage made
 * @param fixture the fixture it was copied from (its name says its writer's line)
 * @param stream  the damaged stream
 * @param subject a subject of that stream to publish to
 * @param what    the damage, for the failure messages
 */
record DamagedStreamStart(Path damaged, String fixture, String stream, String subject, String what) {

    void sameAsOn(NatsServerBinary server, Path dir) throws Exception {
        long reported;
        long first;
        long last;
        long published;
        Path onServer = StoreFiles.copy(damaged, dir.resolve("server").resolve("store"));
        try (NatsServerProcess p = NatsServerProcess.start(server, onServer, dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = p.connect(Account.GLOBAL)) {
            JsonNode info = new JsApi(client.connection(), Json.mapper()).streamInfo(stream).path("state");
            reported = info.path("messages").asLong();
            first = info.path("first_seq").asLong();
            last = info.path("last_seq").asLong();
            published = client.connection().jetStream().publish(subject, new byte[] {1}).getSeqno();
        }
        String ctx = fixture + " " + what + ": " + server + " reports " + reported + " messages, " + first + ".." + last
                + ", publishes " + published;
        assertThat(published).as(ctx).isEqualTo(last + 1);

        Path store = StoreFiles.copy(damaged, dir.resolve("jetstart").resolve("store"));
        String line = server.version().major() + "." + server.version().minor();
        JsonNode report = new Jetstart(dir.resolve("jetstart")).run("recover", store.toString(), "--json", "--quiet", "--as", line).json();
        JsonNode state = streamOf(report).path("state");
        assertThat(state.path("messages").asLong()).as(ctx).isEqualTo(reported);
        assertThat(state.path("first_seq").asLong()).as(ctx).isEqualTo(first);
        assertThat(state.path("last_seq").asLong()).as(ctx).isEqualTo(last);

        boolean storesLine = fixture.contains("2.10.") == server.version().isLine(2, 10);
        if (storesLine) {
            Path rtStore = StoreFiles.copy(damaged, dir.resolve("runtime").resolve("store"));
            try (JetStartStore rt = JetStart.open(rtStore, RuntimeOptions.defaults())) {
                JetStartStream s = rt.stream(stream).await(Duration.ofSeconds(30));
                assertThat(s.info().lastSeq()).as(ctx).isEqualTo(last);
                assertThat(s.publish(subject, new byte[] {1}).seq()).as(ctx).isEqualTo(published);
            }
        }
    }

    private JsonNode streamOf(JsonNode report) {
        for (JsonNode s : report.path("streams")) {
            if (s.path("name").asText().equals(stream)) {
                return s;
            }
        }
        throw new AssertionError("no " + stream + " in " + report);
    }
}
