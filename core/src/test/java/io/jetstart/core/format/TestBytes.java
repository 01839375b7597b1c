package io.jetstart.core.format;

import io.jetstart.core.hash.HashKeys;
import io.jetstart.core.hash.HighwayHash64;
import java.util.Arrays;
import java.util.HexFormat;

/** Hex literals and trailer sealing for codec tests. */
final class TestBytes {
    private TestBytes() {
    }

    /** Bytes from hex with any whitespace. */
    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s+", ""));
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** {@code body} followed by the {@code index.db} trailer HH64(sha256(stream), body). */
    static byte[] seal(String stream, byte[] body) {
        byte[] out = Arrays.copyOf(body, body.length + 8);
        HighwayHash64.putLE(new HighwayHash64(HashKeys.forStream(stream)).hash(body, 0, body.length), out, body.length);
        return out;
    }

    /** The body of an {@code index.db}: everything but the trailer. */
    static byte[] body(byte[] file) {
        return Arrays.copyOf(file, file.length - 8);
    }
}
