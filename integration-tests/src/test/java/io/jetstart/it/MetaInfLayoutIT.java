package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.RuntimeOptions;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The {@code meta.inf} the runtime writes for a new stream is the file nats-server writes for the
 * same config, byte for byte but the {@code "Created"} time: jnats creates a plain stream and a KV
 * bucket, each with a description and metadata (the keys whose place differs between writers), on
 * nats-server 2.10.x and 2.14+; the runtime creates a stream from each server file's config in a
 * store of its own, and its file is the server's with its own creation time.
 */
class MetaInfLayoutIT {
    private final Path tmp = Repo.work("MetaInfLayoutIT");

    @TestFactory
    Stream<DynamicNode> theRuntimeWritesANewStreamsMetaInfAsTheServerDoes() throws Exception {
        return NatsServers.skipWhenMissing(() -> NatsServers.discover().requireV210AndV214Plus().stream()
                .map(b -> dynamicTest(b + ": a plain stream and a KV bucket with a description and metadata", () -> {
                    Path dir = tmp.resolve(b.version().toString());
                    Path store = dir.resolve("store");
                    try (NatsServerProcess nats = NatsServerProcess.start(b, store, dir.resolve("server"), ServerAccounts.GLOBAL);
                         NatsClient client = nats.connect(Account.GLOBAL)) {
                        client.connection().jetStreamManagement().addStream(StreamConfiguration.builder().name("PLAIN")
                                .description("a plain stream").subjects("plain.*").storageType(StorageType.File)
                                .maxMessages(1000).metadata(Map.of("team", "shop")).build());
                        client.connection().keyValueManagement().create(KeyValueConfiguration.builder().name("LAYOUT")
                                .description("a bucket").maxHistoryPerKey(5).metadata(Map.of("owner", "billing")).build());
                    }
                    for (String name : new String[] {"PLAIN", "KV_LAYOUT"}) {
                        byte[] server = Files.readAllBytes(store.resolve("jetstream/$G/streams/" + name + "/meta.inf"));
                        ObjectNode given = (ObjectNode) Json.mapper().readTree(server);
                        String serverCreated = given.remove("Created").asText();
                        Path ours = dir.resolve("runtime-" + name);
                        Files.createDirectories(ours);
                        try (JetStartStore js = JetStart.open(ours, RuntimeOptions.defaults())) {
                            js.createStream("$G", StreamConfig.parse(Json.mapper().writeValueAsBytes(given)));
                        }
                        byte[] runtime = Files.readAllBytes(ours.resolve("jetstream/$G/streams/" + name + "/meta.inf"));
                        String runtimeCreated = Json.mapper().readTree(runtime).path("Created").asText();
                        String expected = new String(server, StandardCharsets.UTF_8)
                                .replace("\"Created\":\"" + serverCreated + "\"", "\"Created\":\"" + runtimeCreated + "\"");
                        assertThat(new String(runtime, StandardCharsets.UTF_8)).as(b + " " + name + " meta.inf").isEqualTo(expected);
                    }
                })));
    }
}
