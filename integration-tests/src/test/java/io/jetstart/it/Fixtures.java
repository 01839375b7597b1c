package io.jetstart.it;

import java.nio.file.Path;

/**
 * The real server stores the repository carries in {@code testdata/fixtures}, through core's one
 * locator ({@code io.jetstart.core.testing.Fixtures}). Tests copy them; never modify in place.
 */
final class Fixtures {

    private Fixtures() {
    }

    static Path dir() {
        return io.jetstart.core.testing.Fixtures.root();
    }
}
