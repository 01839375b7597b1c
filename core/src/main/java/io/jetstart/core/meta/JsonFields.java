package io.jetstart.core.meta;

import io.jetstart.core.format.FormatException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses a meta.inf as Go's lenient {@code json.Unmarshal} into {@code FileStreamInfo} /
 * {@code FileConsumerInfo} would: unknown keys are kept and ignored, but a known key holding the
 * wrong JSON type, an out-of-range integer, an enum value the server does not know or an
 * unparseable time fails the whole decode (nats-server then logs "Error unmarshalling ... metafile"
 * and skips the asset).
 *
 * <p>Limits of the imitation, on purpose: keys match exactly (Go also accepts a case-insensitive
 * match), nested objects ({@code mirror}, {@code placement}, ...) are only checked to be objects,
 * and {@code null} counts as absent except for enum fields, whose Go unmarshallers reject it.
 */
final class JsonFields {
    /**
     * Go's zero {@code time.Time}, 0001-01-01T00:00:00Z: "no time". As seconds, not
     * {@code Instant.parse}: that loads the JDK's date formatter and regex classes (about 50,
     * ~10 ms of a fresh JVM's first stream served), which the common "Created" never needs.
     */
    static final Instant GO_ZERO_TIME = Instant.ofEpochSecond(-62_135_596_800L);

    /** The Go type a known key decodes into, as a check on its JSON value. */
    enum Type {
        STRING, BOOL, INT64, INT32, UINT64, TIME, STRING_LIST, INT64_LIST, OBJECT, OBJECT_LIST, STRING_MAP
    }

    /** A known key: its Go type, and for enums the accepted string values. */
    record Field(Type type, Set<String> enumValues, boolean ignoreCase) {
        static Field of(Type type) {
            return new Field(type, Set.of(), false);
        }

        static Field oneOf(String... values) {
            return new Field(Type.STRING, Set.of(values), false);
        }

        static Field oneOfIgnoringCase(String... values) {
            return new Field(Type.STRING, Set.of(values), true);
        }
    }

    private JsonFields() {
    }

    /**
     * Parses and type-checks into plain values ({@link MetaJson}'s: maps keep key order and unknown
     * keys). The common shape is read by {@link MetaJson} and checked with {@link #fits}; anything
     * else, including every input that fails a check, takes the Jackson path ({@link JsonTree#parse}), so
     * what is accepted and every error message are that path's.
     */
    /** The key of {@code known} that {@code key} is in other letter case, as Go's decoder matches it, or null. */
    static String knownIgnoringCase(java.util.Set<String> known, String key) {
        for (String k : known) {
            if (k.equalsIgnoreCase(key)) {
                return k;
            }
        }
        return null;
    }

    static Map<String, Object> parseFields(byte[] json, Map<String, Field> known, String what) throws FormatException {
        Map<String, Object> plain = MetaJson.read(json);
        if (plain != null && allFit(plain, known)) {
            return plain;
        }
        return JsonTree.plainValues(JsonTree.parse(json, known, what));
    }

    private static boolean allFit(Map<String, Object> obj, Map<String, Field> known) {
        for (Map.Entry<String, Object> e : obj.entrySet()) {
            Field f = known.get(e.getKey());
            if (f != null && !fits(e.getValue(), f)) {
                return false;
            }
        }
        return true;
    }

    /** {@link JsonTree}'s check rule on {@link MetaJson}'s values: true where check finds no problem. */
    static boolean fits(Object v, Field f) {
        if (v == MetaJson.NULL) {
            return f.enumValues().isEmpty();
        }
        return switch (f.type()) {
            case STRING -> v instanceof String s && (f.enumValues().isEmpty() || accepts(f, s));
            case BOOL -> v instanceof Boolean;
            case INT64 -> v instanceof Long;
            case INT32 -> v instanceof Long l && l == (int) (long) l;
            case UINT64 -> v instanceof Long l && l >= 0;
            case TIME -> v instanceof String s && parseTime(s) != null;
            case STRING_LIST -> v instanceof List<?> l && allNullOr(l, String.class);
            case INT64_LIST -> v instanceof List<?> l && allNullOr(l, Long.class);
            case OBJECT -> v instanceof Map;
            case OBJECT_LIST -> v instanceof List<?> l && allNullOr(l, Map.class);
            case STRING_MAP -> v instanceof Map<?, ?> m && allNullOr(m.values(), String.class);
        };
    }

    /**
     * Every element is {@link MetaJson#NULL} or a {@code type}. A loop, not a stream pipeline: it
     * runs for every list in every meta.inf (thousands in a store of many streams), where a fresh
     * JVM ran each pipeline's several objects and megamorphic calls uncompiled.
     */
    private static boolean allNullOr(Collection<?> values, Class<?> type) {
        for (Object n : values) {
            if (n != MetaJson.NULL && !type.isInstance(n)) {
                return false;
            }
        }
        return true;
    }

    static boolean accepts(Field f, String value) {
        return f.ignoreCase() ? f.enumValues().contains(value.toLowerCase(Locale.ROOT)) : f.enumValues().contains(value);
    }

    /** RFC 3339 with optional fraction; null if it does not parse. */
    static Instant parseTime(String s) {
        Instant t = parseGoTime(s);
        if (t != null) {
            return t;
        }
        try {
            return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The shape Go's {@code time.RFC3339Nano} writes, {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]} then
     * {@code Z} or {@code ±HH:MM}, with every field in range: the instant, exactly as
     * {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} reads it. Null for anything else, which
     * {@link #parseTime} leaves to that formatter.
     *
     * <p>Design note: every meta.inf has a "Created" key, so a recovery of many streams parsed
     * thousands of times with the general formatter, and its parse machinery was the costliest
     * code the JIT compiled in a fresh JVM. This reads the common case with a few digit checks.
     */
    static Instant parseGoTime(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23
                || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && i - start < 10 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                nanos = nanos * 10 + (s.charAt(i) - '0');
                i++;
            }
            int count = i - start;
            if (count < 1 || count > 9) {
                return null;
            }
            for (int k = count; k < 9; k++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        if (i == n - 1 && s.charAt(i) == 'Z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || oh > 17 || om < 0 || om > 59) {
                return null;
            }
            offsetSeconds = (s.charAt(i) == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return null;
        }
        long epochDay = epochDay(year, month, day);
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds, nanos);
    }

    /**
     * Days from 1970-01-01 to the valid proleptic Gregorian date {@code year-month-day} (what
     * {@code LocalDate.of(year, month, day).toEpochDay()} gives): whole 400-year eras of 146,097
     * days, then the years and days of the era counted from March, so that the leap day ends the
     * year.
     *
     * <p>Design note: not {@code LocalDate}: for a month after February its {@code toEpochDay}
     * asks {@code IsoChronology} whether the year is leap, whose {@code Year} class builds a date
     * formatter in its initializer (the JDK's formatter and regex classes, ~50 classes of a fresh
     * JVM's first stream served, docs/benchmarks-passes.md, "Per-stream readiness", fifth pass).
     */
    static long epochDay(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        int era = Math.floorDiv(y, 400);
        int yearOfEra = y - era * 400;
        int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097L + dayOfEra - 719_468;
    }

    /** The value of {@code count} ASCII digits at {@code at}, or -1. */
    private static int digits(String s, int at, int count) {
        int v = 0;
        for (int i = at; i < at + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static int daysInMonth(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    // ---- typed reads over already checked values (parseFields') ----

    static String text(Map<String, Object> o, String key, String absent) {
        Object v = o.get(key);
        return v == null || v == MetaJson.NULL ? absent : v instanceof String s ? s : null;
    }

    static long int64(Map<String, Object> o, String key, long absent) {
        Object v = o.get(key);
        return v == null || v == MetaJson.NULL ? absent : v instanceof Number n ? n.longValue() : 0;
    }

    /** An unsigned 64-bit value in the bits of a long. */
    static long uint64(Map<String, Object> o, String key) {
        return o.get(key) instanceof Number n ? n.longValue() : 0;
    }

    static boolean bool(Map<String, Object> o, String key) {
        return Boolean.TRUE.equals(o.get(key));
    }

    static List<String> strings(Map<String, Object> o, String key) {
        if (!(o.get(key) instanceof List<?> v)) {
            return List.of();
        }
        List<String> out = new ArrayList<>(v.size());
        for (Object n : v) {
            out.add(n == MetaJson.NULL ? "" : n instanceof String s ? s : null);
        }
        return List.copyOf(out);
    }

    /** The "Created" time, empty when absent, null or Go's zero time. */
    static Optional<Instant> created(Map<String, Object> o) {
        String raw = text(o, "Created", "");
        Instant t = raw.isEmpty() ? null : parseTime(raw);
        return t == null || t.equals(GO_ZERO_TIME) ? Optional.empty() : Optional.of(t);
    }
}
