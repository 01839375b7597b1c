package io.jetstart.core.meta;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class JsonFieldsTest {

    /** Every meta.inf of every plain fixture store, streams and consumers (encrypted ones are sealed). */
    private static List<Path> fixtureMetaFiles() throws IOException {
        List<Path> out = new java.util.ArrayList<>();
        for (String name : Fixtures.plainNames()) {
            try (Stream<Path> s = Files.walk(Fixtures.root().resolve(name))) {
                s.filter(p -> p.getFileName().toString().equals("meta.inf")).forEach(out::add);
            }
        }
        return out.stream().sorted().toList();
    }

    /** Same value, same key order, same node class at every level (equals() alone ignores int vs long nodes). */
    private static void assertSameTree(JsonNode fast, JsonNode mapper, String where) {
        assertThat(fast.getClass()).as(where).isEqualTo(mapper.getClass());
        assertThat(fast).as(where).isEqualTo(mapper);
        assertThat(fast.toString()).as(where).isEqualTo(mapper.toString());
        if (fast.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> a = fast.properties().iterator();
            Iterator<Map.Entry<String, JsonNode>> b = mapper.properties().iterator();
            while (a.hasNext()) {
                Map.Entry<String, JsonNode> x = a.next();
                Map.Entry<String, JsonNode> y = b.next();
                assertThat(x.getKey()).as(where).isEqualTo(y.getKey());
                assertSameTree(x.getValue(), y.getValue(), where + "." + x.getKey());
            }
        } else if (fast.isArray()) {
            for (int i = 0; i < fast.size(); i++) {
                assertSameTree(fast.get(i), mapper.get(i), where + "[" + i + "]");
            }
        }
    }

    @Test
    void theStreamingReadBuildsTheMappersTreeForEveryFixtureMetaFile() throws Exception {
        List<Path> files = fixtureMetaFiles();
        assertThat(files).as("fixture meta.inf files").hasSizeGreaterThan(10);
        for (Path f : files) {
            byte[] json = Files.readAllBytes(f);
            ObjectNode fast = JsonTree.readPlainObject(json);
            assertThat(fast).as("%s is a plain object and must take the fast read", f).isNotNull();
            assertSameTree(fast, JsonTree.readWithMapper(json, "test"), f.toString());
        }
    }

    @Test
    void theStreamingReadAgreesWithTheMapperOrPassesOnAwkwardInputs() throws Exception {
        List<String> inputs = List.of(
                "{}",
                "{\"a\":1,\"b\":2147483648,\"c\":-9223372036854775808,\"d\":18446744073709551615,\"e\":-99999999999999999999}",
                "{\"a\":[],\"b\":[[],{}],\"c\":{\"d\":{\"e\":[1,\"x\",null,true,false]}}}",
                "{\"s\":\"\\u00e9\\n\\\"q\\\" \\ud83d\\ude00\",\"n\":null}",
                " \n{\"a\" : { \"b\" : [ 1 , 2 ] } }\n ",
                "{\"a\":1.5}",
                "{\"a\":1e3}",
                "{\"a\":1,\"a\":2}",
                "{\"o\":{\"k\":1,\"k\":{}}}",
                "{\"a\":1} {}",
                "{\"a\":1} x",
                "{\"a\":1",
                "{\"a\":}",
                "[1,2]",
                "\"text\"",
                "",
                "  ");
        for (String in : inputs) {
            byte[] json = in.getBytes(StandardCharsets.UTF_8);
            ObjectNode fast = JsonTree.readPlainObject(json);
            ObjectNode mapper;
            try {
                mapper = JsonTree.readWithMapper(json, "test");
            } catch (FormatException e) {
                assertThat(fast).as("the mapper refuses %s, so the fast read must pass it on", in).isNull();
                continue;
            }
            if (fast != null) {
                assertSameTree(fast, mapper, in);
            }
        }
    }

    @Test
    void floatsRepeatedKeysAndTrailingTokensAreLeftToTheMapper() {
        for (String in : List.of("{\"a\":1.5}", "{\"a\":1,\"a\":2}", "{\"a\":1} {}", "{\"a\":1} x")) {
            assertThat(JsonTree.readPlainObject(in.getBytes(StandardCharsets.UTF_8))).as(in).isNull();
        }
    }

    @Test
    void aKnownKeyWithARepeatedKeyIsCheckedAsTheMapperReadsIt() throws Exception {
        // The mapper keeps the last value of a repeated key; the check must see that one.
        StreamConfig c = StreamConfig.parse("{\"name\":\"S\",\"max_msgs\":\"x\",\"max_msgs\":5}".getBytes(StandardCharsets.UTF_8));
        assertThat(c.maxMsgs()).isEqualTo(5);
    }

    private static Instant formatter(String s) {
        try {
            return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Test
    void goTimesTakeTheShortReadAndGetTheFormattersInstant() {
        for (String s : List.of("2025-12-31T23:59:59Z", "2024-02-29T00:00:00.5Z", "2023-06-01T12:34:56.123456789Z",
                "0001-01-01T00:00:00Z", "2023-06-01T12:34:56.000001+02:00", "2023-06-01T12:34:56-07:30",
                "2000-02-29T23:59:59.999999999-00:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59+17:59")) {
            assertThat(JsonFields.parseGoTime(s)).as(s).isNotNull().isEqualTo(formatter(s));
        }
    }

    @Test
    void epochDayIsLocalDatesForEveryDayOfAFullCycleAndTheEdges() {
        // 400 years hold every calendar pattern of the Gregorian cycle; plus the first and last
        // years a Go RFC 3339 time can write.
        for (LocalDate d = LocalDate.of(1900, 1, 1); d.isBefore(LocalDate.of(2300, 1, 1)); d = d.plusDays(1)) {
            assertThat(JsonFields.epochDay(d.getYear(), d.getMonthValue(), d.getDayOfMonth())).as(d.toString()).isEqualTo(d.toEpochDay());
        }
        for (LocalDate d : List.of(LocalDate.of(0, 1, 1), LocalDate.of(0, 2, 29), LocalDate.of(0, 3, 1), LocalDate.of(1, 1, 1),
                LocalDate.of(1969, 12, 31), LocalDate.of(1970, 1, 1), LocalDate.of(9999, 12, 31))) {
            assertThat(JsonFields.epochDay(d.getYear(), d.getMonthValue(), d.getDayOfMonth())).as(d.toString()).isEqualTo(d.toEpochDay());
        }
    }

    @Test
    void goZeroTimeIsTheFirstInstantOfYearOne() {
        assertThat(JsonFields.GO_ZERO_TIME).isEqualTo(Instant.parse("0001-01-01T00:00:00Z"));
    }

    @Test
    void everyOtherTimeStringGetsWhatTheFormatterSays() {
        List<String> edge = List.of("1900-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2023-04-31T00:00:00Z",
                "2023-13-01T00:00:00Z", "2023-00-01T00:00:00Z", "2023-01-00T00:00:00Z", "2023-01-01T24:00:00Z",
                "2023-01-01T23:60:00Z", "2023-01-01T23:59:60Z", "2023-01-01t00:00:00Z", "2023-01-01T00:00:00z",
                "2023-01-01T00:00Z", "2023-01-01T00:00:00.Z", "2023-01-01T00:00:00.1234567890Z",
                "2023-01-01T00:00:00+18:00", "2023-01-01T00:00:00-18:00", "2023-01-01T00:00:00+18:01",
                "2023-01-01T00:00:00+0200", "2023-01-01T00:00:00+02", "2023-01-01T00:00:00+02:00:30",
                "+12023-01-01T00:00:00Z", "2023-01-01 00:00:00Z", "2023-01-01T00:00:00", "2023-01-01T00:00:00ZZ",
                "２０２３-01-01T00:00:00Z", "", "yesterday");
        for (String s : edge) {
            assertThat(JsonFields.parseTime(s)).as(s).isEqualTo(formatter(s));
        }
        long seed = 20261125L;
        Random r = new Random(seed);
        String alphabet = "0123456789-T:.Z+z ";
        List<String> tried = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            char[] c = "2024-02-29T23:59:59.123456789+05:30".toCharArray();
            int len = 19 + r.nextInt(c.length - 18);
            for (int k = r.nextInt(4); k > 0; k--) {
                c[r.nextInt(len)] = alphabet.charAt(r.nextInt(alphabet.length()));
            }
            String s = new String(c, 0, len) + (r.nextBoolean() ? "Z" : "");
            tried.add(s);
            Instant fast = JsonFields.parseGoTime(s);
            Instant want = formatter(s);
            assertThat(JsonFields.parseTime(s)).as("seed %d: %s", seed, s).isEqualTo(want);
            if (fast != null) {
                assertThat(fast).as("seed %d: %s", seed, s).isEqualTo(want);
            }
        }
        assertThat(tried.stream().filter(s -> JsonFields.parseGoTime(s) != null)).as("seed %d: some took the short read", seed)
                .isNotEmpty();
    }

    @Test
    void unsignedValuesAcrossTheLongBoundaryAreCheckedAndRead() throws Exception {
        for (String v : List.of("0", "9223372036854775807", "9223372036854775808", "18446744073709551615")) {
            StreamConfig c = StreamConfig.parse(("{\"name\":\"S\",\"first_seq\":" + v + "}").getBytes(StandardCharsets.UTF_8));
            assertThat(Long.toUnsignedString(c.firstSeq())).as(v).isEqualTo(v);
        }
        for (String v : List.of("-1", "18446744073709551616", "-9223372036854775809")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> StreamConfig.parse(
                    ("{\"name\":\"S\",\"first_seq\":" + v + "}").getBytes(StandardCharsets.UTF_8))).as(v)
                    .isInstanceOf(FormatException.class).hasMessageContaining("unsigned 64-bit");
        }
    }
}
