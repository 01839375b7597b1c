package io.jetstart.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ByteReaderTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void varintsMatchTheSpecVectors() throws Exception {
        assertThat(new ByteReader(hex("00")).varint("x")).isZero();
        assertThat(new ByteReader(hex("01")).varint("x")).isEqualTo(-1);
        assertThat(new ByteReader(hex("02")).varint("x")).isEqualTo(1);
        assertThat(new ByteReader(hex("80 80 d0 e2 c6 bf ce 97 2f")).varint("x")).isEqualTo(1_700_000_000_000_000_000L);
    }

    @Test
    void writerProducesTheSameBytesTheReaderAccepts() throws Exception {
        long[] values = {0, 1, 127, 128, 300, 1L << 35, Long.MAX_VALUE, -1, Long.MIN_VALUE};
        for (long v : values) {
            ByteWriter w = new ByteWriter();
            w.uvarint(v).varint(v);
            ByteReader r = new ByteReader(w.toByteArray());
            assertThat(r.uvarint("u")).isEqualTo(v);
            assertThat(r.varint("v")).isEqualTo(v);
            assertThat(r.hasRemaining()).isFalse();
        }
        assertThat(new ByteWriter().varint(1_700_000_000_000_000_000L).toByteArray()).isEqualTo(hex("80 80 d0 e2 c6 bf ce 97 2f"));
    }

    @Test
    void truncatedUvarintIsReportedWithItsOffset() {
        ByteReader r = new ByteReader(hex("05 80 80"));
        assertThatThrownBy(() -> {
            r.u8("magic");
            r.uvarint("count");
        }).isInstanceOf(FormatException.class).hasMessageContaining("offset 1").hasMessageContaining("count");
    }

    @Test
    void overlongUvarintIsCorrupt() {
        assertThatThrownBy(() -> new ByteReader(hex("ff ff ff ff ff ff ff ff ff ff 01")).uvarint("x"))
                .isInstanceOf(FormatException.class);
    }

    @Test
    void aDeclaredLengthBeyondTheBufferIsRefusedBeforeAllocation() {
        ByteReader r = new ByteReader(new byte[10]);
        assertThatThrownBy(() -> r.length(4L << 30, "subject")).isInstanceOf(FormatException.class)
                .hasMessageContaining("4294967296").hasMessageContaining("10 bytes");
    }
}
