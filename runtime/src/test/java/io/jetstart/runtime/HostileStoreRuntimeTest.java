package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jetstart.core.format.RecordCursor;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.hash.RecordHashes;
import io.jetstart.core.store.Problem;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.testing.StoreFaults;
import io.jetstart.core.testing.StoreFileKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input at the embedded runtime, where writes happen: real nats-server stores (2.15.1 with
 * {@code index.db} v4, 2.10.27 with v1, 2.9.10 with per-block {@code .idx}/{@code .fss}) with one
 * file damaged per case, every kind of file, by a truncation or a single bit flip at a seeded offset.
 * Each case opens the damaged store with {@link JetStart#open}, writes to every writable stream,
 * reads everything back, closes, reopens, and checks the promises of docs/runtime.md: no exception
 * out of open or await but the documented ones, no hang; every undamaged stream served with exactly
 * its pristine state; a damaged stream served (writable or read-only with a reason) or failed with a
 * reason naming the file; no read hands out bytes that are not the record's (a damaged message is an
 * error naming its file); never destroy: every original block still there with its original bytes as
 * a prefix, a failed stream's or consumer's files untouched, no temp file left; never append after
 * damage; and after a reopen every acknowledged message is there byte for byte, sequences never
 * reused, and the runtime's rescan without {@code index.db} agrees (undamaged streams exactly; the
 * damaged one on its last sequence, counting no more: a rescan stops at the damage).
 *
 * <p>The default count is CI-sized; {@code -Djetstart.hostile.runtime.rounds=N} runs N times as many
 * cases, {@code -Djetstart.hostile.runtime.seed=S} draws others (the seed is in every case's name).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileStoreRuntimeTest {
    static final long SEED = Long.getLong("jetstart.hostile.runtime.seed", 0x4057_11E5_0002L);
    static final int ROUNDS = Integer.getInteger("jetstart.hostile.runtime.rounds", 1);
    /** Per round and kind: truncations, then flips (blocks, the files writes go to, get twice as many). */
    static final int TRUNCATIONS = 1;
    static final int FLIPS = 2;
    static final Duration PER_CASE = Duration.ofSeconds(60);
    static final Duration AWAIT = Duration.ofSeconds(30);
    static final int PUBLISHES = 3;
    static final List<String> FIXTURES = List.of("nats-2.15.1-small", "nats-2.10.27-small", "nats-2.9.10-small");

    @TempDir
    Path tmp;

    private int caseNumber;

    /** One damaged file, relative to the store: truncated to {@code offset}, or bit {@code bit} of byte {@code offset} flipped. */
    record Damage(String fixture, StoreFileKind kind, Path rel, String stream, boolean truncate, int offset, int bit, int size) {
        String describe() {
            return fixture + " " + kind + " " + rel + (truncate ? " truncated " + size + " -> " + offset
                    : " bit " + bit + " of byte " + offset + "/" + size + " flipped") + " (seed " + SEED + ")";
        }
    }

    /** What the pristine store holds: each stream's state as the runtime serves it, and every record its blocks hold. */
    record Pristine(Map<String, Summary> states, Map<String, List<String>> consumers, Map<String, Map<Long, Body>> records) {
    }

    /** The parts of a stream's state two copies of a store must agree on (a view's blocks name files by path). */
    record Summary(long messages, long bytes, long firstSeq, long firstTs, long lastSeq, long lastTs, int subjects) {
        static Summary of(StreamView v) {
            return new Summary(v.messages(), v.bytes(), v.firstSeq(), v.firstTs(), v.lastSeq(), v.lastTs(), v.subjects());
        }
    }

    /**
     * A message's bytes as the checksum covers them: sequence, time, and subject, headers and payload
     * as one run. The subject and header lengths are not hashed (spec 3.2), so a flip there moves a
     * boundary inside the run without changing it, as it would for nats-server.
     */
    record Body(long seq, long ts, byte[] run) {
        static Body of(StoredMessage m) {
            return of(m.seq(), m.timestamp(), m.subject().getBytes(StandardCharsets.UTF_8), m.headers(), m.payload());
        }

        static Body of(ConsumedMessage m) {
            return of(m.streamSeq(), m.timeNanos(), m.subject().getBytes(StandardCharsets.UTF_8), m.headers(), m.payload());
        }

        static Body of(long seq, long ts, byte[] subject, byte[] headers, byte[] payload) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(subject);
            out.writeBytes(headers);
            out.writeBytes(payload);
            return new Body(seq, ts, out.toByteArray());
        }

        boolean same(Body o) {
            return seq == o.seq && ts == o.ts && Arrays.equals(run, o.run);
        }

        @Override
        public String toString() {
            return "seq " + seq + " ts " + ts + " " + run.length + " bytes";
        }
    }

    /** What a case saw of one stream on the first open. */
    private record Served(String name, StreamHandle.State state, String reason, Map<Long, Body> acked, long lastSeq,
                          List<String> unrestored, Set<Long> live) {
    }

    @TestFactory
    Stream<DynamicTest> oneDamagedFileNeverEscapesDestroysOrSpreadsThroughTheRuntime() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        Random rnd = new Random(SEED);
        for (String fixture : FIXTURES) {
            Pristine pristine = pristine(fixture);
            Path streams = streamsDir(Fixtures.root().resolve(fixture).resolve("store"));
            Map<StoreFileKind, List<Path>> files = new TreeMap<>();
            try (Stream<Path> walk = Files.walk(streams)) {
                walk.filter(Files::isRegularFile).sorted()
                        .forEach(f -> files.computeIfAbsent(StoreFileKind.of(streams.relativize(f)), k -> new ArrayList<>()).add(f));
            }
            for (Map.Entry<StoreFileKind, List<Path>> e : files.entrySet()) {
                int scale = e.getKey() == StoreFileKind.BLOCK ? 2 : 1;
                int truncations = TRUNCATIONS * scale * ROUNDS;
                int flips = FLIPS * scale * ROUNDS;
                for (int i = 0; i < truncations + flips; i++) {
                    Path file = e.getValue().get(rnd.nextInt(e.getValue().size()));
                    int size = (int) Files.size(file);
                    boolean truncate = i < truncations;
                    int offset;
                    if (truncate) {
                        offset = rnd.nextInt(size);
                    } else if (e.getKey() == StoreFileKind.BLOCK && i % 2 == 0) {
                        // Half the block flips hit a record header: the fields a reader trusts first.
                        List<Long> starts = StoreFaults.recordStarts(Files.readAllBytes(file));
                        offset = (int) (starts.get(rnd.nextInt(starts.size())) + rnd.nextInt(22));
                    } else {
                        offset = rnd.nextInt(size);
                    }
                    int bit = truncate ? -1 : rnd.nextInt(8);
                    Path rel = Fixtures.root().resolve(fixture).resolve("store").relativize(file);
                    String stream = streams.relativize(file).getName(0).toString();
                    Damage d = new Damage(fixture, e.getKey(), rel, stream, truncate, offset, bit, size);
                    tests.add(DynamicTest.dynamicTest(d.describe(), () -> runCase(d, pristine)));
                }
            }
        }
        return tests.stream();
    }

    private static Path streamsDir(Path store) {
        return store.resolve("jetstream").resolve("$G").resolve("streams");
    }

    /** The runtime's view of an untouched copy, and every record of the fixture's blocks (whatever their state says of them). */
    private Pristine pristine(String fixture) throws Exception {
        Path store = Fixtures.copyStore(fixture, tmp.resolve("pristine"));
        Map<String, Summary> states = new TreeMap<>();
        Map<String, List<String>> consumers = new TreeMap<>();
        Map<String, Map<Long, Body>> records = new TreeMap<>();
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            for (Path dir : list(streamsDir(store))) {
                String name = dir.getFileName().toString();
                JetStartStream s = rt.stream(name).await(AWAIT);
                assertThat(s.readOnlyReason()).as("%s %s pristine", fixture, name).isEmpty();
                assertThat(s.unrestoredConsumers()).as("%s %s pristine consumers", fixture, name).isEmpty();
                states.put(name, Summary.of(s.info()));
                consumers.put(name, List.copyOf(s.consumerNames()));
                // From the repository's files, not the copy: the runtime's open may compact a block.
                records.put(name, blockRecords(streamsDir(Fixtures.root().resolve(fixture).resolve("store")).resolve(name).resolve("msgs")));
            }
        }
        return new Pristine(states, consumers, records);
    }

    /** Every message record of the blocks in {@code msgs}, by sequence, read with core's cursor (no checksum needed: pristine). */
    private static Map<Long, Body> blockRecords(Path msgs) throws IOException {
        Map<Long, Body> out = new HashMap<>();
        for (Path blk : list(msgs)) {
            if (!blk.getFileName().toString().endsWith(".blk")) {
                continue;
            }
            byte[] b = Files.readAllBytes(blk);
            RecordCursor c = new RecordCursor().wrap(b, b.length);
            while (c.next()) {
                if (c.isMessage()) {
                    out.put(c.seq(), Body.of(c.seq(), c.timestamp(),
                            Arrays.copyOfRange(b, c.subjectOffset(), c.subjectOffset() + c.subjectLength()),
                            Arrays.copyOfRange(b, c.headersOffset(), c.headersOffset() + c.headersLength()),
                            Arrays.copyOfRange(b, c.payloadOffset(), c.payloadOffset() + c.payloadLength())));
                }
            }
        }
        return out;
    }

    private void runCase(Damage d, Pristine pristine) throws Exception {
        String ctx = d.describe();
        Path store = Fixtures.copyStore(d.fixture(), tmp.resolve("case-" + (++caseNumber)));
        Path file = store.resolve(d.rel());
        byte[] original = Files.readAllBytes(file);
        if (d.truncate()) {
            Files.write(file, Arrays.copyOf(original, d.offset()));
        } else {
            byte[] b = original.clone();
            b[d.offset()] ^= (byte) (1 << d.bit());
            Files.write(file, b);
        }
        Map<String, byte[]> before = contents(store);
        Map<String, Served> served = assertTimeoutPreemptively(PER_CASE, () -> firstOpen(d, ctx, store, file, pristine), ctx);
        checkNothingDestroyed(d, ctx, store, before, served);
        assertTimeoutPreemptively(PER_CASE, () -> reopen(d, ctx, store, served, pristine), ctx);
    }

    /** Step 2 and 3: open, await every stream, write to the writable ones, read everything back, close. */
    private Map<String, Served> firstOpen(Damage d, String ctx, Path store, Path file, Pristine pristine) throws Exception {
        Map<String, Served> out = new TreeMap<>();
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            rt.recovery().get(AWAIT.toSeconds(), TimeUnit.SECONDS);
            for (String name : pristine.states().keySet()) {
                boolean damaged = name.equals(d.stream());
                StreamHandle h = rt.stream(name);
                JetStartStream s;
                try {
                    s = h.await(AWAIT);
                } catch (StreamUnavailableException e) {
                    assertThat(damaged).as("%s: undamaged stream %s failed: %s", ctx, name, e.getMessage()).isTrue();
                    assertThat(h.state()).as("%s: %s", ctx, name).isEqualTo(StreamHandle.State.FAILED);
                    assertThat(namesFile(e.getMessage(), file)).as("%s: why %s failed names the file: %s", ctx, name,
                            e.getMessage()).isTrue();
                    out.put(name, new Served(name, StreamHandle.State.FAILED, e.getMessage(), Map.of(), -1, List.of(), Set.of()));
                    continue;
                }
                StreamHandle.State state = h.state();
                Map<String, String> unrestored = s.unrestoredConsumers();
                if (!damaged) {
                    assertThat(state).as("%s: undamaged stream %s", ctx, name).isEqualTo(StreamHandle.State.READY);
                    assertThat(Summary.of(s.info())).as("%s: undamaged stream %s state", ctx, name)
                            .isEqualTo(pristine.states().get(name));
                    assertThat(unrestored).as("%s: undamaged stream %s consumers", ctx, name).isEmpty();
                    assertThat(s.consumerNames()).as("%s: undamaged stream %s consumers", ctx, name)
                            .containsExactlyInAnyOrderElementsOf(pristine.consumers().get(name));
                }
                for (Map.Entry<String, String> u : unrestored.entrySet()) {
                    assertThat(namesFile(u.getValue(), file)).as("%s: why consumer %s of %s was not restored names the file: %s",
                            ctx, u.getKey(), name, u.getValue()).isTrue();
                }
                if (state == StreamHandle.State.READ_ONLY) {
                    assertThat(s.readOnlyReason().orElse("")).as("%s: %s read-only says why", ctx, name).isNotBlank();
                }
                Map<Long, Body> records = pristine.records().get(name);
                Set<Long> live = readAll(ctx + ": " + name, s, records, Map.of(), file);
                Map<Long, Body> acked = new TreeMap<>();
                if (state == StreamHandle.State.READY) {
                    long lastBefore = s.info().lastSeq();
                    String subject = s.config().subjects().get(0).replace("*", "hostile").replace(">", "hostile");
                    for (int i = 0; i < PUBLISHES; i++) {
                        byte[] payload = (ctx + " #" + i).getBytes(StandardCharsets.UTF_8);
                        PublishAck ack = s.publish(subject, payload);
                        assertThat(ack.seq()).as("%s: %s publish %d: a sequence above every one served before", ctx, name, i)
                                .isGreaterThan(Math.max(lastBefore, acked.isEmpty() ? 0 : ((TreeMap<Long, Body>) acked).lastKey()));
                        // Sequences are never reused: not one that the original files held either.
                        assertThat(ack.seq()).as("%s: %s publish %d: a sequence the pristine store never used", ctx, name, i)
                                .isGreaterThan(pristine.states().get(name).lastSeq());
                        StoredMessage m = s.get(ack.seq()).orElseThrow(() -> new AssertionError(ctx + ": acked message not found"));
                        acked.put(ack.seq(), Body.of(m));
                        assertThat(m.subject()).as("%s: %s read back", ctx, name).isEqualTo(subject);
                        assertThat(m.payload()).as("%s: %s read back", ctx, name).isEqualTo(payload);
                    }
                    live = readAll(ctx + ": " + name + " after publishing", s, records, acked, file);
                    for (PullConsumer c : s.servedConsumers()) {
                        fetchAll(ctx + ": " + name + " consumer " + c.name(), c, records, acked, file);
                    }
                }
                out.put(name, new Served(name, state, s.readOnlyReason().orElse(null), acked, s.info().lastSeq(),
                        List.copyOf(unrestored.keySet()), live));
            }
            // What the writers found taking the streams over: damage is only ever the damaged file's.
            for (Problem p : rt.problems()) {
                if (p.severity() != Problem.Severity.WARNING) {
                    assertThat(p.file()).as("%s: store problem %s names the damaged file", ctx, p).isEqualTo(file);
                }
            }
        }
        return out;
    }

    /**
     * Reads every sequence of the stream's range: each either a message whose bytes are those of the
     * record the original files hold (or of what this case published), or an error naming the
     * damaged file; and as many of them as the state counts.
     */
    private static Set<Long> readAll(String ctx, JetStartStream s, Map<Long, Body> records, Map<Long, Body> acked,
                                               Path file) throws InterruptedException {
        StreamView v = s.info();
        Set<Long> live = new HashSet<>();
        long answered = 0;
        for (long seq = Math.max(1, v.firstSeq()); v.messages() > 0 && seq <= v.lastSeq(); seq++) {
            try {
                Optional<StoredMessage> m = s.get(seq);
                if (m.isPresent()) {
                    answered++;
                    live.add(seq);
                    assertSameBytes(ctx, Body.of(m.get()), records, acked);
                }
            } catch (UncheckedIOException e) {
                answered++;
                live.add(seq);
                assertThat(namesFile(e.getMessage(), file)).as("%s: the error reading %d names the damaged file: %s", ctx, seq,
                        e.getMessage()).isTrue();
            }
        }
        assertThat(answered).as("%s: sequences read (a message or an error) = messages in the state %s", ctx, v).isEqualTo(v.messages());
        return live;
    }

    /** Fetches what the consumer has for us (no wait, no ack): the same bytes as the records, or an error naming the file. */
    private static void fetchAll(String ctx, PullConsumer c, Map<Long, Body> records, Map<Long, Body> acked, Path file)
            throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            try {
                List<ConsumedMessage> got = c.fetch(500, 0, Duration.ZERO);
                for (ConsumedMessage m : got) {
                    assertSameBytes(ctx, Body.of(m), records, acked);
                }
                if (got.isEmpty()) {
                    return;
                }
            } catch (UncheckedIOException e) {
                assertThat(namesFile(e.getMessage(), file)).as("%s: a fetch's error names the damaged file: %s", ctx, e.getMessage())
                        .isTrue();
                return;
            }
        }
    }

    private static void assertSameBytes(String ctx, Body got, Map<Long, Body> records, Map<Long, Body> acked) {
        Body want = acked.containsKey(got.seq()) ? acked.get(got.seq()) : records.get(got.seq());
        assertThat(want).as("%s: message %d is no record of the original files nor one published here", ctx, got.seq()).isNotNull();
        assertThat(got.same(want)).as("%s: message %d has other bytes than its record (got %s, want %s)", ctx, got.seq(), got, want)
                .isTrue();
    }

    /** A text names the damaged file, its stream's directory or (meta files) its checksum partner. */
    private static boolean namesFile(String text, Path file) {
        if (text == null) {
            return false;
        }
        String n = file.getFileName().toString();
        String partner = n.equals("meta.inf") ? "meta.sum" : n.equals("meta.sum") ? "meta.inf" : null;
        return text.contains(file.toString()) || (partner != null && text.contains(file.resolveSibling(partner).toString()));
    }

    /** Step 4: what the first open may and may not have done to the files. */
    private static void checkNothingDestroyed(Damage d, String ctx, Path store, Map<String, byte[]> before, Map<String, Served> served)
            throws IOException {
        Map<String, byte[]> after = contents(store);
        for (String rel : after.keySet()) {
            String n = Path.of(rel).getFileName().toString();
            assertThat(n.startsWith(".") && n.endsWith(".tmp")).as("%s: temp file left: %s", ctx, rel).isFalse();
        }
        Path streams = streamsDir(Path.of(""));
        for (Map.Entry<String, byte[]> e : before.entrySet()) {
            Path rel = Path.of(e.getKey());
            String n = rel.getFileName().toString();
            byte[] now = after.get(e.getKey());
            String stream = streams.relativize(rel).getName(0).toString();
            Served s = served.get(stream);
            boolean frozen = s.state() == StreamHandle.State.FAILED || unrestoredConsumerFile(streams.relativize(rel), s);
            if (frozen) {
                assertThat(now).as("%s: %s of a stream or consumer that was not served is untouched", ctx, rel).isEqualTo(e.getValue());
            } else if (n.endsWith(".blk")) {
                boolean kept = now != null && now.length >= e.getValue().length
                        && Arrays.equals(now, 0, e.getValue().length, e.getValue(), 0, e.getValue().length);
                if (now == null && removedAsEmptied(d, rel, e.getValue(), s)) {
                    // An emptied block goes, damaged or not (docs/runtime.md): a cut one whose every
                    // readable message the runtime removed holds nothing but the torn record.
                    continue;
                }
                // An interest stream with a consumer not restored keeps its blocks too: nothing is removed
                // by interest while that consumer may need it (until 2026-12-06 the others' acks compacted
                // 2.9.10's INT1 1.blk from 136,000 to 54,400 bytes).
                assertThat(now).as("%s: block %s still there", ctx, rel).isNotNull();
                assertThat(now.length).as("%s: block %s not cut", ctx, rel).isGreaterThanOrEqualTo(e.getValue().length);
                assertThat(kept).as("%s: block %s keeps its original bytes as a prefix", ctx, rel).isTrue();
            } else if (!n.equals("index.db")) {
                // index.db may go by design (a 2.10 store's, while a block before the last ends in damage).
                assertThat(now).as("%s: %s still there", ctx, rel).isNotNull();
            }
        }
        for (Served s : served.values()) {
            if (s.state() == StreamHandle.State.FAILED) {
                String prefix = streams.resolve(s.name()) + "/";
                assertThat(after.keySet().stream().filter(k -> k.startsWith(prefix)).toList())
                        .as("%s: no file added to failed stream %s", ctx, s.name())
                        .isEqualTo(before.keySet().stream().filter(k -> k.startsWith(prefix)).toList());
            }
        }
        byte[] damagedNow = after.get(d.rel().toString());
        if (d.kind() == StoreFileKind.BLOCK && damagedNow != null && damagedNow.length > before.get(d.rel().toString()).length) {
            // Never append after damage (issue 11): records went after the damaged bytes only if they
            // are a whole block still (a cut at a record boundary, a flip in an unhashed length).
            String n = d.rel().getFileName().toString();
            long index = Long.parseLong(n.substring(0, n.length() - ".blk".length()));
            assertThat(wholeBlock(before.get(d.rel().toString()), d.stream(), index))
                    .as("%s: records appended after damage in %s", ctx, d.rel()).isNull();
        }
    }

    /** Null when {@code b} is a whole block (every record sane and verified, the last one ending at its end), else why not. */
    private static String wholeBlock(byte[] b, String stream, long index) {
        RecordHash hash = RecordHashes.forBlock(stream, index);
        RecordCursor c = new RecordCursor().wrap(b, b.length);
        int end = 0;
        while (c.next()) {
            String bad = c.checksumProblem(hash);
            if (bad != null) {
                return "record at " + c.offset() + ": " + bad;
            }
            end = c.offset() + c.rawLength();
        }
        return c.problem() != null ? c.problem() : end != b.length ? "ends at " + end + " of " + b.length : null;
    }

    /**
     * Whether a gone block is the damaged one, cut (so nothing whole lay past the damage), and none of
     * the verified records it held was live when the first open ended.
     */
    private static boolean removedAsEmptied(Damage d, Path rel, byte[] held, Served s) {
        if (!rel.equals(d.rel()) || !d.truncate()) {
            return false;
        }
        String n = rel.getFileName().toString();
        RecordHash hash = RecordHashes.forBlock(d.stream(),
                Long.parseLong(n.substring(0, n.length() - ".blk".length())));
        RecordCursor c = new RecordCursor().wrap(held, held.length);
        while (c.next() && c.checksumProblem(hash) == null) {
            if (c.isMessage() && s.live().contains(c.seq())) {
                return false;
            }
        }
        return true;
    }

    private static boolean unrestoredConsumerFile(Path relToStreams, Served s) {
        return relToStreams.getNameCount() == 4 && relToStreams.getName(1).toString().equals("obs")
                && s.unrestored().contains(relToStreams.getName(2).toString());
    }

    /** Step 5: every acknowledged message is there byte for byte, no sequence went back, and counts equal a rescan. */
    private Void reopen(Damage d, String ctx, Path store, Map<String, Served> served, Pristine pristine) throws Exception {
        Map<String, Summary> reopened = new TreeMap<>();
        try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
            for (Served s : served.values()) {
                StreamHandle h = rt.stream(s.name());
                if (s.state() == StreamHandle.State.FAILED) {
                    try {
                        h.await(AWAIT);
                        fail("%s: %s failed at the first open but not at the second", ctx, s.name());
                    } catch (StreamUnavailableException e) {
                        assertThat(e.getMessage()).as("%s: %s fails the same way", ctx, s.name()).isEqualTo(s.reason());
                    }
                    continue;
                }
                JetStartStream js = h.await(AWAIT);
                StreamView v = js.info();
                assertThat(v.lastSeq()).as("%s: %s last sequence never goes back", ctx, s.name()).isGreaterThanOrEqualTo(s.lastSeq());
                for (Map.Entry<Long, Body> a : s.acked().entrySet()) {
                    StoredMessage m = js.get(a.getKey()).orElseThrow(() -> new AssertionError(ctx + ": " + s.name()
                            + " acknowledged message " + a.getKey() + " gone after reopening"));
                    assertThat(Body.of(m).same(a.getValue())).as("%s: %s acknowledged message %d byte for byte", ctx, s.name(),
                            a.getKey()).isTrue();
                }
                reopened.put(s.name(), Summary.of(v));
            }
        }
        // A rescan: the same files without index.db, recovered by the runtime from the blocks (2.9's
        // .idx stay: they hold the deletes its interest streams made, which its blocks do not; and the
        // consumers' ack floors remove again what interest retention removed).
        Path rescan = tmp.resolve("rescan-" + caseNumber);
        copyTree(store, rescan);
        try (Stream<Path> walk = Files.walk(rescan)) {
            for (Path f : walk.filter(f -> f.getFileName().toString().equals("index.db")).toList()) {
                Files.delete(f);
            }
        }
        try (JetStartStore rt = JetStart.open(rescan, RuntimeOptions.defaults())) {
            for (Map.Entry<String, Summary> e : reopened.entrySet()) {
                Summary got = e.getValue();
                JetStartStream js = rt.stream(e.getKey()).await(AWAIT);
                Summary r = Summary.of(js.info());
                boolean same = r.messages() == got.messages() && r.firstSeq() == got.firstSeq() && r.lastSeq() == got.lastSeq();
                if (!e.getKey().equals(d.stream())) {
                    assertThat(same).as("%s: undamaged %s after reopening %s = a rescan %s", ctx, e.getKey(), got, r).isTrue();
                } else if (!same) {
                    // The damaged stream: a rescan that meets a damaged record stops there, where index.db
                    // (checksummed, kept by the runtime) still counts what follows; the last never differs.
                    assertThat(r.lastSeq()).as("%s: damaged %s after reopening %s: a rescan %s keeps the last sequence", ctx,
                            e.getKey(), got, r).isEqualTo(got.lastSeq());
                    assertThat(r.messages()).as("%s: damaged %s: a rescan %s counts no more than %s", ctx, e.getKey(), r, got)
                            .isLessThanOrEqualTo(got.messages());
                }
            }
        }
        return null;
    }

    private static Map<String, byte[]> contents(Path store) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(store)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                out.put(store.relativize(f).toString(), Files.readAllBytes(f));
            }
        }
        return out;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : walk.toList()) {
                Path target = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
