package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code publish} keeps a bounded number of payload bytes in flight, whatever {@code --size}: a
 * window of 1,024 messages per publisher held 1 GiB per publisher of 1 MiB messages, and a run
 * with four of them ended in an OutOfMemoryError in the stream's writer on a small heap.
 */
class PublishInFlightTest {
    @TempDir
    Path dir;

    @Test
    void largeMessagesFromSeveralPublishersFitASmallHeap() throws Exception {
        Path store = Files.createDirectories(dir.resolve("store"));
        Path stdout = dir.resolve("out.json");
        SignalTest.Child child = SignalTest.Child.start(stdout, List.of("-Xmx96m"), "publish", store.toString(), "BIG", "--create", "big.*",
                "--size", "1048576", "--count", "160", "--publishers", "4", "--json");
        try {
            // Before the bound the child spent its time in GC and the writer's OutOfMemoryError, never ending.
            assertThat(child.process().waitFor(SignalTest.CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                    .as("the child ended; stderr:\n%s", String.join("\n", child.errSeen())).isTrue();
        } finally {
            child.process().destroyForcibly();
        }
        String err = String.join("\n", child.errSeen());
        assertThat(child.process().exitValue()).as(err).isZero();
        assertThat(err).doesNotContain("OutOfMemoryError");
        JsonNode json = ReportJson.MAPPER.readTree(Files.readString(stdout, StandardCharsets.UTF_8));
        assertThat(json.path("published").asLong()).isEqualTo(160);
        assertThat(json.path("last_seq").asLong()).isEqualTo(160);
    }

    @Test
    void theWindowHoldsAtMost16MiBOfPayloadsAcrossPublishersAndAtLeastOneMessageEach() {
        assertThat(PublishCommand.window(100, 1)).isEqualTo(1024);
        assertThat(PublishCommand.window(100, 64)).isEqualTo(1024);
        assertThat(PublishCommand.window(1 << 20, 4)).isEqualTo(4);
        assertThat(PublishCommand.window(0, 1)).isEqualTo(1024);
        assertThat(PublishCommand.window(1 << 20, 64)).as("one each, even past the bound").isEqualTo(1);
    }
}
