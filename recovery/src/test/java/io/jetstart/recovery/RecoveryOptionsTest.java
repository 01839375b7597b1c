package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.options.InvalidOptionException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** An option out of range is named as the library user set it, not as a command-line flag. */
class RecoveryOptionsTest {
    @Test
    void diosOutOfRangeNamesTheMethodThatSetIt() {
        assertThatThrownBy(() -> RecoveryOptions.defaults().withDios(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dios must be between 1 and 8192 (RecoveryOptions.withDios), got 0");
        assertThatThrownBy(() -> RecoveryOptions.defaults().withDios(8193))
                .hasMessage("dios must be between 1 and 8192 (RecoveryOptions.withDios), got 8193");
    }

    @Test
    void theRefusalIsTypedSoThatACommandLineCanNameItsFlag() {
        assertThatThrownBy(() -> RecoveryOptions.defaults().withDios(0)).isInstanceOfSatisfying(InvalidOptionException.class, e -> {
            assertThat(e.option()).isEqualTo("dios");
            assertThat(e.setter()).isEqualTo("RecoveryOptions.withDios");
            assertThat(e.forFlag("--dios")).isEqualTo("--dios must be between 1 and 8192, got 0");
        });
    }

    @Test
    void workersOutOfRangeNamesTheMethodThatSetIt() {
        assertThatThrownBy(() -> RecoveryOptions.defaults().withWorkers(4097))
                .hasMessage("workers must be between 1 and 4096 (RecoveryOptions.withWorkers), got 4097");
    }

    @Test
    void aDeadlineThatIsNotPositiveIsNamedInGoNotation() {
        assertThatThrownBy(() -> RecoveryOptions.defaults().withDeadline(Duration.ZERO))
                .hasMessage("deadline must be positive (RecoveryOptions.withDeadline), got 0s");
        assertThatThrownBy(() -> RecoveryOptions.defaults().withDeadline(Duration.ofMillis(-1500)))
                .hasMessage("deadline must be positive (RecoveryOptions.withDeadline), got -1.5s");
    }
}
