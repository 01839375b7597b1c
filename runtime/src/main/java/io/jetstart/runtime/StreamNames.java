package io.jetstart.runtime;

/**
 * Stream and account name rules as nats-server applies them ({@code stream.go: checkStreamCfg},
 * {@code isValidName}): not empty, at most 255 bytes, no {@code .}, {@code *}, {@code >}, no
 * whitespace, no path separators. A name that passes cannot leave {@code streams/}: it has no
 * separator, is not {@code .} or {@code ..}, and holds no NUL.
 */
final class StreamNames {
    static final int MAX_NAME_BYTES = 255;

    private StreamNames() {
    }

    static void check(String name) {
        if (name == null || name.isEmpty()) {
            throw JetStreamApiException.invalidConfig("stream name is required");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            throw JetStreamApiException.pathSeparators();
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw JetStreamApiException.invalidConfig("stream name is too long, maximum allowed is " + MAX_NAME_BYTES);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.' || c == '*' || c == '>' || Character.isWhitespace(c) || c == 0 || Character.isISOControl(c)) {
                throw JetStreamApiException.invalidConfig("stream name is invalid");
            }
        }
    }

    /** Accounts are directory names too: the same rules, reported as an argument error. */
    static void checkAccount(String account) {
        if (account == null || account.isEmpty() || account.indexOf('/') >= 0 || account.indexOf('\\') >= 0
                || account.equals(".") || account.equals("..") || hasWhitespaceOrNul(account)) {
            throw new IllegalArgumentException("invalid account name '" + account + "'");
        }
    }

    /** A loop, not a stream's lambda: every {@code store.stream(...)} checks its account, on the serve path too. */
    private static boolean hasWhitespaceOrNul(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || Character.isWhitespace(c)) {
                return true;
            }
        }
        return false;
    }
}
