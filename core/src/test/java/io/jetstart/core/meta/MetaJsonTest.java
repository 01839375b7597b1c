package io.jetstart.core.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.FormatException;
import io.jetstart.core.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class MetaJsonTest {

    private static List<Path> fixtureMetaFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String name : Fixtures.plainNames()) {
            try (Stream<Path> s = Files.walk(Fixtures.root().resolve(name))) {
                s.filter(p -> p.getFileName().toString().equals("meta.inf")).forEach(out::add);
            }
        }
        return out.stream().sorted().toList();
    }

    /** What Jackson makes of the input, as plain values; null when it refuses it. */
    private static Map<String, Object> jackson(byte[] json) {
        try {
            return JsonTree.plainValues(JsonTree.readWithMapper(json, "test"));
        } catch (FormatException e) {
            return null;
        }
    }

    /** The reader's promise: whatever it accepts, Jackson accepts with the same values in the same order. */
    private static void assertAgreesWithJackson(byte[] json) {
        Map<String, Object> plain = MetaJson.read(json);
        if (plain == null) {
            return;
        }
        String in = new String(json, StandardCharsets.ISO_8859_1);
        Map<String, Object> expected = jackson(json);
        assertThat(expected).as("Jackson refuses what the plain reader accepted: %s", in).isNotNull();
        assertThat(plain).as(in).isEqualTo(expected);
        assertThat(plain.toString()).as("key order of %s", in).isEqualTo(expected.toString());
    }

    @Test
    void everyFixtureMetaFileIsReadPlainWithJacksonsValues() throws Exception {
        List<Path> files = fixtureMetaFiles();
        assertThat(files).hasSizeGreaterThan(10);
        for (Path f : files) {
            byte[] json = Files.readAllBytes(f);
            assertThat(MetaJson.read(json)).as("%s must take the plain read", f).isNotNull();
            assertAgreesWithJackson(json);
        }
    }

    @Test
    void escapesAreDecodedAsJacksonDecodesThem() {
        byte[] json = "{\"subjects\":[\"orders.\\u003e\",\"a\\\\b\\\"c\\/d\\n\\t\\r\\b\\f\"],\"n\":-0,\"m\":-12}"
                .getBytes(StandardCharsets.US_ASCII);
        Map<String, Object> plain = MetaJson.read(json);
        assertThat(plain).isNotNull();
        assertThat(plain.get("subjects")).isEqualTo(List.of("orders.>", "a\\b\"c/d\n\t\r\b\f"));
        assertThat(plain.get("m")).isEqualTo(-12L);
        byte[] edges = "{\"max\":9223372036854775807,\"min\":-9223372036854775808,\"big\":3153600000000000000}"
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(MetaJson.read(edges)).containsEntry("max", Long.MAX_VALUE).containsEntry("min", Long.MIN_VALUE)
                .containsEntry("big", 3153600000000000000L);
        assertAgreesWithJackson(edges);
        assertAgreesWithJackson(json);
    }

    @Test
    void inputsOffThePlainShapeAreLeftToJacksonsTree() {
        for (String in : List.of("{\"a\":1.5}", "{\"a\":1e3}", "{\"a\":01}", "{\"a\":9223372036854775808}", "{\"a\":-9223372036854775809}", "{\"a\":12345678901234567890}", "{\"a\":1,\"a\":2}",
                "{\"a\":\"tab\there\"}", "{\"a\":1} x",
                "{\"a\":1", "{\"a\":}", "{\"a\":tru}", "{\"a\":truex}", "{\"a\":-}", "{\"a\":\"\\x\"}", "[1]", "", " ",
                "{\"a\":1,}", "{,}", "{\"a\" 1}", "{\"a\":[1,]}")) {
            byte[] json = in.getBytes(StandardCharsets.UTF_8);
            assertThat(MetaJson.read(json)).as(in).isNull();
        }
        // UTF-8, surrogate pairs and a byte-order mark are Jackson's own to decode: read as the tree reads them.
        for (String in : List.of("{\"a\":\"caf\u00e9\"}", "{\"a\":\"\\ud83d\\ude00\"}", "\uFEFF{\"a\":1}")) {
            byte[] json = in.getBytes(StandardCharsets.UTF_8);
            assertThat(MetaJson.read(json)).as(in).isNotNull();
            assertAgreesWithJackson(json);
        }
        String deep = "{\"a\":" + "[".repeat(MetaJson.MAX_DEPTH) + "]".repeat(MetaJson.MAX_DEPTH) + "}";
        assertThat(MetaJson.read(deep.getBytes(StandardCharsets.US_ASCII))).isNull();
    }

    @Test
    void damagedFixtureFilesAreReadAsJacksonReadsThemOrLeftToIt() throws Exception {
        // Byte flips, cuts and insertions of JSON's own characters into real files: the plain reader
        // may give up on any of them, but never accept one with values Jackson would not give.
        byte[] alphabet = "{}[]\":,-0123456789.eE \\ntrufalsn/u".getBytes(StandardCharsets.US_ASCII);
        List<Path> files = fixtureMetaFiles();
        Random rnd = new Random(13);
        int accepted = 0;
        for (int round = 0; round < 3000; round++) {
            byte[] json = Files.readAllBytes(files.get(rnd.nextInt(files.size())));
            byte[] bad = switch (rnd.nextInt(3)) {
                case 0 -> {
                    byte[] c = json.clone();
                    c[rnd.nextInt(c.length)] = alphabet[rnd.nextInt(alphabet.length)];
                    yield c;
                }
                case 1 -> java.util.Arrays.copyOf(json, rnd.nextInt(json.length));
                default -> {
                    int at = rnd.nextInt(json.length);
                    byte[] c = new byte[json.length + 1];
                    System.arraycopy(json, 0, c, 0, at);
                    c[at] = alphabet[rnd.nextInt(alphabet.length)];
                    System.arraycopy(json, at, c, at + 1, json.length - at);
                    yield c;
                }
            };
            if (MetaJson.read(bad) != null) {
                accepted++;
            }
            assertAgreesWithJackson(bad);
        }
        assertThat(accepted).as("some damaged inputs still parse (a changed digit or letter)").isPositive();
    }

    @Test
    void aKnownKeyWithTheWrongTypeFailsWithJacksonsMessage() {
        for (String in : List.of("{\"name\":\"S\",\"max_msgs\":\"x\"}", "{\"name\":\"S\",\"retention\":\"nope\"}",
                "{\"name\":\"S\",\"max_msg_size\":4294967296}", "{\"name\":\"S\",\"first_seq\":-1}",
                "{\"name\":\"S\",\"subjects\":[1]}", "{\"name\":\"S\",\"metadata\":{\"k\":1}}", "{\"Created\":\"yesterday\"}")) {
            byte[] json = in.getBytes(StandardCharsets.UTF_8);
            String viaJackson = null;
            try {
                JsonTree.parse(json, StreamConfig.KNOWN, "stream meta.inf");
            } catch (FormatException e) {
                viaJackson = e.getMessage();
            }
            assertThat(viaJackson).as(in).isNotNull();
            try {
                StreamConfig.parse(json);
                throw new AssertionError("accepted " + in);
            } catch (FormatException e) {
                assertThat(e.getMessage()).as(in).isEqualTo(viaJackson);
            }
        }
    }

    @Test
    void theJsonTreeIsBuiltOnDemandAndEqualsTheMappersTree() throws Exception {
        for (Path f : fixtureMetaFiles()) {
            byte[] json = Files.readAllBytes(f);
            boolean consumer = f.getParent().getParent().getFileName().toString().equals("obs");
            Object tree = consumer ? ConsumerConfig.parse(json).json() : StreamConfig.parse(json).json();
            assertThat(tree).as(f.toString()).isEqualTo(JsonTree.readWithMapper(json, "test"));
        }
    }
}
