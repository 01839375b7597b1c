package io.jetstart.recovery;

import io.jetstart.core.write.GeneratorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One generated store for a whole test class, for tests that only read it: registered as a static
 * {@code @RegisterExtension} field, it writes the store before the class's first test (into
 * {@link TestStores.FastTempDir}'s directory) and deletes it after the last.
 */
final class GeneratedStore implements BeforeAllCallback, AfterAllCallback {
    private final GeneratorSpec spec;
    // Written once by beforeAll, before any test of the class reads it.
    private volatile Path dir;

    GeneratedStore(GeneratorSpec spec) {
        this.spec = spec;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = new TestStores.FastTempDir().createTempDirectory(null, context);
        TestStores.generate(dir, spec);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (dir == null) {
            return; // beforeAll failed before it had a directory
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** What the store was generated from. */
    GeneratorSpec spec() {
        return spec;
    }

    /** The store's directory; only from a test (it exists from the class's first test to its last). */
    Path dir() {
        if (dir == null) {
            throw new IllegalStateException("the generated store of " + spec + " is read before its class's first test");
        }
        return dir;
    }
}
