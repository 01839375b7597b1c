package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.format.GoTime;
import io.jetstart.core.meta.StreamConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamDefinitionsTest {
    private static StreamConfig parse(String json) throws Exception {
        return StreamConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String metaInf(String json, long createdNanos) throws Exception {
        return new String(StreamDefinitions.metaInf(parse(json), createdNanos), StandardCharsets.UTF_8);
    }

    @Test
    void aNewConfigIsStampedCreatedFirstAndLaidOutAsTheServerWritesIt() throws Exception {
        String m = metaInf("{\"metadata\":{\"k\":\"v\"},\"name\":\"S\",\"max_msgs\":5,\"description\":\"d\"}", 1_000_000_000L);

        assertThat(m).isEqualTo("{\"Created\":\"" + GoTime.format(1_000_000_000L) + "\",\"name\":\"S\",\"description\":\"d\","
                + "\"subjects\":[\"S\"],\"retention\":\"limits\",\"max_consumers\":-1,\"max_msgs\":5,\"max_bytes\":-1,\"max_age\":0,"
                + "\"max_msgs_per_subject\":-1,\"max_msg_size\":-1,\"discard\":\"old\",\"storage\":\"file\",\"num_replicas\":1,"
                + "\"duplicate_window\":120000000000,\"compression\":\"none\",\"allow_direct\":false,\"mirror_direct\":false,"
                + "\"sealed\":false,\"deny_delete\":false,\"deny_purge\":false,\"allow_rollup_hdrs\":false,\"consumer_limits\":{},"
                + "\"metadata\":{\"k\":\"v\"}}");
    }

    @Test
    void aGivenCreatedIsKeptAndValuesTheServerCorrectsAreCorrected() throws Exception {
        String m = metaInf("{\"name\":\"S\",\"Created\":\"2026-01-02T03:04:05.000000006Z\",\"max_msgs\":0,\"max_consumers\":0,"
                + "\"max_bytes\":-7,\"max_msg_size\":0,\"num_replicas\":0,\"max_age\":30000000000,\"duplicate_window\":0}", 0);

        assertThat(m).startsWith("{\"Created\":\"2026-01-02T03:04:05.000000006Z\",\"name\":\"S\",")
                .contains("\"max_consumers\":-1,\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":30000000000,")
                .contains("\"max_msg_size\":-1,").contains("\"num_replicas\":1,\"duplicate_window\":30000000000,");
    }

    @Test
    void fieldsThatContradictEachOtherAreAnInvalidConfig() {
        assertThatThrownBy(() -> metaInf("{\"name\":\"S\",\"max_age\":1000000000,\"duplicate_window\":2000000000}", 0))
                .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                    assertThat(e.errCode()).isEqualTo(10052);
                    assertThat(e.description()).contains("duplicate_window", "max_age");
                });
        assertThatThrownBy(() -> metaInf("{\"name\":\"S\",\"deny_purge\":true,\"allow_rollup_hdrs\":true}", 0))
                .isInstanceOfSatisfying(JetStreamApiException.class, e -> assertThat(e.errCode()).isEqualTo(10052));
    }

    @Test
    void aStreamServedFor210WhoseFirstIsAtFirstSeqIsNamedAsOne210PurgesAtEveryStart() throws Exception {
        StreamConfig c = parse("{\"name\":\"S\",\"first_seq\":100}");

        // index.db v1 (2.10's) without --as: five messages from 100, or none yet (the next is 100).
        assertThat(StreamDefinitions.purgedBy210AtStart(c, 100, 5, 1, null))
                .contains("first_seq 100", "its 5 messages", "2.10.0-2.10.27 remove", "at every start");
        assertThat(StreamDefinitions.purgedBy210AtStart(c, 100, 0, 1, null)).contains("will be the one at it");
        assertThat(StreamDefinitions.purgedBy210AtStart(c, 100, 5, 4, io.jetstart.core.lines.ServerLine.V2_10)).isNotNull();
    }

    @Test
    void aStreamIsNotNamedWhenItsFirstIsAboveFirstSeqOrItIsNotServedFor210() throws Exception {
        StreamConfig c = parse("{\"name\":\"S\",\"first_seq\":100}");

        assertThat(StreamDefinitions.purgedBy210AtStart(c, 101, 4, 1, null)).isNull();
        assertThat(StreamDefinitions.purgedBy210AtStart(c, 100, 5, 4, null)).isNull();
        assertThat(StreamDefinitions.purgedBy210AtStart(c, 100, 5, 1, io.jetstart.core.lines.ServerLine.V2_15)).isNull();
        assertThat(StreamDefinitions.purgedBy210AtStart(parse("{\"name\":\"S\"}"), 1, 5, 1, null)).isNull();
    }
}
