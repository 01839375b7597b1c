package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.crypto.StoreCipher;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** An option out of range is named as the library user set it. */
class RuntimeOptionsTest {
    @Test
    void aSyncIntervalThatIsNotPositiveNamesTheMethodThatSetIt() {
        assertThatThrownBy(() -> RuntimeOptions.defaults().withSyncInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("syncInterval must be positive (RuntimeOptions.withSyncInterval), got 0s");
    }

    @Test
    void anIndexVersionTheServersDoNotReadNamesTheMethodThatSetIt() {
        assertThatThrownBy(() -> RuntimeOptions.defaults().withIndexVersion(2))
                .hasMessage("indexVersion must be 1 (nats-server 2.10) or 4 (2.14+), or 0 for the store's own "
                        + "(RuntimeOptions.withIndexVersion), got 2");
    }

    @Test
    void aBlockSizeOutOfRangeNamesTheMethodThatSetIt() {
        assertThatThrownBy(() -> RuntimeOptions.defaults().withBlockSize(1023))
                .hasMessage("blockSize must be 0 (the server's rule) or 1024..8388608 bytes (RuntimeOptions.withBlockSize), got 1023");
    }

    @Test
    void aMaxPayloadThatIsNotPositiveNamesTheRecordComponent() {
        RuntimeOptions d = RuntimeOptions.defaults();

        assertThatThrownBy(() -> new RuntimeOptions(d.recovery(), d.sync(), d.syncInterval(), 0, 0, 0, true, StoreCipher.CHACHA))
                .hasMessage("maxPayload must be positive (RuntimeOptions.maxPayload), got 0");
    }
}
