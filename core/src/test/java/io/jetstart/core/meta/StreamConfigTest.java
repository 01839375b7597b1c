package io.jetstart.core.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamConfigTest {

    private static StreamConfig parse(String json) throws FormatException {
        return StreamConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static StreamConfig fixture(String fixture, String stream) throws Exception {
        return StreamConfig.parse(Files.readAllBytes(
                Fixtures.streamDir(Fixtures.root().resolve(fixture), stream).resolve("meta.inf")));
    }

    @Test
    void gettersAgreeWithTheConfigEachServerReported() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        int checked = 0;
        for (String fixture : Fixtures.SMALL) {
            JsonNode oracle = mapper.readTree(Fixtures.root().resolve(fixture).resolve("oracle.json").toFile());
            for (JsonNode s : oracle.get("streams")) {
                StreamConfig c = fixture(fixture, s.get("name").asText());
                JsonNode want = s.get("config");
                String where = fixture + "/" + s.get("name").asText();
                assertThat(c.name()).as(where).isEqualTo(s.get("name").asText());
                assertThat(c.retention().name().toLowerCase()).as(where).isEqualTo(want.get("retention").asText());
                assertThat(c.discard().name().toLowerCase()).as(where).isEqualTo(want.get("discard").asText());
                assertThat(c.storage()).as(where).isEqualTo(want.get("storage").asText());
                assertThat(c.maxMsgs()).as(where).isEqualTo(want.get("max_msgs").asLong());
                assertThat(c.maxBytes()).as(where).isEqualTo(want.get("max_bytes").asLong());
                assertThat(c.maxAgeNanos()).as(where).isEqualTo(want.get("max_age").asLong());
                assertThat(c.maxMsgsPerSubject()).as(where).isEqualTo(want.get("max_msgs_per_subject").asLong());
                List<String> subjects = new ArrayList<>();
                want.get("subjects").forEach(n -> subjects.add(n.asText()));
                assertThat(c.subjects()).as(where).isEqualTo(subjects);
                assertThat(c.createdInstant()).as(where).contains(Instant.parse(s.get("created").asText()));
                assertThat(c.created()).as(where).isEqualTo(s.get("created").asText());
                checked++;
            }
        }
        assertThat(checked).isEqualTo(9);
    }

    @Test
    void only29WrittenConfigsLookLegacy() throws Exception {
        assertThat(fixture("nats-2.9.10-small", "LIM1").writtenByLegacyServer()).isTrue();
        assertThat(fixture("nats-2.10.27-small", "LIM1").writtenByLegacyServer()).isFalse();
        assertThat(fixture("nats-2.15.1-small", "LIM1").writtenByLegacyServer()).isFalse();
    }

    @Test
    void keepsTheExactBytesKeyOrderAndUnknownKeys() throws Exception {
        String json = "{\"Created\":\"2023-11-14T22:13:20Z\",\"zeta_future\":{\"x\":[1,2]},\"name\":\"S\",\"alpha\":1}";
        StreamConfig c = parse(json);
        assertThat(c.originalBytes()).isEqualTo(json.getBytes(StandardCharsets.UTF_8));
        List<String> keys = new ArrayList<>();
        c.json().fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("Created", "zeta_future", "name", "alpha");
        assertThat(new ObjectMapper().writeValueAsString(c.json())).isEqualTo(json);
    }

    @Test
    void jsonIsACopyThatCannotChangeTheConfig() throws Exception {
        StreamConfig c = parse("{\"name\":\"S\",\"max_msgs\":5}");
        ObjectNode copy = c.json();
        copy.put("max_msgs", 9);
        assertThat(c.maxMsgs()).isEqualTo(5);
    }

    @Test
    void absentKeysReadAsTheServersDefaults() throws Exception {
        StreamConfig c = parse("{\"name\":\"S\"}");
        assertThat(c.subjects()).containsExactly("S");
        assertThat(c.retention()).isEqualTo(StreamConfig.Retention.LIMITS);
        assertThat(c.discard()).isEqualTo(StreamConfig.Discard.OLD);
        assertThat(c.maxMsgs()).isEqualTo(-1);
        assertThat(c.maxBytes()).isEqualTo(-1);
        assertThat(c.maxMsgsPerSubject()).isEqualTo(-1);
        assertThat(c.maxAgeNanos()).isZero();
        assertThat(c.storage()).isEqualTo("file");
        assertThat(c.compression()).isEqualTo("none");
        assertThat(c.firstSeq()).isZero();
        assertThat(c.subjectDeleteMarkerTtlNanos()).isZero();
        assertThat(c.created()).isEmpty();
        assertThat(c.createdInstant()).isEmpty();
        assertThat(c.hasMirror()).isFalse();
        assertThat(c.hasSources()).isFalse();
    }

    @Test
    void zeroAndBelowMinusOneLimitsMeanUnlimited() throws Exception {
        StreamConfig c = parse("{\"name\":\"S\",\"max_msgs\":0,\"max_bytes\":-7,\"max_msgs_per_subject\":3}");
        assertThat(c.maxMsgs()).isEqualTo(-1);
        assertThat(c.maxBytes()).isEqualTo(-1);
        assertThat(c.maxMsgsPerSubject()).isEqualTo(3);
    }

    @Test
    void aMirrorHasNoDefaultSubject() throws Exception {
        StreamConfig c = parse("{\"name\":\"M\",\"mirror\":{\"name\":\"ORIGIN\"}}");
        assertThat(c.hasMirror()).isTrue();
        assertThat(c.subjects()).isEmpty();
        StreamConfig s = parse("{\"name\":\"A\",\"sources\":[{\"name\":\"X\"}]}");
        assertThat(s.hasSources()).isTrue();
        assertThat(s.subjects()).isEmpty();
    }

    @Test
    void readsTheTypedFields() throws Exception {
        StreamConfig c = parse("{\"name\":\"S\",\"retention\":\"workqueue\",\"discard\":\"NEW\",\"compression\":\"s2\","
                + "\"first_seq\":18446744073709551615,\"subject_delete_marker_ttl\":5000000000,\"max_age\":60000000000,"
                + "\"storage\":\"memory\",\"Created\":\"0001-01-01T00:00:00Z\"}");
        assertThat(c.retention()).isEqualTo(StreamConfig.Retention.WORKQUEUE);
        assertThat(c.discard()).isEqualTo(StreamConfig.Discard.NEW);
        assertThat(c.compression()).isEqualTo("s2");
        assertThat(c.firstSeq()).isEqualTo(-1L); // 2^64-1 in the bits of a long
        assertThat(c.subjectDeleteMarkerTtlNanos()).isEqualTo(5_000_000_000L);
        assertThat(c.maxAgeNanos()).isEqualTo(60_000_000_000L);
        assertThat(c.storage()).isEqualTo("memory");
        assertThat(c.createdInstant()).as("Go's zero time means no time").isEmpty();
    }

    @Test
    void valuesTheServerCannotDecodeAreRefused() {
        List<String> bad = List.of(
                "{\"name\":\"S\",\"max_msgs\":\"10\"}",
                "{\"name\":\"S\",\"max_msgs\":1.5}",
                "{\"name\":\"S\",\"max_msgs\":99999999999999999999}",
                "{\"name\":\"S\",\"max_msg_size\":4294967296}",
                "{\"name\":\"S\",\"first_seq\":-1}",
                "{\"name\":\"S\",\"retention\":\"forever\"}",
                "{\"name\":\"S\",\"retention\":null}",
                "{\"name\":\"S\",\"compression\":\"zstd\"}",
                "{\"name\":\"S\",\"sealed\":\"yes\"}",
                "{\"name\":\"S\",\"subjects\":\"a.b\"}",
                "{\"name\":\"S\",\"metadata\":{\"k\":1}}",
                "{\"name\":\"S\",\"Created\":\"yesterday\"}",
                "{\"name\":\"S\"} trailing",
                "[1,2]",
                "",
                "{\"name\":");
        for (String json : bad) {
            assertThatThrownBy(() -> parse(json)).as(json).isInstanceOf(FormatException.class);
        }
    }

    @Test
    void nullIsAbsentForPlainFields() throws Exception {
        StreamConfig c = parse("{\"name\":\"S\",\"max_msgs\":null,\"subjects\":null,\"mirror\":null}");
        assertThat(c.maxMsgs()).isEqualTo(-1);
        assertThat(c.subjects()).containsExactly("S");
        assertThat(c.hasMirror()).isFalse();
    }

    @Test
    void refusalNamesTheKeyAndWhatWasFound() {
        assertThatThrownBy(() -> parse("{\"name\":\"S\",\"retention\":\"forever\"}"))
                .hasMessageContaining("\"retention\"").hasMessageContaining("forever");
    }

    @Test
    void fixtureBytesAreKeptExactly() throws Exception {
        Path metaInf = Fixtures.streamDir(Fixtures.root().resolve("nats-2.15.1-small"), "LIM1").resolve("meta.inf");
        byte[] bytes = Files.readAllBytes(metaInf);
        assertThat(StreamConfig.parse(bytes).originalBytes()).isEqualTo(bytes).hasSize(509);
    }
}
