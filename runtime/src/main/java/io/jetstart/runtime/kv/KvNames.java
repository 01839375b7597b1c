package io.jetstart.runtime.kv;

/**
 * Bucket and key rules as jnats 2.26 applies them ({@code Validator.validateBucketName},
 * {@code validateNonWildcardKvKey}, {@code validateWildcardKvKey}), with its error texts; the
 * server itself checks nothing KV-specific. Keys ending in '.' or holding an empty token are
 * refused too (nats.go's rule): jnats would publish them to a subject that is not valid.
 */
final class KvNames {
    static final String KEY_CHARS = "Key must only contain A-Z, a-z, 0-9, '-', '_', '/', '=' or '.' and cannot start with '.' [";
    static final String PATTERN_CHARS =
            "Key must only contain A-Z, a-z, 0-9, '*', '-', '_', '/', '=', '>' or '.' and cannot start with '.' [";

    private KvNames() {
    }

    static String checkBucket(String bucket) {
        if (bucket == null || bucket.isEmpty()) {
            throw new IllegalArgumentException("Bucket Name cannot be null or empty.");
        }
        for (int i = 0; i < bucket.length(); i++) {
            char c = bucket.charAt(i);
            if (!(alnum(c) || c == '-' || c == '_')) {
                throw new IllegalArgumentException("Bucket Name must only contain A-Z, a-z, 0-9, '-' or '_' [" + bucket + "]");
            }
        }
        return bucket;
    }

    /** A key to write or read: no wildcards. */
    static String checkKey(String key) {
        return check(key, false);
    }

    /** A key pattern to watch or list: '*' and '>' allowed. */
    static String checkPattern(String key) {
        return check(key, true);
    }

    private static String check(String key, boolean wildcards) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("Key cannot be null or empty.");
        }
        String message = (wildcards ? PATTERN_CHARS : KEY_CHARS) + key + "]";
        if (key.charAt(0) == '.') {
            throw new IllegalArgumentException(message);
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = alnum(c) || c == '-' || c == '_' || c == '/' || c == '=' || c == '.'
                    || (wildcards && (c == '*' || c == '>'));
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
        if (key.endsWith(".") || key.contains("..")) {
            throw new IllegalArgumentException("Key cannot end with '.' or hold an empty token [" + key + "]");
        }
        return key;
    }

    private static boolean alnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }
}
