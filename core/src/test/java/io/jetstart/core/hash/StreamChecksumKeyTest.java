package io.jetstart.core.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamChecksumKeyTest {
    private static final byte[] INPUT = "{\"name\":\"ORDERS\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void itHashesAsTheStreamKeyOfItsName() {
        for (String name : new String[] {"ORDERS", "S1", "ä-stream", ""}) {
            long expected = new HighwayHash64(HashKeys.forStream(name)).hash(INPUT, 0, INPUT.length);
            assertThat(StreamChecksumKey.of(name).hasher().hash(INPUT, 0, INPUT.length)).as(name).isEqualTo(expected);
        }
    }

    @Test
    void eachHasherStartsFromTheKeyAlone() {
        StreamChecksumKey key = StreamChecksumKey.of("ORDERS");
        HighwayHash64 first = key.hasher();
        first.update(INPUT, 0, INPUT.length);
        assertThat(key.hasher().hash(INPUT, 0, INPUT.length)).isEqualTo(first.finish());
    }

    @Test
    void itIsTheKeyOfItsOwnNameOnly() {
        StreamChecksumKey key = StreamChecksumKey.of("ORDERS");
        assertThat(key.stream()).isEqualTo("ORDERS");
        assertThat(key.isFor("ORDERS")).isTrue();
        assertThat(key.isFor("orders")).isFalse();
    }
}
