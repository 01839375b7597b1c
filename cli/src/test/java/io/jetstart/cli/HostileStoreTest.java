package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.testing.StoreFileKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input at the store level: real nats-server stores (2.15.1 with {@code index.db} v4, 2.9.10
 * with per-block {@code .idx}/{@code .fss}) with one file damaged at a time, for every kind of file,
 * by a truncation or a single bit flip at a seeded random offset. {@code inspect --json} runs in
 * process and must: not throw or hang; leave every other stream's report exactly as it was; either
 * name the damaged file (or a directory holding it) in a typed problem, or change nothing that the
 * format lets it see (each such case is one of the {@link Blind} reasons below); give a report that
 * is internally consistent; and change no byte of the store.
 *
 * <p>One store copy per fixture is damaged and restored case by case, so every path in the reports
 * is the same as in the undamaged baseline and reports compare as whole JSON trees.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileStoreTest {
    static final long SEED = 0x4057_11E5L;
    static final int TRUNCATIONS_PER_KIND = 7;
    static final int FLIPS_PER_KIND = 14;
    static final Duration PER_CASE = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    /** One damaged file: truncated to {@code length}, or bit {@code bit} of byte {@code offset} flipped. */
    record Damage(String fixture, StoreFileKind kind, Path file, String stream, boolean truncate, int offset, int bit, int size) {
        String describe(Path streamsDir) {
            String where = streamsDir.relativize(file).toString();
            return fixture + " " + kind + " " + where + (truncate ? " truncated " + size + " -> " + offset
                    : " bit " + bit + " of byte " + offset + "/" + size + " flipped") + " (seed " + SEED + ")";
        }
    }

    @TestFactory
    Stream<DynamicTest> everyKindOfFileDamagedNeverEscapesHidesOrSpreads() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        Random rnd = new Random(SEED);
        for (String fixture : List.of("nats-2.15.1-small", "nats-2.9.10-small")) {
            Path store = TestStores.copyFixtureStore(fixture, tmp);
            Path streamsDir = store.resolve("jetstream").resolve("$G").resolve("streams");
            Map<String, String> pristine = TestStores.digests(store);
            TestStores.Run base = TestStores.cli("inspect", store.toString(), "--json");
            assertThat(base.exit()).as("%s baseline exit; stderr %s", fixture, base.err()).isZero();
            Map<String, JsonNode> baseline = byName(base.json());
            Map<StoreFileKind, List<Path>> files = new TreeMap<>();
            try (Stream<Path> walk = Files.walk(streamsDir)) {
                walk.filter(Files::isRegularFile).sorted()
                        .forEach(f -> files.computeIfAbsent(StoreFileKind.of(streamsDir.relativize(f)), k -> new ArrayList<>()).add(f));
            }
            for (Map.Entry<StoreFileKind, List<Path>> e : files.entrySet()) {
                for (int i = 0; i < TRUNCATIONS_PER_KIND + FLIPS_PER_KIND; i++) {
                    Path file = e.getValue().get(rnd.nextInt(e.getValue().size()));
                    int size = (int) Files.size(file);
                    boolean truncate = i < TRUNCATIONS_PER_KIND;
                    int offset;
                    if (truncate) {
                        offset = rnd.nextInt(size);
                    } else if (e.getKey() == StoreFileKind.BLOCK && i % 2 == 0) {
                        // Half the block flips hit a record header: the fields a reader trusts first.
                        List<Integer> starts = recordStarts(Files.readAllBytes(file));
                        offset = starts.get(rnd.nextInt(starts.size())) + rnd.nextInt(22);
                    } else {
                        offset = rnd.nextInt(size);
                    }
                    int bit = truncate ? -1 : rnd.nextInt(8);
                    String stream = "$G > " + streamsDir.relativize(file).getName(0);
                    Damage d = new Damage(fixture, e.getKey(), file, stream, truncate, offset, bit, size);
                    tests.add(DynamicTest.dynamicTest(d.describe(streamsDir),
                            () -> runCase(d, store, streamsDir, baseline, pristine)));
                }
            }
        }
        return tests.stream();
    }

    private void runCase(Damage d, Path store, Path streamsDir, Map<String, JsonNode> baseline, Map<String, String> pristine)
            throws Exception {
        String ctx = d.describe(streamsDir);
        byte[] original = Files.readAllBytes(d.file());
        try {
            apply(d, original);
            Map<String, String> before = TestStores.digests(store);
            TestStores.Run run = assertTimeoutPreemptively(PER_CASE, () -> TestStores.cli("inspect", store.toString(), "--json"), ctx);
            assertThat(run.err()).as("%s: stderr", ctx).isBlank();
            JsonNode report = run.json();
            Map<String, JsonNode> streams = byName(report);
            assertThat(streams.keySet()).as("%s: streams", ctx).isEqualTo(baseline.keySet());
            for (String name : baseline.keySet()) {
                if (!name.equals(d.stream())) {
                    assertThat(streams.get(name)).as("%s: undamaged stream %s", ctx, name).isEqualTo(baseline.get(name));
                }
            }
            JsonNode got = streams.get(d.stream());
            checkDamagedStream(d, ctx, got, baseline.get(d.stream()), original);
            assertThat(run.exit()).as("%s: exit status", ctx).isEqualTo(expectedExit(streams.values()));
            assertThat(TestStores.digests(store)).as("%s: no byte of the store changed", ctx).isEqualTo(before);
        } finally {
            Files.write(d.file(), original);
        }
        assertThat(TestStores.digests(store)).as("%s: store restored", ctx).isEqualTo(pristine);
    }

    private static void apply(Damage d, byte[] original) throws IOException {
        if (d.truncate()) {
            Files.write(d.file(), java.util.Arrays.copyOf(original, d.offset()));
        } else {
            byte[] b = original.clone();
            b[d.offset()] ^= (byte) (1 << d.bit());
            Files.write(d.file(), b);
        }
    }

    private static void checkDamagedStream(Damage d, String ctx, JsonNode got, JsonNode base, byte[] original) {
        List<JsonNode> problems = allProblems(got);
        for (JsonNode p : problems) {
            assertThat(p.path("severity").asText()).as("%s: problem %s severity", ctx, p).isIn("warning", "damage", "fatal");
            assertThat(p.path("message").asText()).as("%s: problem %s message", ctx, p).isNotBlank();
        }
        checkConsistent(ctx, got);
        boolean named = problems.stream().anyMatch(p -> names(p, d));
        if (named) {
            return;
        }
        if (got.equals(base)) {
            assertThat(blindUnchanged(d, original, base)).as("%s: the report is unchanged and no problem names the file: "
                    + "which part of the format hides this damage?", ctx).isNotNull();
        } else {
            assertThat(blindChanged(d, original)).as("%s: the report changed but no problem names the file;\nbaseline %s\ngot %s",
                    ctx, base, got).isNotNull();
        }
    }

    /**
     * Damage the format itself cannot show, leaving the report as it was. Each reason is a property
     * of the case, decided before the run.
     */
    private static String blindUnchanged(Damage d, byte[] original, JsonNode base) {
        return switch (d.kind()) {
            // jetstart never reads .fss: per-subject counts come from the block records (spec 4.7:
            // 2.10+ servers ignore it too).
            case LEGACY_FSS -> "fss never read";
            case BLOCK -> {
                if (d.truncate()) {
                    yield null;
                }
                // The fast path (spec 4.4) reads only a block's last 8 bytes; as in nats-server, a flip
                // elsewhere is found only when the block is next read.
                if ("index".equals(base.path("source").asText()) && d.offset() < original.length - 8) {
                    yield "fast path reads only the block tail";
                }
                // hlen is not hashed and its only use is finding headers to count TTL/schedule
                // headers, which the report does not show.
                if (inHlen(original, d.offset())) {
                    yield "hlen is not covered by the checksum";
                }
                yield null;
            }
            // o.dat has no checksum (spec 5.1): a flip in a pending timestamp, or in a delta that moves a
            // pending entry to another sequence already counted the same way, is a different valid
            // state; a cut inside the redelivery tail only loses counts (as in nats-server); a 0-byte
            // o.dat is how the server writes "no state".
            case O_DAT -> oDatBlind(d, original);
            case LEGACY_IDX -> idxBlind(d, original);
            default -> null;
        };
    }

    /**
     * .idx has no checksum (spec 4.7). Its counts are checked against the block's records, but its
     * two timestamps cannot be, and a delete moved onto another message that the block holds (2.9
     * left interest-removed records in place) keeps every count: both are a different valid index,
     * trusted as 2.9 trusted it.
     */
    private static String idxBlind(Damage d, byte[] original) {
        if (d.truncate()) {
            return null;
        }
        int[] p = {2};
        uvarint(original, p);
        uvarint(original, p);
        uvarint(original, p);
        int firstTsAt = p[0];
        uvarint(original, p);
        int firstTsEnd = p[0];
        uvarint(original, p);
        int lastTsAt = p[0];
        uvarint(original, p);
        int lastTsEnd = p[0];
        uvarint(original, p);
        int dmapAt = p[0] + 8;
        int o = d.offset();
        if ((o >= firstTsAt && o < firstTsEnd) || (o >= lastTsAt && o < lastTsEnd)) {
            return "idx timestamps are not checked";
        }
        return o >= dmapAt ? "idx delete moved to another message" : null;
    }

    /** Damage the format lets through as a different but valid content. */
    private static String blindChanged(Damage d, byte[] original) {
        return switch (d.kind()) {
            // slen is not hashed (spec 3.2): the subject|payload bytes stay contiguous, so a flip there
            // moves the subject boundary and changes the per-subject counts, as it would in nats-server.
            case BLOCK -> !d.truncate() && inSlen(original, d.offset()) ? "slen is not covered by the checksum" : null;
            case O_DAT -> oDatBlind(d, original);
            case LEGACY_IDX -> idxBlind(d, original);
            default -> null;
        };
    }

    private static String oDatBlind(Damage d, byte[] original) {
        int pendingEnd = oDatPendingEnd(original);
        if (d.truncate()) {
            if (d.offset() == 0) {
                return "0-byte o.dat means no state";
            }
            return d.offset() >= pendingEnd ? "cut inside the redelivery tail" : null;
        }
        // Magic and version are checked; every other byte is an unchecked varint.
        return d.offset() >= 2 ? "o.dat has no checksum" : null;
    }

    /** Where o.dat's pending list ends (spec 5.1), read independently of the codec under test. */
    static int oDatPendingEnd(byte[] b) {
        int[] p = {2};
        for (int i = 0; i < 4; i++) {
            uvarint(b, p);
        }
        long numPending = uvarint(b, p);
        if (numPending > 0) {
            uvarint(b, p);
            for (long i = 0; i < numPending; i++) {
                uvarint(b, p);
                if (b[1] == 2) {
                    uvarint(b, p);
                }
                uvarint(b, p);
            }
        }
        return p[0];
    }

    private static long uvarint(byte[] b, int[] p) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int x = b[p[0]++] & 0xff;
            v |= (long) (x & 0x7f) << shift;
            if (x < 0x80) {
                return v;
            }
        }
    }

    /** Record offsets of a block, walking rl (spec 3.2) from the start. */
    static List<Integer> recordStarts(byte[] b) {
        List<Integer> out = new ArrayList<>();
        for (int off = 0; off + 22 <= b.length; ) {
            out.add(off);
            long rl = (b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16 | (b[off + 3] & 0x7fL) << 24;
            off += (int) rl;
        }
        return out;
    }

    private static boolean inSlen(byte[] original, int offset) {
        for (int s : recordStarts(original)) {
            if (offset == s + 20 || offset == s + 21) {
                return true;
            }
        }
        return false;
    }

    private static boolean inHlen(byte[] original, int offset) {
        for (int s : recordStarts(original)) {
            if ((original[s + 3] & 0x80) != 0) {
                int slen = (original[s + 20] & 0xff) | (original[s + 21] & 0xff) << 8;
                int at = s + 22 + slen;
                if (offset >= at && offset < at + 4) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A problem names the damaged file, a directory holding it, or (meta files) its checksum partner. */
    private static boolean names(JsonNode problem, Damage d) {
        if (!problem.hasNonNull("file")) {
            return false;
        }
        Path p = Path.of(problem.get("file").asText());
        Path streamDir = d.file();
        while (!streamDir.getParent().getFileName().toString().equals("streams")) {
            streamDir = streamDir.getParent();
        }
        if (p.equals(d.file()) || (d.file().startsWith(p) && p.startsWith(streamDir))) {
            return true;
        }
        // meta.sum holds the checksum of meta.inf: a mismatch cannot tell which of the two is damaged.
        String n = d.file().getFileName().toString();
        String partner = n.equals("meta.inf") ? "meta.sum" : n.equals("meta.sum") ? "meta.inf" : null;
        return partner != null && p.equals(d.file().resolveSibling(partner));
    }

    private static List<JsonNode> allProblems(JsonNode stream) {
        List<JsonNode> out = new ArrayList<>();
        stream.path("problems").forEach(out::add);
        for (JsonNode c : stream.path("consumers")) {
            c.path("problems").forEach(out::add);
        }
        return out;
    }

    /** The invariants nats-server's stream and consumer info keep, whatever the input. */
    private static void checkConsistent(String ctx, JsonNode s) {
        if (!s.has("state")) {
            assertThat(s.has("source")).as("%s: a stream without state is a failed one", ctx).isFalse();
            assertThat(s.path("problems").findValuesAsText("severity")).as("%s: a failed stream says why", ctx).contains("fatal");
            return;
        }
        JsonNode st = s.get("state");
        long msgs = st.get("messages").asLong();
        long first = st.get("first_seq").asLong();
        long last = st.get("last_seq").asLong();
        long numDeleted = st.path("num_deleted").asLong(0);
        assertThat(msgs).as("%s: messages", ctx).isNotNegative();
        assertThat(st.get("bytes").asLong()).as("%s: bytes", ctx).isNotNegative();
        if (msgs > 0) {
            assertThat(msgs + numDeleted).as("%s: messages + num_deleted = last - first + 1 (%s)", ctx, st)
                    .isEqualTo(last - first + 1);
        } else if (first != 0 || last != 0) {
            // 0/0 is a stream that never held a message; any other empty stream starts after its last.
            assertThat(first).as("%s: an empty stream's first is last + 1 (%s)", ctx, st).isEqualTo(last + 1);
        }
        long prev = first - 1;
        for (JsonNode del : st.path("deleted")) {
            assertThat(del.asLong()).as("%s: deleted ascending inside (first, last) (%s)", ctx, st).isGreaterThan(prev).isLessThanOrEqualTo(last);
            prev = del.asLong();
        }
        assertThat(st.path("deleted").size()).as("%s: deleted lists num_deleted", ctx).isEqualTo((int) numDeleted);
        if (st.has("subjects")) {
            long sum = 0;
            for (Iterator<JsonNode> it = st.get("subjects").elements(); it.hasNext(); ) {
                long n = it.next().asLong();
                assertThat(n).as("%s: subject counts are positive", ctx).isPositive();
                sum += n;
            }
            assertThat(sum).as("%s: subject counts add up to messages (%s)", ctx, st).isEqualTo(msgs);
            assertThat(st.get("subjects").size()).as("%s: num_subjects", ctx).isEqualTo(st.get("num_subjects").asInt());
        }
        assertThat(st.get("consumer_count").asInt()).as("%s: consumer_count counts restored consumers", ctx)
                .isEqualTo((int) java.util.stream.StreamSupport.stream(s.get("consumers").spliterator(), false)
                        .filter(c -> !c.path("failed").asBoolean()).count());
        for (JsonNode c : s.get("consumers")) {
            if (c.path("failed").asBoolean()) {
                assertThat(c.path("problems").findValuesAsText("severity")).as("%s: a failed consumer says why", ctx).contains("fatal");
                continue;
            }
            long ackFloor = c.get("ack_floor").get("stream_seq").asLong();
            long delivered = c.get("delivered").get("stream_seq").asLong();
            if (ackFloor > delivered) {
                // o.dat has no checksum: such a state can be read, but never silently.
                assertThat(c.get("problems").toString()).as("%s: consumer %s ack floor above delivered", ctx, c.get("name"))
                        .contains("ack floor");
                continue;
            }
            if (delivered > last) {
                // 2.12 and older (here: a 2.9 store) leave a consumer ahead of a stream whose tail was
                // lost; 2.14+ pull it back. Either way the consumer says so (compatibility.md, rule 6).
                assertThat(c.get("problems").toString()).as("%s: consumer %s delivered past the stream's last", ctx,
                        c.get("name")).contains("past last stream sequence of " + last + "; left ahead");
                continue;
            }
            assertThat(delivered).as("%s: consumer %s delivered <= stream last", ctx, c.get("name")).isLessThanOrEqualTo(last);
            assertThat(c.get("num_pending").asLong()).as("%s: consumer %s num_pending <= messages", ctx, c.get("name"))
                    .isBetween(0L, msgs);
            assertThat(c.get("num_ack_pending").asLong()).as("%s: consumer %s num_ack_pending <= delivered - ack floor", ctx,
                    c.get("name")).isBetween(0L, delivered - ackFloor);
        }
    }

    /** The documented exit status for a report (docs/cli.md): 2 a stream failed, 1 damage, else 0. */
    private static int expectedExit(Iterable<JsonNode> streams) {
        int exit = 0;
        for (JsonNode s : streams) {
            if (!s.has("state")) {
                return Main.FAILED;
            }
            boolean damaged = s.path("problems").findValuesAsText("severity").stream().anyMatch(v -> !v.equals("warning"));
            for (JsonNode c : s.path("consumers")) {
                damaged |= c.path("failed").asBoolean()
                        || c.path("problems").findValuesAsText("severity").stream().anyMatch(v -> !v.equals("warning"));
            }
            if (damaged) {
                exit = Main.DAMAGED;
            }
        }
        return exit;
    }

    private static Map<String, JsonNode> byName(JsonNode report) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode s : report.get("streams")) {
            out.put(s.get("account").asText() + " > " + s.get("name").asText(), s);
        }
        return new TreeMap<>(out);
    }
}
