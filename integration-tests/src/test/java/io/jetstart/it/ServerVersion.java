package io.jetstart.it;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A nats-server release number as printed by {@code nats-server --version} ({@code v2.10.27}). */
record ServerVersion(int major, int minor, int patch) implements Comparable<ServerVersion> {

    private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)");

    static ServerVersion parse(String text) {
        Matcher m = VERSION.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException("no nats-server version (like v2.10.27) in: " + text.strip());
        }
        return new ServerVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    boolean atLeast(int wantMajor, int wantMinor) {
        return major > wantMajor || (major == wantMajor && minor >= wantMinor);
    }

    boolean isLine(int wantMajor, int wantMinor) {
        return major == wantMajor && minor == wantMinor;
    }

    /** 2.10+ keeps the stream state in {@code msgs/index.db}; 2.9 in per-block {@code .idx}/{@code .fss}. */
    boolean writesIndexDb() {
        return atLeast(2, 10);
    }

    /** The newest {@code index.db} version this server reads ({@code fullStateVersion}, spec §4.1). */
    int maxIndexDbVersion() {
        if (!writesIndexDb()) {
            return 0;
        }
        if (atLeast(2, 14)) {
            return 4;
        }
        if (atLeast(2, 12)) {
            return 3;
        }
        return atLeast(2, 11) ? 2 : 1;
    }

    /** Consumers with several filter subjects ({@code filter_subjects}) exist from 2.10. */
    boolean supportsMultipleFilters() {
        return atLeast(2, 10);
    }

    @Override
    public int compareTo(ServerVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
