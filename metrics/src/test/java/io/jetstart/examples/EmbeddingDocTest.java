package io.jetstart.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/embedding.md quotes its examples whole: each example's {@code ```java} block follows a
 * marker {@code <!-- example: <path> -->} and must equal that file, so the page cannot drift from code
 * that {@link ExamplesTest} runs. ({@link DocSnippetsCompileTest} compiles every Java block of the
 * docs, these and any other, as an application would.)
 */
class EmbeddingDocTest {
    private static final Pattern EXAMPLE = Pattern.compile("<!-- example: (\\S+) -->\n```java\n(.*?)```\n", Pattern.DOTALL);

    private static Path repo() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("mvnw")) && Files.isDirectory(d.resolve("docs"))) {
                return d;
            }
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }

    @Test
    void eachExampleBlockOfTheEmbeddingPageIsItsFileVerbatim() throws IOException {
        String doc = Files.readString(repo().resolve("docs/embedding.md"));
        List<String> quoted = new ArrayList<>();
        Matcher m = EXAMPLE.matcher(doc);
        while (m.find()) {
            quoted.add(m.group(1));
            assertThat(m.group(2)).as("the block quoting %s", m.group(1))
                    .isEqualTo(Files.readString(repo().resolve(m.group(1))));
        }

        assertThat(quoted).containsExactly(
                "metrics/src/test/java/io/jetstart/examples/RecoverStore.java",
                "metrics/src/test/java/io/jetstart/examples/RecoverWithMetrics.java",
                "metrics/src/test/java/io/jetstart/examples/ReadMessages.java",
                "metrics/src/test/java/io/jetstart/examples/PublishAndRead.java",
                "metrics/src/test/java/io/jetstart/examples/KeyValueBucket.java");
    }
}
