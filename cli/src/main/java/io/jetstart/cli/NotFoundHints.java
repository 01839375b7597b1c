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
        List<JetStartStream> served = store.served();
        List<String> names = served.stream().filter(s -> s.account().equals(account)).map(JetStartStream::name).sorted().toList();
        if (names.isEmpty()) {
            List<String> accounts = served.stream().map(JetStartStream::account).distinct().sorted().toList();
            return accounts.isEmpty() ? "; no streams in " + account : "; no streams in " + account + " (accounts with streams: " + list(accounts) + ")";
        }
        return "; streams in " + account + ": " + list(names);
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

    /**
     * As {@link #streams}, for the read-only commands that open no runtime: the stream folders of
     * {@code account} in {@code storeDir} (nats-server's store_dir or its jetstream folder); "" when
     * they cannot be listed.
     */
    static String streamsOnDisk(java.nio.file.Path storeDir, String account) {
        java.nio.file.Path js = storeDir.resolve("jetstream");
        java.nio.file.Path accounts = java.nio.file.Files.isDirectory(js) ? js : storeDir;
        java.nio.file.Path streams = accounts.resolve(account).resolve("streams");
        if (!java.nio.file.Files.isDirectory(streams)) {
            List<String> held = folders(accounts).stream()
                    .filter(a -> java.nio.file.Files.isDirectory(accounts.resolve(a).resolve("streams"))).toList();
            return held.isEmpty() ? "; no streams in " + account : "; the store has no account " + account + " (accounts: " + list(held) + ")";
        }
        List<String> names = folders(streams);
        return names.isEmpty() ? "; no streams in " + account : "; streams in " + account + ": " + list(names);
    }

    /** The folders in {@code dir}, sorted; none when it cannot be listed. */
    private static List<String> folders(java.nio.file.Path dir) {
        try (java.util.stream.Stream<java.nio.file.Path> dirs = java.nio.file.Files.list(dir)) {
            return dirs.filter(java.nio.file.Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException | RuntimeException e) {
            return List.of();
        }
    }

    static String list(List<String> sorted) {
        if (sorted.size() <= MAX_NAMES) {
            return String.join(", ", sorted);
        }
        return String.join(", ", sorted.subList(0, MAX_NAMES)) + ", ... (" + sorted.size() + " in all)";
    }
}
