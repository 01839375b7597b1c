package io.jetstart.core.write;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A spec out of range is named as the library user set it, not as {@code jetstart generate}'s flag. */
class GeneratorSpecTest {
    @Test
    void eachValueOutOfRangeNamesTheMethodThatSetIt() {
        assertThatThrownBy(() -> GeneratorSpec.of(0, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("streams must be 1..100000 (GeneratorSpec.of), got 0");
        assertThatThrownBy(() -> GeneratorSpec.of(1, -1, 1)).hasMessage("messages must be 0..10000000000 (GeneratorSpec.of), got -1");
        assertThatThrownBy(() -> GeneratorSpec.of(1, 1, 1 << 21)).hasMessage("payload must be 0..1048576 bytes (GeneratorSpec.of), got 2097152");
        assertThatThrownBy(() -> GeneratorSpec.of(1, 1, 1).withSubjects(0))
                .hasMessage("subjects must be 1..10000000 (GeneratorSpec.withSubjects), got 0");
        assertThatThrownBy(() -> GeneratorSpec.of(1, 1, 1).withConsumers(10_001))
                .hasMessage("consumers must be 0..10000 (GeneratorSpec.withConsumers), got 10001");
        assertThatThrownBy(() -> GeneratorSpec.of(1, 1, 1).withAccount("a/b"))
                .hasMessage("account must be a directory name (GeneratorSpec.withAccount), got 'a/b'");
        assertThatThrownBy(() -> GeneratorSpec.of(1, 1, 1).withIndexVersion(5))
                .hasMessage("indexVersion must be 1..4 (GeneratorSpec.withIndexVersion), got 5");
    }
}
