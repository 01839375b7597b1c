package io.jetstart.core.format;

import static io.jetstart.core.format.RecordsTest.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CompressionEnvelopeTest {
    @Test
    void theSpec99HeaderDeclaresFourMebibytesOfS2() throws Exception {
        byte[] b = hex("636d7001 80808002 ff00ff00");
        assertThat(CompressionEnvelope.originalSize(b, b.length)).isEqualTo(OptionalLong.of(4_194_304));
        assertThat(CompressionEnvelope.header(b, b.length))
                .isEqualTo(Optional.of(new CompressionEnvelope.Header(CompressionEnvelope.S2, 4_194_304, 8)));
    }

    @Test
    void aPlainBlockHasNoEnvelope() throws Exception {
        byte[] b = hex(RecordsTest.RECORD_A);
        assertThat(CompressionEnvelope.originalSize(b, b.length)).isEmpty();
    }

    @Test
    void fewerThanFiveBytesAreNeverAnEnvelope() throws Exception {
        byte[] b = hex("636d7001");
        assertThat(CompressionEnvelope.originalSize(b, b.length)).isEmpty();
    }

    @Test
    void algorithmZeroIsAnUncompressedEnvelope() throws Exception {
        byte[] b = hex("636d7000 26");
        assertThat(CompressionEnvelope.header(b, b.length))
                .isEqualTo(Optional.of(new CompressionEnvelope.Header(CompressionEnvelope.NONE, 38, 5)));
    }

    @Test
    void anUnknownAlgorithmIsAFormatError() {
        byte[] b = hex("636d7007 26");
        assertThatThrownBy(() -> CompressionEnvelope.originalSize(b, b.length))
                .isInstanceOfSatisfying(FormatException.class, e -> {
                    assertThat(e.offset()).isEqualTo(3);
                    assertThat(e.reason()).startsWith("compression algorithm not known: 7");
                });
    }

    @Test
    void aTruncatedOriginalSizeIsAFormatError() {
        byte[] b = hex("636d7001 8080");
        assertThatThrownBy(() -> CompressionEnvelope.originalSize(b, b.length))
                .isInstanceOfSatisfying(FormatException.class, e -> {
                    assertThat(e.offset()).isEqualTo(4);
                    assertThat(e.reason()).startsWith("compression metadata incomplete");
                });
    }
}
