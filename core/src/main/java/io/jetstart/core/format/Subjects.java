package io.jetstart.core.format;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Subject checks as nats-server's {@code isValidSubject(subject, checkRunes=true)}
 * ({@code server/sublist.go}), which {@code recoverFullState} applies to every subject in
 * {@code index.db} to catch a memory-corruption bug that once reached disk.
 */
final class Subjects {
    private Subjects() {
    }

    /**
     * The subject in {@code b[off, off+len)} as a string, or null if nats-server would reject it:
     * empty, not valid UTF-8, holding NUL or U+FFFD, an empty token, whitespace, or {@code >}
     * before the last token. Valid UTF-8 re-encodes to the same bytes, which keeps round trips exact.
     */
    static String decodeValid(byte[] b, int off, int len) {
        if (len == 0) {
            return null;
        }
        if (isAscii(b, off, len)) {
            // ASCII is UTF-8 byte for byte: the common subject needs no decoder (one per subject,
            // thousands per index.db).
            String s = new String(b, off, len, StandardCharsets.ISO_8859_1);
            return isValid(s) ? s : null;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        String s;
        try {
            CharBuffer chars = decoder.decode(ByteBuffer.wrap(b, off, len));
            s = chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        return isValid(s) ? s : null;
    }

    private static boolean isAscii(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] < 0) {
                return false;
            }
        }
        return true;
    }

    static boolean isValid(String s) {
        return check(s, true);
    }

    /**
     * Whether a message can be stored on {@code s}: {@link #isValid} but for a {@code >} token
     * before the last one. nats-server stores a publish on {@code a.>.b} (a stream on {@code a.>}
     * takes it), writes it into its own {@code index.db}, and at the next start rejects that file
     * ("Stream state corrupt subject detected") and rebuilds from the blocks, where it keeps the
     * message (2.10.27 and 2.15.1). No publish reaches a stream with the other flaws.
     */
    static boolean isStorable(String s) {
        return check(s, false);
    }

    private static boolean check(String s, boolean fullWildcardLast) {
        if (s.isEmpty() || s.indexOf('\0') >= 0 || s.indexOf('\uFFFD') >= 0) {
            return false;
        }
        boolean fullWildcardSeen = false;
        int tokenStart = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i < s.length() && s.charAt(i) != '.') {
                continue;
            }
            int tokenLength = i - tokenStart;
            if (tokenLength == 0 || fullWildcardSeen) {
                return false;
            }
            if (fullWildcardLast && tokenLength == 1 && s.charAt(tokenStart) == '>') {
                fullWildcardSeen = true;
            }
            for (int j = tokenStart; j < i; j++) {
                if (isSpace(s.charAt(j))) {
                    return false;
                }
            }
            tokenStart = i + 1;
        }
        return true;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    }
}
