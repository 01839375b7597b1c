package io.jetstart.core.testing;

/**
 * A stream's {@code meta.inf} as nats-server 2.10 writes it, edited one key at a time as text, for
 * the tests of odd stream configs (the runtime's and the servers' view of the same files). Text,
 * not a JSON tree: the odd configs hold what a tree would not keep as written (a key given twice,
 * a number beyond 2^63, nesting deeper than a parser takes).
 */
public final class MetaInfText {
    private MetaInfText() {
    }

    /** The members (without the braces) of a limits stream {@code name} on {@code subject} with the server's defaults. */
    public static String base(String name, String subject) {
        return "\"Created\":\"2026-01-01T00:00:00Z\",\"name\":\"" + name + "\",\"subjects\":[\"" + subject + "\"],"
                + "\"retention\":\"limits\",\"max_consumers\":-1,\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,"
                + "\"max_msgs_per_subject\":-1,\"max_msg_size\":-1,\"discard\":\"old\",\"storage\":\"file\",\"num_replicas\":1,"
                + "\"duplicate_window\":120000000000,\"compression\":\"none\",\"allow_direct\":false,\"mirror_direct\":false,"
                + "\"sealed\":false,\"deny_delete\":false,\"deny_purge\":false,\"allow_rollup_hdrs\":false,\"consumer_limits\":{}";
    }

    /** {@code body} (members without braces) with {@code key}'s value replaced by the JSON {@code value}, or the pair added at the end. */
    public static String replaced(String body, String key, String value) {
        String k = "\"" + key + "\":";
        int i = body.indexOf(k);
        if (i < 0) {
            return body + "," + k + value;
        }
        int from = i + k.length();
        int depth = 0;
        int j = from;
        for (; j < body.length(); j++) {
            char c = body.charAt(j);
            if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                break;
            }
        }
        return body.substring(0, from) + value + body.substring(j);
    }
}
