package io.jetstart.core.meta;

import static io.jetstart.core.meta.BuilderJson.assertSetterWritesOnly;
import static io.jetstart.core.meta.BuilderJson.keys;
import static io.jetstart.core.meta.BuilderJson.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.meta.ConsumerConfigBuilder.AckPolicy;
import io.jetstart.core.meta.ConsumerConfigBuilder.DeliverPolicy;
import io.jetstart.core.meta.ConsumerConfigBuilder.ReplayPolicy;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ConsumerConfigBuilderTest {
    @Test
    void anEmptyBuilderIsAnEphemeralExplicitAckConsumerOfEveryMessage() {
        ConsumerConfig c = ConsumerConfig.builder().build();

        assertThat(c.json().toString())
                .isEqualTo("{\"deliver_policy\":\"all\",\"ack_policy\":\"explicit\",\"replay_policy\":\"instant\",\"num_replicas\":0}");
        assertThat(c.durableName()).isEmpty();
        assertThat(c.ackPolicy()).isEqualTo("explicit");
        assertThat(c.deliverPolicy()).isEqualTo("all");
        assertThat(c.maxDeliver()).isEqualTo(-1);
    }

    /** One setter, the key it must write and the value, as Go writes it. */
    private record Setter(String key, UnaryOperator<ConsumerConfigBuilder> call, String json) {
    }

    @Test
    void everySetterWritesTheServersFieldAndNoOther() throws Exception {
        Instant t = Instant.parse("2026-11-25T12:09:55.6388261Z");
        List<Setter> setters = List.of(
                new Setter("durable_name", b -> b.durableName("C0"), "\"C0\""),
                new Setter("name", b -> b.name("C0"), "\"C0\""),
                new Setter("description", b -> b.description("billing"), "\"billing\""),
                new Setter("deliver_policy", b -> b.deliverPolicy(DeliverPolicy.NEW), "\"new\""),
                new Setter("ack_policy", b -> b.ackPolicy(AckPolicy.NONE), "\"none\""),
                new Setter("ack_wait", b -> b.ackWait(Duration.ofHours(12)), "43200000000000"),
                new Setter("max_deliver", b -> b.maxDeliver(5), "5"),
                new Setter("backoff", b -> b.backoff(Duration.ofSeconds(1), Duration.ofSeconds(10)), "[1000000000,10000000000]"),
                new Setter("filter_subject", b -> b.filterSubject("orders.*"), "\"orders.*\""),
                new Setter("filter_subjects", b -> b.filterSubjects("a.>", "b"), "[\"a.>\",\"b\"]"),
                new Setter("replay_policy", b -> b.replayPolicy(ReplayPolicy.ORIGINAL), "\"original\""),
                new Setter("max_waiting", b -> b.maxWaiting(10), "10"),
                new Setter("max_ack_pending", b -> b.maxAckPending(-1), "-1"),
                new Setter("headers_only", b -> b.headersOnly(true), "true"),
                new Setter("max_batch", b -> b.maxBatch(100), "100"),
                new Setter("max_expires", b -> b.maxExpires(Duration.ofSeconds(5)), "5000000000"),
                new Setter("max_bytes", b -> b.maxBytes(1024), "1024"),
                new Setter("inactive_threshold", b -> b.inactiveThreshold(Duration.ofMinutes(1)), "60000000000"),
                new Setter("metadata", b -> b.metadata(Map.of("team", "billing")), "{\"team\":\"billing\"}"),
                new Setter("pause_until", b -> b.pauseUntil(t), "\"2026-11-25T12:09:55.6388261Z\""));
        ObjectNode defaults = ConsumerConfig.builder().build().json();
        for (Setter s : setters) {
            assertSetterWritesOnly(s.key(), s.json(), s.call().apply(ConsumerConfig.builder()).build().json(), defaults);
        }
        ConsumerConfig bySeq = ConsumerConfig.builder().deliverPolicy(DeliverPolicy.BY_START_SEQUENCE).optStartSeq(42).build();
        assertThat(bySeq.json().get("opt_start_seq").asLong()).isEqualTo(42);
        ConsumerConfig byTime = ConsumerConfig.builder().deliverPolicy(DeliverPolicy.BY_START_TIME).optStartTime(t).build();
        assertThat(byTime.json().get("opt_start_time").asText()).isEqualTo("2026-11-25T12:09:55.6388261Z");
        assertThat(byTime.deliverPolicy()).isEqualTo("by_start_time");
        assertThat(ConsumerConfig.builder().filterSubject("x").deliverPolicy(DeliverPolicy.LAST_PER_SUBJECT).build()
                .deliverPolicy()).isEqualTo("last_per_subject");
        // A pause removed again; one past 2262 written as the server writes it (its pause request takes any time).
        assertThat(ConsumerConfig.builder().pauseUntil(t).pauseUntil(null).build().json().has("pause_until")).isFalse();
        assertThat(ConsumerConfig.builder().pauseUntil(Instant.parse("9999-12-31T23:59:59Z")).build().json().get("pause_until").asText())
                .isEqualTo("9999-12-31T23:59:59Z");
        // Set together, in Go's field order.
        ObjectNode all = ConsumerConfig.builder().metadata(Map.of("k", "v")).filterSubject("x").ackWait(Duration.ofSeconds(1))
                .description("d").durableName("D").build().json();
        assertThat(keys(all)).containsExactly("durable_name", "description", "deliver_policy", "ack_policy", "ack_wait",
                "filter_subject", "replay_policy", "num_replicas", "metadata");
    }

    @Test
    void zeroLeavesAnOptionalFieldToTheServersDefault() {
        ObjectNode j = ConsumerConfig.builder().ackWait(Duration.ofSeconds(5)).ackWait(Duration.ZERO).maxDeliver(0).maxWaiting(0)
                .maxAckPending(0).inactiveThreshold(Duration.ZERO).maxExpires(Duration.ZERO).backoff().filterSubjects()
                .filterSubject("").durableName("").build().json();

        assertThat(keys(j)).containsExactly("deliver_policy", "ack_policy", "replay_policy", "num_replicas");
    }

    @Test
    void valuesOutOfTheServersRangesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> ConsumerConfig.builder().durableName("a.b")).hasMessageStartingWith("durable_name ");
        assertThatThrownBy(() -> ConsumerConfig.builder().name("a>")).hasMessageStartingWith("name ");
        assertThatThrownBy(() -> ConsumerConfig.builder().durableName("x".repeat(256))).hasMessageStartingWith("durable_name ");
        assertThatThrownBy(() -> ConsumerConfig.builder().description("x".repeat(4097))).hasMessageStartingWith("description ");
        assertThatThrownBy(() -> ConsumerConfig.builder().optStartSeq(0)).hasMessageStartingWith("opt_start_seq ");
        assertThatThrownBy(() -> ConsumerConfig.builder().optStartTime(Instant.parse("1969-12-31T23:59:59Z")))
                .hasMessageStartingWith("opt_start_time ");
        assertThatThrownBy(() -> ConsumerConfig.builder().ackWait(Duration.ofSeconds(-1))).hasMessageStartingWith("ack_wait ");
        assertThatThrownBy(() -> ConsumerConfig.builder().maxDeliver(-2)).hasMessageStartingWith("max_deliver ");
        assertThatThrownBy(() -> ConsumerConfig.builder().backoff(Duration.ofSeconds(-1))).hasMessageStartingWith("backoff ");
        assertThatThrownBy(() -> ConsumerConfig.builder().filterSubject("a..b")).hasMessageStartingWith("filter_subject ");
        assertThatThrownBy(() -> ConsumerConfig.builder().filterSubjects("a", "")).hasMessageStartingWith("filter_subjects ");
        assertThatThrownBy(() -> ConsumerConfig.builder().filterSubjects("a", "a")).hasMessageStartingWith("filter_subjects ");
        assertThatThrownBy(() -> ConsumerConfig.builder().maxWaiting(-1)).hasMessageStartingWith("max_waiting ");
        assertThatThrownBy(() -> ConsumerConfig.builder().maxAckPending(-2)).hasMessageStartingWith("max_ack_pending ");
        assertThatThrownBy(() -> ConsumerConfig.builder().maxBatch(-1)).hasMessageStartingWith("max_batch ");
        assertThatThrownBy(() -> ConsumerConfig.builder().maxExpires(Duration.ofNanos(999_999))).hasMessageStartingWith("max_expires ");
        assertThatThrownBy(() -> ConsumerConfig.builder().maxBytes(-1)).hasMessageStartingWith("max_bytes ");
        assertThatThrownBy(() -> ConsumerConfig.builder().inactiveThreshold(Duration.ofSeconds(-1)))
                .hasMessageStartingWith("inactive_threshold ");
    }

    @Test
    void fieldsThatContradictEachOtherAreRefusedByBuildNamingThem() {
        assertThatThrownBy(() -> ConsumerConfig.builder().durableName("A").name("B").build())
                .hasMessageContainingAll("durable_name", "name");
        assertThatThrownBy(() -> ConsumerConfig.builder().filterSubject("a").filterSubjects("b").build())
                .hasMessageContainingAll("filter_subject", "filter_subjects");
        assertThatThrownBy(() -> ConsumerConfig.builder().deliverPolicy(DeliverPolicy.BY_START_SEQUENCE).build())
                .hasMessageContainingAll("by_start_sequence", "opt_start_seq");
        assertThatThrownBy(() -> ConsumerConfig.builder().deliverPolicy(DeliverPolicy.BY_START_TIME).build())
                .hasMessageContainingAll("by_start_time", "opt_start_time");
        assertThatThrownBy(() -> ConsumerConfig.builder().optStartSeq(5).build())
                .hasMessageContainingAll("deliver_policy all", "opt_start_seq");
        assertThatThrownBy(() -> ConsumerConfig.builder().deliverPolicy(DeliverPolicy.BY_START_SEQUENCE).optStartSeq(5)
                .optStartTime(Instant.now()).build()).hasMessageContainingAll("by_start_sequence", "opt_start_time");
        assertThatThrownBy(() -> ConsumerConfig.builder().deliverPolicy(DeliverPolicy.LAST_PER_SUBJECT).build())
                .hasMessageContainingAll("last_per_subject", "filter_subject");
        assertThatThrownBy(() -> ConsumerConfig.builder().maxDeliver(1).backoff(Duration.ofSeconds(1), Duration.ofSeconds(2)).build())
                .hasMessageContainingAll("backoff", "max_deliver");
    }

    @Test
    void toBuilderKeepsEveryKeyOfAServersConsumerUnlessASetterReplacesIt() throws Exception {
        ConsumerConfig server = ConsumerConfig.parse(Files.readAllBytes(Fixtures.streamDir(
                Fixtures.root().resolve("nats-2.15.1-small"), "INT1").resolve("obs/C0/meta.inf")));

        ConsumerConfig updated = server.toBuilder().maxAckPending(50).description("int").build();

        assertThat(updated.json()).isEqualTo(with(server.json(), Map.of("max_ack_pending", 50, "description", "int")));
        assertThat(keys(updated.json())).containsSubsequence("Created", "Name", "durable_name", "name", "description",
                "deliver_policy", "max_ack_pending", "num_replicas", "metadata");
        assertThat(server.toBuilder().build().json()).isEqualTo(server.json());
    }
}
