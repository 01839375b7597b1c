package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.recovery.Outcome;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StreamReport;
import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * server to runtime to server: a store nats-server 2.10.x / 2.14+ wrote ({@link StoreScenarios}:
 * limits streams with deletes, erasures and consumers, purges, interest, work queue, KV, two
 * accounts) is opened by the runtime, which publishes into every stream it can write (the others
 * open read-only, with their reason), and closes; the same server then starts on the result and
 * reports exactly the state {@code jetstart inspect} reports, consumers included.
 */
class ServerToRuntimeIT {
    private final Path tmp = Repo.work("ServerToRuntimeIT");

    record Written(Path store, JsonNode inspect, List<String> readOnly, int written) {
    }

    @TestFactory
    Stream<DynamicNode> serversStartAgainOnStoresTheRuntimeWroteInto() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            NatsServers servers = NatsServers.discover();
            return servers.requireV210AndV214Plus().stream()
                    .map(b -> {
                        Path dir = tmp.resolve(b.version().toString());
                        Once<Written> written = new Once<>(() -> write(PopulatedStore.create(b, dir.resolve("populate")), dir));
                        return dynamicContainer(b.toString(), Stream.of(
                                dynamicTest("the runtime writes into every limits stream and opens the others read-only", () -> {
                                    assertThat(written.get().written()).isPositive();
                                    System.out.println("[it] " + b + ": read-only " + written.get().readOnly());
                                }),
                                dynamicTest("the server restarted on it reports the state jetstart inspect reports",
                                        () -> sameState(b, written.get(), dir))));
                    });
        });
    }

    private static Written write(PopulatedStore p, Path dir) throws Exception {
        Path store = StoreFiles.copy(p.store(), dir.resolve("runtime"));
        List<String> readOnly = new ArrayList<>();
        int written = 0;
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults().withSync(SyncPolicy.ALWAYS))) {
            RecoveryReport report = js.recovery().get();
            for (StreamReport r : report.streams()) {
                if (r.outcome() != Outcome.RECOVERED && r.outcome() != Outcome.REBUILT) {
                    continue;
                }
                JetStartStream s = js.stream(r.account(), r.name()).await(Duration.ofSeconds(30));
                if (s.readOnlyReason().isPresent()) {
                    readOnly.add(r.account() + " > " + r.name() + ": " + s.readOnlyReason().get());
                    continue;
                }
                String subject = concrete(s.config().subjects().get(0));
                long before = s.info().lastSeq();
                try {
                    for (int i = 0; i < 25; i++) {
                        Headers h = i % 5 == 0 ? Headers.of("X-Runtime", "" + i) : Headers.EMPTY;
                        long seq = s.publish(subject, h, ("runtime " + i).getBytes(StandardCharsets.UTF_8)).seq();
                        assertThat(seq).as(r.name()).isEqualTo(before + i + 1);
                    }
                    written++;
                } catch (io.jetstart.runtime.JetStreamApiException e) {
                    // A discard-new stream at its limit refuses, as the server would; what it stored stays.
                    System.out.println("[it] " + r.account() + " > " + r.name() + " refused a publish: " + e.getMessage());
                }
            }
        }
        Jetstart jetstart = new Jetstart(dir.resolve("work"));
        return new Written(store, jetstart.inspect(store).json(), readOnly, written);
    }

    private static String concrete(String pattern) {
        String[] t = pattern.split("\\.", -1);
        for (int i = 0; i < t.length; i++) {
            if (t[i].equals("*") || t[i].equals(">")) {
                t[i] = "rt";
            }
        }
        return String.join(".", t);
    }

    private static void sameState(NatsServerBinary b, Written w, Path dir) throws Exception {
        Path forServer = StoreFiles.copy(w.store(), dir.resolve("server"));
        ServerOracle.Snapshot global;
        try (NatsServerProcess server = NatsServerProcess.start(b, forServer, dir, ServerAccounts.GLOBAL)) {
            global = ServerOracle.captureAfterRestore(server);
            assertThat(server.log()).as("the server used the index.db the runtime wrote")
                    .doesNotContain("Recovering stream state from index errored")
                    .doesNotContain("Stream state outdated")
                    .doesNotContain("internal inconsistency");
        }
        ServerOracle.Snapshot all;
        try (NatsServerProcess server = NatsServerProcess.start(b, forServer, dir, ServerAccounts.NAMED)) {
            all = global.merge(ServerOracle.captureAfterRestore(server));
        }
        all.write(Repo.output().resolve("runtime-after-" + b.version()), "restarted");
        List<String> diff = StateDiff.between("jetstart", StateDiff.comparedView(w.inspect()), "server", all.oracle());
        assertThat(diff).as(() -> b + ": " + StateDiff.describe(diff)).isEmpty();
    }
}
