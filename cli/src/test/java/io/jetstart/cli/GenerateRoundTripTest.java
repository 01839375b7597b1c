package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code jetstart generate} then {@code jetstart inspect --json}: the report is exactly the store
 * the generator was asked for, whether read from {@code index.db} or rebuilt from the blocks.
 *
 * <p>Expected values come from what {@code generate} documents and writes (GeneratorSpec,
 * StoreGenerator): stream {@code S<i>} holds M messages {@code 1..M}, message {@code m} on subject
 * {@code s<i>.<(m-1) % K>}, no headers, one microsecond apart from 2026-01-01T00:00:00Z, each
 * record {@code 22 + subject + payload + 8} bytes (spec 3.2); consumer {@code C<c>} has delivered
 * {@code M*c/(C+1)}, acked everything up to 10 below that and every second one after the floor.
 * Nothing here calls the generator or the codecs to compute an expected value.
 */
class GenerateRoundTripTest {
    /** GeneratorSpec's first timestamp: 2026-01-01T00:00:00Z in Unix nanoseconds. */
    static final long FIRST_TS = 1_767_225_600_000_000_000L;

    /** One generate command line: the store it describes. */
    record Shape(int streams, long messages, int payload, int subjects, int consumers, int indexVersion, int blockSize,
                 boolean s2) {
        Shape(int streams, long messages, int payload, int subjects, int consumers, int indexVersion, int blockSize) {
            this(streams, messages, payload, subjects, consumers, indexVersion, blockSize, false);
        }

        String[] args(Path dir) {
            return new String[] {"generate", dir.toString(), "--streams", "" + streams, "--messages", "" + messages,
                    "--payload", "" + payload, "--subjects", "" + subjects, "--consumers", "" + consumers,
                    "--index-version", "" + indexVersion, "--block-size", "" + blockSize,
                    "--compression", s2 ? "s2" : "none"};
        }
    }

    static Stream<Arguments> shapes() {
        return Stream.of(
                // More subjects than messages: only M of them exist.
                Arguments.of(new Shape(2, 37, 0, 50, 1, 1, 1024)),
                Arguments.of(new Shape(3, 2_000, 50, 7, 3, 2, 4096)),
                Arguments.of(new Shape(2, 5_003, 120, 13, 2, 3, 16_384)),
                // A record larger than the block size gets a block of its own.
                Arguments.of(new Shape(4, 61, 3_000, 1, 4, 4, 1024)),
                // compression: s2, every sealed block S2-compressed.
                Arguments.of(new Shape(2, 5_003, 120, 13, 2, 3, 16_384, true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void inspectReportsExactlyTheGeneratedStore(Shape shape, @TempDir Path tmp) throws Exception {
        Path store = generate(shape, tmp);
        assertMultiBlock(shape, store);
        checkReport(shape, store, "index");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void withEveryIndexDbTruncatedTheRebuildReportsTheSameStore(Shape shape, @TempDir Path tmp) throws Exception {
        Path store = generate(shape, tmp);
        int truncated = 0;
        try (Stream<Path> files = Files.walk(store)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("index.db")).toList()) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    ch.truncate(0);
                }
                truncated++;
            }
        }
        assertThat(truncated).isEqualTo(shape.streams());
        checkReport(shape, store, "rebuilt");
    }

    private static Path generate(Shape shape, Path tmp) {
        Path store = tmp.resolve("store");
        TestStores.Run gen = TestStores.cli(shape.args(store));
        assertThat(gen.exit()).as("generate exit; stderr %s", gen.err()).isZero();
        assertThat(gen.out()).contains("Wrote " + shape.streams() + " streams");
        return store;
    }

    private static void assertMultiBlock(Shape shape, Path store) throws IOException {
        long record = 22 + ("s" + shape.streams() + ".0").length() + shape.payload() + 8;
        if (shape.messages() * record > 2L * shape.blockSize()) {
            List<Path> blocks;
            try (Stream<Path> list = Files.list(streamsDir(store).resolve("S" + shape.streams()).resolve("msgs"))) {
                blocks = list.filter(p -> p.toString().endsWith(".blk")).toList();
            }
            assertThat(blocks).as("blocks").hasSizeGreaterThan(2);
            long compressed = 0;
            for (Path b : blocks) {
                byte[] head = Arrays.copyOf(Files.readAllBytes(b), 4);
                compressed += Arrays.equals(head, new byte[] {'c', 'm', 'p', 1}) ? 1 : 0;
            }
            // nats-server compresses a block of an s2 stream when it is sealed; the last one stays plain.
            assertThat(compressed).as("compressed blocks").isEqualTo(shape.s2() ? blocks.size() - 1 : 0);
        }
    }

    private static void checkReport(Shape shape, Path store, String source) throws Exception {
        Map<String, String> before = TestStores.digests(store);
        TestStores.Run run = TestStores.cli("inspect", store.toString(), "--json");
        assertThat(run.exit()).as("inspect exit; stderr %s; out %s", run.err(), run.out()).isZero();
        JsonNode streams = run.json().get("streams");
        assertThat(streams).hasSize(shape.streams());
        List<String> seen = new ArrayList<>();
        for (JsonNode s : streams) {
            assertThat(s.get("account").asText()).isEqualTo("$G");
            String name = s.get("name").asText();
            seen.add(name);
            int stream = Integer.parseInt(name.substring(1));
            assertThat(s.get("source").asText()).as("%s source", name).isEqualTo(source);
            if (source.equals("index")) {
                assertThat(s.get("problems")).as("%s problems", name).isEmpty();
            } else {
                // The only trace of the rebuild: the 0-byte index.db it could not use.
                assertThat(s.get("problems")).as("%s problems", name).hasSize(1);
                JsonNode p = s.get("problems").get(0);
                assertThat(p.get("severity").asText()).isEqualTo("warning");
                assertThat(p.get("file").asText()).isEqualTo(streamsDir(store).resolve(name).resolve("msgs").resolve("index.db").toString());
                assertThat(p.get("message").asText()).contains("too short (0 bytes)");
            }
            assertThat(s.get("created").asText()).as("%s created", name).isEqualTo(goTime(FIRST_TS - 1_000_000_000L));
            assertThat(s.get("config").get("subjects").get(0).asText()).isEqualTo("s" + stream + ".*");
            assertThat(s.get("state")).as("%s state", name).isEqualTo(json(expectedState(shape, stream)));
            JsonNode consumers = s.get("consumers");
            assertThat(consumers).as("%s consumers", name).hasSize(shape.consumers());
            for (int c = 1; c <= shape.consumers(); c++) {
                checkConsumer(shape, name, c, consumers.get(c - 1));
            }
        }
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= shape.streams(); i++) {
            names.add("S" + i);
        }
        assertThat(seen).as("streams, sorted by name").isEqualTo(names.stream().sorted().toList());
        assertThat(TestStores.digests(store)).as("inspect changed no byte").isEqualTo(before);
    }

    private static ObjectNode expectedState(Shape shape, int stream) {
        long m = shape.messages();
        int k = shape.subjects();
        ObjectNode st = ReportJson.MAPPER.createObjectNode();
        st.put("messages", m);
        long bytes = 0;
        ObjectNode subjects = ReportJson.MAPPER.createObjectNode();
        List<String> names = new ArrayList<>();
        for (int j = 0; j < Math.min(k, m); j++) {
            names.add("s" + stream + "." + j);
        }
        names.sort(null);
        for (String subject : names) {
            int j = Integer.parseInt(subject.substring(subject.indexOf('.') + 1));
            long count = m / k + (j < m % k ? 1 : 0);
            subjects.put(subject, count);
            bytes += count * (22 + subject.length() + shape.payload() + 8);
        }
        st.put("bytes", bytes);
        st.put("first_seq", 1);
        st.put("first_ts", goTime(FIRST_TS));
        st.put("last_seq", m);
        st.put("last_ts", goTime(FIRST_TS + (m - 1) * 1_000));
        st.put("num_subjects", names.size());
        st.set("subjects", subjects);
        st.put("consumer_count", shape.consumers());
        return st;
    }

    private static void checkConsumer(Shape shape, String stream, int c, JsonNode got) throws IOException {
        String what = stream + " > C" + c;
        long delivered = shape.messages() * c / (shape.consumers() + 1L);
        long floor = Math.max(0, delivered - 10);
        // Every second sequence after the floor is still pending: floor+1, floor+3, ...
        long ackPending = (delivered - floor + 1) / 2;
        assertThat(got.get("name").asText()).isEqualTo("C" + c);
        assertThat(got.has("failed")).as(what).isFalse();
        assertThat(got.get("created").asText()).as(what).isEqualTo(goTime(FIRST_TS - 1_000_000_000L + c * 1_000_000L));
        assertThat(got.get("delivered")).as("%s delivered", what).isEqualTo(json(pair(delivered)));
        assertThat(got.get("ack_floor")).as("%s ack_floor", what).isEqualTo(json(pair(floor)));
        assertThat(got.get("num_ack_pending").asLong()).as("%s num_ack_pending", what).isEqualTo(ackPending);
        assertThat(got.get("num_redelivered").asLong()).as("%s num_redelivered", what).isZero();
        assertThat(got.get("num_pending").asLong()).as("%s num_pending", what).isEqualTo(shape.messages() - delivered);
        assertThat(got.get("problems")).as("%s problems", what).isEmpty();
    }

    private static ObjectNode pair(long seq) {
        ObjectNode n = ReportJson.MAPPER.createObjectNode();
        n.put("consumer_seq", seq);
        n.put("stream_seq", seq);
        return n;
    }

    /** As the report's parser reads it, so numbers compare by value, not by Java type. */
    private static JsonNode json(ObjectNode n) throws IOException {
        return ReportJson.MAPPER.readTree(n.toString());
    }

    /** Go's RFC 3339 with nanoseconds, trailing zeros of the fraction dropped, UTC. */
    static String goTime(long unixNanos) {
        Instant t = Instant.ofEpochSecond(Math.floorDiv(unixNanos, 1_000_000_000L), Math.floorMod(unixNanos, 1_000_000_000L));
        String s = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC).format(t);
        if (t.getNano() != 0) {
            s += ("." + String.format("%09d", t.getNano())).replaceAll("0+$", "");
        }
        return s + "Z";
    }

    // ---- refusals ----

    @Test
    void generateRefusesANonEmptyTargetWithUsageStatusAndWritesNothing(@TempDir Path tmp) throws Exception {
        Path store = tmp.resolve("store");
        Files.createDirectories(store);
        Files.writeString(store.resolve("keep.txt"), "mine");
        Map<String, String> before = TestStores.digests(store);
        TestStores.Run run = TestStores.cli(new Shape(1, 10, 10, 1, 0, 3, 4096).args(store));
        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("jetstart: ").contains(store.toString()).contains("not empty");
        assertThat(TestStores.digests(store)).isEqualTo(before);
    }

    @Test
    void generateRefusesAStoreThatAlreadyHoldsStreams(@TempDir Path tmp) throws Exception {
        Path store = generate(new Shape(1, 10, 10, 1, 0, 3, 4096), tmp);
        Map<String, String> before = TestStores.digests(store);
        TestStores.Run run = TestStores.cli(new Shape(2, 10, 10, 1, 0, 3, 4096).args(store));
        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("not empty");
        assertThat(TestStores.digests(store)).isEqualTo(before);
    }

    @Test
    void generateRefusesAFileAsTarget(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("file");
        Files.writeString(file, "x");
        TestStores.Run run = TestStores.cli(new Shape(1, 10, 10, 1, 0, 3, 4096).args(file));
        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("not a directory");
        assertThat(Files.readString(file)).isEqualTo("x");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "--streams 0|--streams must be 1..100000, got 0",
            "--messages -1|--messages must be 0..10000000000, got -1",
            "--payload -5|--payload must be 0..1048576 bytes, got -5",
            "--payload 2000000|--payload must be 0..1048576 bytes, got 2000000",
            "--subjects 0|--subjects must be 1..10000000, got 0",
            "--consumers -1|--consumers must be 0..10000, got -1",
            "--index-version 5|--index-version must be 1..4, got 5",
            "--index-version 0|--index-version must be 1..4, got 0",
            "--block-size 100|--block-size must be 1024..8388608, got 100",
            "--block-size 9000000|--block-size must be 1024..8388608, got 9000000",
            "--account a/b|--account must be a directory name, got 'a/b'",
            "--compression zstd|--compression must be none or s2, got zstd",
            "--account .hidden|--account must be a directory name, got '.hidden'",
            "--messages many|Invalid value for option '--messages': 'many' is not a long",
            "--colour blue|Unknown options: '--colour', 'blue'",
    })
    void generateRefusesBadOptionsWithUsageStatusAndAClearMessage(String caseText, @TempDir Path tmp) {
        String[] parts = caseText.split("\\|");
        Path store = tmp.resolve("store");
        List<String> args = new ArrayList<>(List.of(new Shape(1, 10, 10, 1, 0, 3, 4096).args(store)));
        String[] bad = parts[0].split(" ");
        int at = args.indexOf(bad[0]);
        if (at >= 0) {
            args.set(at + 1, bad[1]);
        } else {
            args.addAll(List.of(bad));
        }
        TestStores.Run run = TestStores.cli(args.toArray(String[]::new));
        assertThat(run.exit()).as("exit; stderr %s", run.err()).isEqualTo(Main.USAGE);
        assertThat(run.err()).as("stderr").contains("jetstart: " + parts[1]);
        assertThat(store).as("nothing written").doesNotExist();
    }

    @Test
    void generateRefusesMissingRequiredOptions(@TempDir Path tmp) {
        Path store = tmp.resolve("store");
        TestStores.Run run = TestStores.cli("generate", store.toString(), "--streams", "1");
        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("Missing required options").contains("--messages").contains("--payload");
        assertThat(store).doesNotExist();
    }

    private static Path streamsDir(Path store) {
        return store.resolve("jetstream").resolve("$G").resolve("streams");
    }
}
