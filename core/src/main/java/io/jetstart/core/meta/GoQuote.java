package io.jetstart.core.meta;

/**
 * Go's {@code %q} for the values nats-server quotes in its warnings, so that a stray newline or
 * binary byte in a damaged {@code meta.sum} shows up as {@code \n} or {@code \x00} rather than
 * breaking the log line.
 */
final class GoQuote {
    private GoQuote() {
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(cp -> append(sb, cp));
        return sb.append('"').toString();
    }

    /** Bytes as Go quotes a {@code []byte}: ASCII escaped like a string, every other byte as {@code \xNN}. */
    static String quote(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length + 2).append('"');
        for (byte x : b) {
            int c = x & 0xff;
            if (c >= 0x80) {
                hex(sb, c);
            } else {
                append(sb, c);
            }
        }
        return sb.append('"').toString();
    }

    private static void append(StringBuilder sb, int cp) {
        switch (cp) {
            case '"' -> sb.append("\\\"");
            case '\\' -> sb.append("\\\\");
            case '\n' -> sb.append("\\n");
            case '\r' -> sb.append("\\r");
            case '\t' -> sb.append("\\t");
            default -> {
                if (cp < 0x20 || cp == 0x7f) {
                    hex(sb, cp);
                } else {
                    sb.appendCodePoint(cp);
                }
            }
        }
    }

    private static void hex(StringBuilder sb, int c) {
        sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
    }
}
