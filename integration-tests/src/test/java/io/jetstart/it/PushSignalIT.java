package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM (Ctrl-C takes the same way out) to {@code jetstart push} in the middle of a large stream,
 * against a real nats-server 2.14+: the push stops between two chunks and never sends the last,
 * empty one, so the server creates no stream; it exits 3 saying so, and leaves no copy of the
 * stream in the temp folder. A second push then sends it whole. Before, the JVM exited 143 at once,
 * said nothing, and left the exported stream (plaintext for an encrypted one) in the temp folder.
 */
class PushSignalIT {
    private final Path tmp = Repo.work("PushSignalIT");

    @Test
    void aSignalMidPushStopsBeforeTheLastChunkLeavesNoStreamOnTheServerAndNoTempCopy() throws Exception {
        NatsServerBinary newest = NatsServers.discover().requireV214Plus();
        Path store = tmp.resolve("store");
        StoreGenerator.generate(store, GeneratorSpec.of(1, 1_000_000, 100), (d, w) -> { });
        Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
        try (NatsServerProcess server = NatsServerProcess.start(newest, tmp.resolve("server-store"), tmp.resolve("server"),
                ServerAccounts.GLOBAL)) {
            String url = "nats://127.0.0.1:" + server.port();
            ProcessBuilder pb = new ProcessBuilder(Repo.root().resolve("jetstart").toString(), "push", store.toString(), "S1",
                    "--server", url).redirectOutput(tmp.resolve("push.stdout").toFile());
            pb.environment().put("JETSTART_JAVA_OPTS", "-Djava.io.tmpdir=" + javaTmp);
            Process push = pb.start();
            List<String> err = new ArrayList<>();
            boolean signalled = false;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(push.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    err.add(line);
                    // The first progress line comes after the first chunk's reply: the restore is under way.
                    if (!signalled && line.startsWith("jetstart: push $G > S1: ")) {
                        signalled = true;
                        // The launcher execs the JVM, so this pid is the JVM's.
                        new ProcessBuilder("kill", "-TERM", Long.toString(push.pid())).inheritIO().start().waitFor();
                    }
                }
            }
            assertThat(push.waitFor(60, TimeUnit.SECONDS)).as("%s", err).isTrue();

            assertThat(push.exitValue()).as("%s", err).isEqualTo(3);
            assertThat(err).anySatisfy(l -> assertThat(l).startsWith("jetstart: push $G > S1 stopped by a signal after ")
                    .contains("the server did not create the stream"));
            try (Stream<Path> left = Files.list(javaTmp)) {
                assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("jetstart-push-"));
            }
            try (NatsClient c = server.connect(Account.GLOBAL)) {
                JsApi api = new JsApi(c.connection(), Json.mapper());
                assertThatThrownBy(() -> api.streamInfo("S1")).as("no stream on the server").isInstanceOf(JsApi.ApiError.class)
                        .hasMessageContaining("10059");
            }

            Jetstart.Result again = new Jetstart(tmp.resolve("jetstart-work")).run("push", store.toString(), "S1", "--server", url);
            assertThat(again.exitCode()).as(again::toString).isZero();
            assertThat(again.stdout()).contains("the server reports 1000000 messages, sequences 1..1000000");
        }
    }
}
