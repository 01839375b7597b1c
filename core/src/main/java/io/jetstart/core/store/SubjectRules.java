package io.jetstart.core.store;

/**
 * nats-server's subject rules that stream and consumer configs are checked by ({@code sublist.go}):
 * {@code IsValidSubject}, {@code subjectIsSubsetMatch} and {@code SubjectsCollide}. One copy for
 * the consumer checks (a create's in the runtime, a restore's here: {@link ConsumerRestoreRefusals}),
 * the checks of a recovered stream's config, and the runtime's overlap check.
 */
public final class SubjectRules {
    private SubjectRules() {
    }

    /** IsValidSubject: non-empty tokens without whitespace, {@code >} only last. */
    public static boolean validSubject(String s) {
        if (s.isEmpty()) {
            return false;
        }
        String[] t = s.split("\\.", -1);
        for (int i = 0; i < t.length; i++) {
            if (t[i].isEmpty() || (t[i].equals(">") && i != t.length - 1)) {
                return false;
            }
            for (int k = 0; k < t[i].length(); k++) {
                if (Character.isWhitespace(t[i].charAt(k))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** subjectIsSubsetMatch: every subject {@code a} matches is matched by {@code b}. */
    public static boolean subsetMatch(String a, String b) {
        String[] x = a.split("\\.", -1);
        String[] y = b.split("\\.", -1);
        for (int i = 0; i < y.length; i++) {
            if (y[i].equals(">")) {
                return x.length > i;
            }
            if (i >= x.length || (y[i].equals("*") ? x[i].equals(">") : !y[i].equals(x[i]))) {
                return false;
            }
        }
        return x.length == y.length;
    }

    /** SubjectsCollide: some literal subject matches both filters. */
    public static boolean collide(String a, String b) {
        return collide(a.split("\\.", -1), b.split("\\.", -1));
    }

    /** As {@link #collide(String, String)} on subjects already split into tokens. */
    public static boolean collide(String[] x, String[] y) {
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (x[i].equals(">") || y[i].equals(">")) {
                return true;
            }
            if (!x[i].equals("*") && !y[i].equals("*") && !x[i].equals(y[i])) {
                return false;
            }
        }
        return x.length == y.length;
    }
}
