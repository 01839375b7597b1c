package io.jetstart.cli;

import io.jetstart.recovery.Progress;
import java.util.Locale;

/** The text of the progress line, and the short human units it uses. */
final class ProgressLine {
    private ProgressLine() {
    }

    /** {@code 3/8 streams  120.0/800.0 MiB 15%  95.2 MiB/s  ETA 7.1s  slowest $G > S1 4.2s 12%} */
    static String of(Progress p) {
        StringBuilder b = new StringBuilder();
        b.append(p.streamsDone()).append('/').append(p.streamsTotal()).append(" streams");
        if (p.streamsFailed() > 0) {
            b.append(" (").append(p.streamsFailed()).append(" failed)");
        }
        b.append("  ").append(bytesOf(p.bytesDone(), p.bytesTotal()));
        if (p.bytesTotal() > 0) {
            b.append(' ').append(p.bytesDone() * 100 / p.bytesTotal()).append('%');
        }
        b.append("  ").append(bytes((long) p.bytesPerSecond())).append("/s");
        long eta = p.etaNanos();
        b.append("  ETA ").append(eta < 0 ? "?" : duration(eta));
        if (p.slowest() != null) {
            var s = p.slowest();
            b.append("  slowest ").append(s.account()).append(" > ").append(s.stream()).append(' ')
                    .append(duration(s.runningNanos()));
            if (s.blockBytes() > 0) {
                b.append(' ').append(Math.min(s.scannedBytes(), s.blockBytes()) * 100 / s.blockBytes()).append('%');
            }
        }
        return b.toString();
    }

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    /** {@code 9.9/52.5 MiB}: both in the unit of the total. */
    static String bytesOf(long done, long total) {
        int u = unit(total);
        if (u == 0) {
            return done + "/" + total + " B";
        }
        double d = Math.pow(1024, u);
        return String.format(Locale.ROOT, "%.1f/%.1f %s", done / d, total / d, UNITS[u]);
    }

    private static int unit(long n) {
        int u = 0;
        while (u < UNITS.length - 1 && n >= 1L << (10 * (u + 1))) {
            u++;
        }
        return u;
    }

    /** Binary units with one decimal: 512 B, 1.5 KiB, 120.0 MiB. */
    static String bytes(long n) {
        int u = unit(n);
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", n / Math.pow(1024, u), UNITS[u]);
    }

    /** 850ms, 4.2s, 3m12s, 1h02m. */
    static String duration(long nanos) {
        long ms = nanos / 1_000_000;
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
}
