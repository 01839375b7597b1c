package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/** The server harness itself: every build starts where and how the other tests rely on. */
class NatsServerProcessIT {

    /** Emptied when the class starts and kept afterwards: stores, server logs and jetstart output are the evidence. */
    private final Path tmp = Repo.work("NatsServerProcessIT");

    @TestFactory
    Stream<DynamicNode> everyServerBuild() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            List<NatsServerBinary> servers = NatsServers.discover().requireAll();
            System.out.println("[it] nats-server builds: " + servers.stream().map(b -> b.version() + " (" + b.path() + ")").toList());
            return servers.stream().map(b -> dynamicContainer(b.toString(), Stream.of(
                    dynamicTest("listens only on 127.0.0.1 and stops cleanly on SIGTERM", () -> startsAndStops(b)),
                    dynamicTest("serves two named accounts with JetStream from a configuration file", () -> namedAccounts(b)),
                    dynamicTest("SIGKILL stops it at once", () -> killed(b)))));
        });
    }

    private void startsAndStops(NatsServerBinary binary) throws Exception {
        Path dir = tmp.resolve(binary.version() + "-start");
        NatsServerProcess server = NatsServerProcess.start(binary, dir.resolve("store"), dir, ServerAccounts.GLOBAL);
        try (server; NatsClient c = server.connect(Account.GLOBAL)) {
            assertThat(c.connection().getServerInfo().getVersion()).isEqualTo(binary.version().toString());
            assertThat(server.log()).contains("Listening for client connections on 127.0.0.1:" + server.port());
            assertThat(c.connection().jetStreamManagement().getAccountStatistics()).isNotNull();
        }
        assertThat(server.isAlive()).as("alive after close()").isFalse();
        assertThat(server.log()).contains("JetStream Shutdown");
    }

    private void namedAccounts(NatsServerBinary binary) throws Exception {
        Path dir = tmp.resolve(binary.version() + "-accounts");
        try (NatsServerProcess server = NatsServerProcess.start(binary, dir.resolve("store"), dir, ServerAccounts.NAMED)) {
            for (Account a : Account.named()) {
                try (NatsClient c = server.connect(a)) {
                    assertThat(c.connection().jetStreamManagement().getAccountStatistics()).as(a.name()).isNotNull();
                }
            }
        }
    }

    private void killed(NatsServerBinary binary) throws Exception {
        Path dir = tmp.resolve(binary.version() + "-kill");
        try (NatsServerProcess server = NatsServerProcess.start(binary, dir.resolve("store"), dir, ServerAccounts.GLOBAL)) {
            server.kill9();
            assertThat(server.isAlive()).isFalse();
            assertThat(server.log()).doesNotContain("JetStream Shutdown");
        }
    }
}
