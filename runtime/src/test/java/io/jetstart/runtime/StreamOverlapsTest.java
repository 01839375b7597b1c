package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.meta.StreamConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link StreamOverlaps}: which streams of an account overlap, compared only where subjects can collide. */
class StreamOverlapsTest {
    private static Map<String, StreamConfig> streams(String... nameAndSubjects) {
        Map<String, StreamConfig> out = new LinkedHashMap<>();
        for (String s : nameAndSubjects) {
            String[] parts = s.split("=", -1);
            io.jetstart.core.meta.StreamConfigBuilder b = StreamConfig.builder(parts[0]);
            if (!parts[1].isEmpty()) {
                b.subjects(parts[1].split(","));
            }
            out.put(parts[0], b.build());
        }
        return out;
    }

    @Test
    void streamsWhoseSubjectsCanMatchOneSubjectOverlapWhateverTheirFirstToken() {
        Map<String, String> o = StreamOverlaps.overlaps(streams(
                "A=ev.a.*", "B=ev.>", "C=orders.new", "D=*.new", "E=x.y,z.>", "F=z.q", "G=", "H=G", "I=solo"));
        // A and B share "ev"; D's wildcard first token meets C's orders.new (and nothing starting with
        // ev: ev.>'s two-token subjects ev.new match both); E.s second subject meets F (and D: z.new); G listens on its name.
        assertThat(o).containsEntry("A", "B").containsEntry("C", "D").containsEntry("E", "F").containsEntry("F", "E")
                .containsEntry("G", "H").containsEntry("H", "G").doesNotContainKey("I");
        assertThat(o.get("B")).isIn("A", "D");
        assertThat(o.get("D")).isIn("B", "C");
    }

    @Test
    void disjointStreamsOverlapNothing() {
        assertThat(StreamOverlaps.overlaps(streams("A=a.>", "B=b.>", "C=a2.*", "D=ab"))).isEmpty();
        assertThat(StreamOverlaps.overlaps(Map.of())).isEmpty();
    }

    @Test
    void theAnswerIsKeptUntilAStreamChanges() throws Exception {
        AtomicInteger listed = new AtomicInteger();
        Map<String, StreamConfig> now = new LinkedHashMap<>(streams("A=ev.a", "B=ev.*"));
        java.util.List<java.util.concurrent.CompletableFuture<Void>> recovering = new java.util.ArrayList<>();
        StreamOverlaps overlaps = new StreamOverlaps(account -> {
            listed.incrementAndGet();
            return new StreamOverlaps.Known(Map.copyOf(now), java.util.List.copyOf(recovering));
        });
        assertThat(overlaps.overlapping("$G", "A")).isEqualTo(new StreamOverlaps.Overlapping("B"));
        assertThat(overlaps.overlapping("$G", "B")).isEqualTo(new StreamOverlaps.Overlapping("A"));
        assertThat(listed).hasValue(1);
        now.remove("B");
        assertThat(overlaps.overlapping("$G", "A")).as("not asked again before a change").isEqualTo(new StreamOverlaps.Overlapping("B"));
        overlaps.changed();
        java.util.concurrent.CompletableFuture<Void> c = new java.util.concurrent.CompletableFuture<>();
        recovering.add(c);
        assertThat(overlaps.overlapping("$G", "A")).as("B gone, but C still recovering").isInstanceOf(StreamOverlaps.Unsure.class);
        assertThat(overlaps.overlapping("$G", "A")).as("kept while C recovers").isInstanceOf(StreamOverlaps.Unsure.class);
        assertThat(listed).hasValue(2);
        now.put("C", StreamConfig.builder("C").subjects("ev.a").build());
        recovering.clear();
        c.complete(null);
        assertThat(overlaps.overlapping("$G", "A")).as("C back, without a change counted").isEqualTo(new StreamOverlaps.Overlapping("C"));
        now.remove("C");
        overlaps.changed();
        assertThat(overlaps.overlapping("$G", "A")).isInstanceOf(StreamOverlaps.Clear.class);
        assertThat(overlaps.overlapping("ACC", "A")).isInstanceOf(StreamOverlaps.Clear.class);
        assertThat(listed).as("once per account and change, and once when C came back").hasValue(5);
    }
}
