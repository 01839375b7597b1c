package io.jetstart.cli;

/**
 * Bytes as a double-quoted line of printable ASCII: what {@code dump} prints for headers and
 * payloads. Printable ASCII stays as it is; {@code \r \n \t \\ \"} get their escapes and every
 * other byte (controls, and each byte of a multi-byte UTF-8 character) is {@code \xNN}, so one
 * message is always one line and a terminal never sees a control byte.
 */
final class Escaped {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Escaped() {
    }

    static String quote(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length + 2).append('"');
        for (byte x : b) {
            int c = x & 0xff;
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        sb.append((char) c);
                    } else {
                        sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
