package io.jetstart.core.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConsumerConfigTest {

    private static ConsumerConfig parse(String json) throws FormatException {
        return ConsumerConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void gettersAgreeWithWhatEachServerReported() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        int checked = 0;
        for (String fixture : Fixtures.SMALL) {
            JsonNode oracle = mapper.readTree(Fixtures.root().resolve(fixture).resolve("oracle.json").toFile());
            for (JsonNode s : oracle.get("streams")) {
                for (JsonNode c : s.get("consumers")) {
                    byte[] bytes = Files.readAllBytes(Fixtures.streamDir(Fixtures.root().resolve(fixture), s.get("name").asText())
                            .resolve("obs").resolve(c.get("name").asText()).resolve("meta.inf"));
                    ConsumerConfig cfg = ConsumerConfig.parse(bytes);
                    String where = fixture + "/" + s.get("name").asText() + "/" + c.get("name").asText();
                    assertThat(cfg.name()).as(where).isEqualTo(c.get("name").asText());
                    assertThat(cfg.durableName()).as(where).isEqualTo(c.get("config").get("durable_name").asText());
                    assertThat(cfg.ackPolicy()).as(where).isEqualTo(c.get("config").get("ack_policy").asText());
                    assertThat(cfg.deliverPolicy()).as(where).isEqualTo(c.get("config").get("deliver_policy").asText());
                    assertThat(cfg.createdInstant()).as(where).contains(Instant.parse(c.get("created").asText()));
                    assertThat(cfg.maxDeliver()).as(where).isEqualTo(-1);
                    assertThat(cfg.filterSubjects()).as(where).isEmpty();
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(15);
    }

    @Test
    void nameFallsBackFromNameToDurableToLowercaseName() throws Exception {
        assertThat(parse("{\"Name\":\"A\",\"durable_name\":\"B\",\"name\":\"C\"}").name()).isEqualTo("A");
        assertThat(parse("{\"durable_name\":\"B\",\"name\":\"C\"}").name()).isEqualTo("B");
        assertThat(parse("{\"name\":\"C\"}").name()).isEqualTo("C");
        assertThat(parse("{}").name()).isEmpty();
    }

    @Test
    void filterSubjectsJoinsTheSingleAndTheListForm() throws Exception {
        ConsumerConfig c = parse("{\"filter_subject\":\"a.>\",\"filter_subjects\":[\"b.*\",\"c\"]}");
        assertThat(c.filterSubjects()).containsExactly("a.>", "b.*", "c");
    }

    @Test
    void legacyUndefinedDeliverPolicyReadsAsAll() throws Exception {
        assertThat(parse("{\"deliver_policy\":\"undefined\"}").deliverPolicy()).isEqualTo("all");
        assertThat(parse("{\"deliver_policy\":\"last_per_subject\"}").deliverPolicy()).isEqualTo("last_per_subject");
        assertThat(parse("{}").deliverPolicy()).isEqualTo("all");
        assertThat(parse("{}").ackPolicy()).isEqualTo("none");
    }

    @Test
    void explicitMaxDeliverIsKept() throws Exception {
        assertThat(parse("{\"max_deliver\":5}").maxDeliver()).isEqualTo(5);
        assertThat(parse("{\"max_deliver\":0}").maxDeliver()).isEqualTo(-1);
    }

    @Test
    void unknownAckPolicyIsRefused() {
        assertThatThrownBy(() -> parse("{\"ack_policy\":\"sometimes\"}")).isInstanceOf(FormatException.class)
                .hasMessageContaining("ack_policy");
    }

    @Test
    void unknownKeysAreKept() throws Exception {
        ConsumerConfig c = parse("{\"Name\":\"C\",\"from_the_future\":true}");
        assertThat(c.json().get("from_the_future").booleanValue()).isTrue();
    }
}
