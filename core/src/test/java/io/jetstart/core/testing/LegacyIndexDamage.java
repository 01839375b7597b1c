package io.jetstart.core.testing;

import java.util.Arrays;
import java.util.List;

/**
 * The seven ways {@code nats-2.9.10-small}'s {@code INT1/msgs/1.idx} is damaged to see what
 * 2.9.10 and jetstart make of a {@code .idx} that does not decode: the core test and the IT on the
 * real server damage it alike. The file: {@code 16 01} | msgs 685 | bytes | first 302 (offset 7) |
 * ts | last | ts | dmapLen 14 (offset 29) | checksum 30..37 | deltas.
 */
public final class LegacyIndexDamage {
    /** Every damage {@link #apply} knows, in the order the tests report them. */
    public static final List<String> ALL = List.of("cut to 1 byte", "bad magic", "version 2", "cut in the first ts",
            "cut in the checksum", "msgs 686", "dmapLen 15");

    private LegacyIndexDamage() {
    }

    /** A damaged copy of {@code idx}. */
    public static byte[] apply(byte[] idx, String damage) {
        byte[] b = idx.clone();
        switch (damage) {
            case "cut to 1 byte" -> b = Arrays.copyOf(b, 1);
            case "bad magic" -> b[0] = 0x17;
            case "version 2" -> b[1] = 2;
            case "cut in the first ts" -> b = Arrays.copyOf(b, 10);
            case "cut in the checksum" -> b = Arrays.copyOf(b, 34);
            case "msgs 686" -> b[2] = (byte) 0xae;
            case "dmapLen 15" -> b[29] = 0x0f;
            default -> throw new IllegalArgumentException(damage);
        }
        return b;
    }
}
