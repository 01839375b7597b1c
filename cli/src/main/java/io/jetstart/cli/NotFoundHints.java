package io.jetstart.cli;

import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import java.util.List;

/**
 * What the runtime commands add to a "not found" line: the names that are there and how to make
 * the missing one. {@code stream not found (err_code 10059)} alone left a newcomer guessing between
 * a typo, another account, and a stream that was never created; and {@code kv}'s line named the
 * bucket as a stream, while the stream it looked for is {@code KV_<bucket>}.
 */
final class NotFoundHints {
    /** Names listed at most; a store of thousands of streams gets a count, not a page. */
    static final int MAX_NAMES = 10;
    /** nats-server's {@code err_code} for {@code stream not found}. */
    static final int STREAM_NOT_FOUND = 10059;
    /** nats-server's {@code err_code} for {@code consumer not found}. */
    static final int CONSUMER_NOT_FOUND = 10014;
    /** A bucket's stream is {@code KV_<bucket>}, as nats.go names it. */
    private static final String KV_PREFIX = "KV_";

    private NotFoundHints() {
    }

    /** {@code "; streams in $G: A, B"} (or {@code "; no streams in $G"}), the served streams of {@code account}. */
    static String streams(JetStartStore store, String account) {
        List<String> names = store.served().stream().filter(s -> s.account().equals(account)).map(JetStartStream::name).sorted().toList();
        return names.isEmpty() ? "; no streams in " + account : "; streams in " + account + ": " + list(names);
    }

    /** {@code "; buckets in $G: CFG"} (or {@code "; no buckets in $G"}): the served {@code KV_} streams of {@code account}. */
    static String buckets(JetStartStore store, String account) {
        List<String> names = store.served().stream().filter(s -> s.account().equals(account))
                .map(JetStartStream::name).filter(n -> n.startsWith(KV_PREFIX) && n.length() > KV_PREFIX.length())
                .map(n -> n.substring(KV_PREFIX.length())).sorted().toList();
        return names.isEmpty() ? "; no buckets in " + account : "; buckets in " + account + ": " + list(names);
    }

    /** {@code "; consumers of $G > S: C1, C2"} (or {@code "; $G > S has no consumers"}). */
    static String consumers(JetStartStream stream) {
        List<String> names = stream.consumerNames().stream().sorted().toList();
        String which = stream.account() + " > " + stream.name();
        return names.isEmpty() ? "; " + which + " has no consumers" : "; consumers of " + which + ": " + list(names);
    }

    static String list(List<String> sorted) {
        if (sorted.size() <= MAX_NAMES) {
            return String.join(", ", sorted);
        }
        return String.join(", ", sorted.subList(0, MAX_NAMES)) + ", ... (" + sorted.size() + " in all)";
    }
}
