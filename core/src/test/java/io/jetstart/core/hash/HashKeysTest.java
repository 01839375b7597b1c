package io.jetstart.core.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HashKeysTest {
    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Test
    void blockStreamAndConsumerKeysMatchSpec91() {
        assertThat(hex(HashKeys.forBlock("TEST", 1)))
                .isEqualTo("99c55338ea87b21ecb045df8386f9a85ec1c64d76846e778db0407f559ce9e5b");
        assertThat(hex(HashKeys.forStream("TEST")))
                .isEqualTo("94ee059335e587e501cc4bf90613e0814f00a7b08bc7c648fd865a2af6a22cc2");
        assertThat(hex(HashKeys.forConsumer("TEST", "C1")))
                .isEqualTo("39a061ad4755e8139fd438669935e7a1f2fcfd54e10fb827b0ce78629c4b0f00");
    }

    @Test
    void realStoreKeysMatchSpec910() {
        assertThat(hex(HashKeys.forBlock("LIM1", 1)))
                .isEqualTo("2c75ae7bff39457928087f831c18ea59bbe161b8f35f4f338047bfed2d72edc8");
        assertThat(hex(HashKeys.forStream("LIM1")))
                .isEqualTo("c82e72c85f1ee728b7c29b53780855183159ffdcec5d8caa1436b8ec07f5418f");
        assertThat(hex(HashKeys.forConsumer("LIM1", "C0")))
                .isEqualTo("70c39d3b590c8708a13b63f45a1e0986438b16291166a4aea729f6e53c9e96a2");
        assertThat(hex(HashKeys.forStream("MAX1")))
                .isEqualTo("d7eaf4bbc589df7507ff24e5f48aca2ba2e5ab74053f6005b1b43379c40e9414");
        assertThat(hex(HashKeys.forBlock("MAX1", 1)))
                .isEqualTo("e6496f60ec482827b986635508e8dcd8ba3c767edb77d525fafaa07f10dd531a");
    }

    @Test
    void blockIndexIsWrittenInDecimalWithoutPadding() {
        assertThat(HashKeys.forBlock("S", 10)).isEqualTo(HashKeys.forStream("S-10"));
    }
}
