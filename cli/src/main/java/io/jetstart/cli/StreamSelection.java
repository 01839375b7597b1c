package io.jetstart.cli;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Option;

/**
 * {@code --stream NAME} of inspect, recover and dump (repeatable, or a comma list), and its one
 * check: every name must be a stream of the store. An unknown name used to select nothing, so the
 * command printed an empty table (or {@code "streams": []}) and exited 0, which reads as "that
 * stream is empty". It is a usage error now, with the store's names (or the closest ones).
 */
final class StreamSelection {
    /** Up to this many streams, the message lists them all; beyond, only the closest. */
    static final int LIST_ALL = 12;

    @Option(names = "--stream", paramLabel = "NAME", split = ",",
            description = "Only this stream (repeatable, or NAME,NAME); the others are not read. A name the store does not hold is an error")
    Set<String> names = new LinkedHashSet<>();

    /** The set above before parsing: picocli puts a new one in its place when --stream is given. */
    private final Set<String> unset = names;

    Set<String> names() {
        return names == null ? Set.of() : Set.copyOf(names);
    }

    /**
     * {@link Main#USAGE} after saying which names the store lacks on {@code err}; null when every
     * name is a stream of the store (or none was given). One discovery pass (directory listings
     * and stats, nothing parsed).
     *
     * @throws IOException when the store cannot be listed (the caller's exit status 66)
     */
    Integer refuseUnknown(Path storeDir, PrintWriter err) throws IOException {
        if (names != null && names != unset && names.isEmpty()) {
            // `--stream ,` (or "$LIST" empty but for commas) split into no name, and no name meant
            // every stream: `repair --stream ,` planned to repair them all.
            err.println("jetstart: --stream names no stream; give NAME or NAME,NAME, or leave --stream out for every stream");
            return Main.USAGE;
        }
        if (names == null || names.isEmpty()) {
            return null;
        }
        StoreLayout layout = StoreLayout.discover(storeDir, DiskGate.unbounded());
        Set<String> known = new TreeSet<>();
        for (StreamDir sd : layout.streams()) {
            known.add(sd.name());
        }
        String why = unknown(names, known, storeDir);
        if (why == null) {
            return null;
        }
        err.println("jetstart: " + why);
        return Main.USAGE;
    }

    /** The message for the names {@code known} lacks, or null when it holds them all. */
    static String unknown(Set<String> wanted, Set<String> known, Path storeDir) {
        List<String> missing = wanted.stream().filter(n -> !known.contains(n)).toList();
        if (missing.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder(missing.size() == 1 ? "no stream named " : "no streams named ");
        b.append(String.join(", ", missing.stream().map(n -> "'" + n + "'").toList())).append(" in ").append(storeDir);
        List<String> suggestions = new ArrayList<>();
        for (String m : missing) {
            String close = closest(m, known);
            if (close != null && !suggestions.contains(close)) {
                suggestions.add(close);
            }
        }
        if (!suggestions.isEmpty()) {
            b.append("; did you mean ").append(String.join(" or ", suggestions.stream().map(n -> "'" + n + "'").toList())).append('?');
        }
        if (known.isEmpty()) {
            b.append(" (it holds no streams)");
        } else if (known.size() <= LIST_ALL) {
            b.append(" (").append(known.size() == 1 ? "its stream: " : "its " + known.size() + " streams: ")
                    .append(String.join(", ", known)).append(')');
        } else {
            b.append(" (").append(known.size()).append(" streams; closest: ")
                    .append(String.join(", ", nearest(missing.get(0), known, 5))).append(')');
        }
        return b.toString();
    }

    /** The known name a typo most likely meant: same letters ignoring case, or at most 2 edits away. */
    static String closest(String name, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = k.equalsIgnoreCase(name) ? 0 : distance(name.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.min(2, Math.max(1, name.length() / 3)) ? best : null;
    }

    private static List<String> nearest(String name, Set<String> known, int n) {
        String lower = name.toLowerCase(Locale.ROOT);
        return known.stream().sorted(Comparator.comparingInt((String k) -> distance(lower, k.toLowerCase(Locale.ROOT)))
                .thenComparing(Comparator.naturalOrder())).limit(n).toList();
    }

    /** Levenshtein distance (insertions, deletions, substitutions), two rows. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
