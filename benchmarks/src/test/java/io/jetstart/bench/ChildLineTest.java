package io.jetstart.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChildLineTest {
    @Test
    void aFormattedLineParsesBackToItsFields() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("wall_ns", 1_438_000_000L);
        f.put("runner", "structured");
        f.put("ok", true);
        ChildLine c = ChildLine.parse(ChildLine.format(ChildLine.RESULT, f));
        assertThat(c).isNotNull();
        assertThat(c.tag()).isEqualTo(ChildLine.RESULT);
        assertThat(c.longField("wall_ns")).isEqualTo(1_438_000_000L);
        assertThat(c.field("runner")).isEqualTo("structured");
        assertThat(c.field("ok")).isEqualTo("true");
    }

    @Test
    void otherOutputOfTheJvmIsNotAProtocolLine() {
        assertThat(ChildLine.parse("SLF4J(W): No SLF4J providers were found.")).isNull();
        assertThat(ChildLine.parse("RESULT but not key value")).isNull();
    }

    @Test
    void aValueWithASpaceCannotBeWritten() {
        assertThatThrownBy(() -> ChildLine.format(ChildLine.MEMORY, Map.of("note", "two words")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("note");
    }

    @Test
    void aMissingFieldIsNamed() {
        ChildLine c = ChildLine.parse("MEMORY heap_peak=1");
        assertThatThrownBy(() -> c.longField("rss_peak")).isInstanceOf(IllegalStateException.class).hasMessageContaining("rss_peak");
        assertThat(c.longField("rss_peak", -1)).isEqualTo(-1);
    }
}
