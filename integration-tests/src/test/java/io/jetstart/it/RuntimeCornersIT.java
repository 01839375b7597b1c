package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.JetStreamApiException;
import io.jetstart.runtime.RuntimeOptions;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The corners of the publish, read and removal paths a random model rarely draws (the order of
 * the publish checks when several fail at once, {@code Nats-Expected-Last-Msg-Id} after a message
 * without an id, rollup refusals, purges with {@code keep} over deleted messages, limits at their
 * edge, sealed and deny_* streams), each scenario run on nats-server 2.14+ and on the runtime: every
 * step must get the same answer (sequence, duplicate flag, purged count, error code and text, read
 * result), and each stream must end in the same state.
 *
 * <p>A step is one line: {@code pub SUBJECT PAYLOAD [Header=value ...]} (PAYLOAD {@code -} is
 * empty; '~' in a header value is a space), {@code del SEQ}, {@code erase SEQ}, {@code purge JSON}, {@code update JSON} (a new config),
 * {@code get SEQ}, {@code last SUBJECT}, {@code next SEQ SUBJECT}, {@code sleep MILLIS}: the language of
 * {@link ModelSide}, whose runtime side {@link RuntimeSteps} runs here too.
 */
class RuntimeCornersIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final Path tmp = Repo.work("RuntimeCornersIT");
    private final ObjectMapper json = Json.mapper();
    /** The runtime's side of each step, as RuntimeModelIT runs it; a message read as {@link #onServer} renders it. */
    private final RuntimeSteps runtimeSteps = new RuntimeSteps(
            m -> m.seq() + " " + m.subject() + " '" + new String(m.payload(), StandardCharsets.UTF_8) + "'");

    /** @param known a difference printed, not failed: one the runtime does not copy on purpose (docs/runtime.md) */
    private record Scenario(String name, String config, List<String> steps, boolean known) {
        Scenario(String name, String config, String... steps) {
            this(name, config, List.of(steps), false);
        }

        static Scenario known(String name, String config, String... steps) {
            return new Scenario(name, config, List.of(steps), true);
        }
    }

    private static List<Scenario> scenarios() {
        String plain = "{\"subjects\":[\"m.>\"]}";
        String rollups = "{\"subjects\":[\"m.>\"],\"allow_rollup_hdrs\":true}";
        return List.of(
                new Scenario("duplicate id with a wrong expected last msg id", plain,
                        "pub m.1 a Nats-Msg-Id=a", "pub m.1 b Nats-Msg-Id=b", "pub m.1 c Nats-Msg-Id=a Nats-Expected-Last-Msg-Id=zz"),
                new Scenario("expected last msg id after a message without an id", plain,
                        "pub m.1 a Nats-Msg-Id=a", "pub m.1 b", "pub m.1 c Nats-Expected-Last-Msg-Id=a",
                        "pub m.1 d Nats-Msg-Id=d", "pub m.1 e Nats-Expected-Last-Msg-Id=d"),
                new Scenario("rollup refused after a wrong expected stream", plain,
                        "pub m.1 a", "pub m.1 b Nats-Rollup=sub Nats-Expected-Stream=other"),
                new Scenario("rollup refused after a wrong expected last sequence", plain,
                        "pub m.1 a", "pub m.1 b Nats-Rollup=all Nats-Expected-Last-Sequence=7"),
                new Scenario("rollup refused after a duplicate", plain,
                        "pub m.1 a Nats-Msg-Id=a", "pub m.1 b Nats-Rollup=sub Nats-Msg-Id=a"),
                new Scenario("rollup invalid value after a duplicate", rollups,
                        "pub m.1 a Nats-Msg-Id=a", "pub m.1 b Nats-Rollup=bad Nats-Msg-Id=a", "pub m.1 c Nats-Rollup=bad"),
                new Scenario("rollup values in upper case", rollups,
                        "pub m.1 a", "pub m.2 b", "pub m.1 c", "pub m.1 d Nats-Rollup=SUB", "pub m.2 e Nats-Rollup=All",
                        "get 1", "get 5"),
                // Refused by both (10052); the texts differ: core's config check words it its own way.
                Scenario.known("rollup with deny_purge", "{\"subjects\":[\"m.>\"],\"allow_rollup_hdrs\":true,\"deny_purge\":true}",
                        "pub m.1 a", "pub m.1 b Nats-Rollup=sub"),
                new Scenario("unparsable expected sequences", plain,
                        "pub m.1 a Nats-Expected-Last-Sequence=abc", "pub m.1 b Nats-Expected-Last-Sequence=+0",
                        "pub m.1 c Nats-Expected-Last-Subject-Sequence=x", "pub m.1 d Nats-Expected-Last-Sequence=0",
                        "pub m.1 e Nats-Expected-Last-Subject-Sequence=+1"),
                new Scenario("expected last subject sequence on a wildcard and on nothing", plain,
                        "pub m.1 a", "pub m.2 b", "pub m.3 c Nats-Expected-Last-Subject-Sequence=2 Nats-Expected-Last-Subject-Sequence-Subject=m.*",
                        "pub m.3 d Nats-Expected-Last-Subject-Sequence=0 Nats-Expected-Last-Subject-Sequence-Subject=x.y",
                        "pub m.3 e Nats-Expected-Last-Subject-Sequence=0 Nats-Expected-Last-Subject-Sequence-Subject=m.9",
                        "pub m.3 f Nats-Expected-Last-Subject-Sequence=5 Nats-Expected-Last-Subject-Sequence-Subject=m.>"),
                new Scenario("max_msg_size at the edge", "{\"subjects\":[\"m.>\"],\"max_msg_size\":10}",
                        "pub m.1 0123456789", "pub m.1 0123456789a", "pub m.1 - X=1", "pub m.1 01234 Y=1", "pub m.1 -"),
                new Scenario("purge keep over deleted messages", plain,
                        "pub m.1 a", "pub m.2 b", "pub m.1 c", "pub m.2 d", "pub m.1 e", "del 4", "purge {\"keep\":2}",
                        "get 3", "get 5"),
                new Scenario("purge keep with a subject", plain,
                        "pub m.1 a", "pub m.2 b", "pub m.1 c", "pub m.2 d", "pub m.1 e", "del 3",
                        "purge {\"filter\":\"m.1\",\"keep\":1}", "purge {\"filter\":\"m.*\",\"keep\":1}"),
                new Scenario("purge up to a sequence with a subject", plain,
                        "pub m.1 a", "pub m.2 b", "pub m.1 c", "pub m.2 d", "purge {\"filter\":\"m.1\",\"seq\":3}",
                        "purge {\"seq\":1}", "purge {\"filter\":\"m.2\",\"seq\":9}"),
                // The server's Compact beyond the last moves the stream to first 10, last 9 (RuntimePurgeSeqIT: also on disk).
                new Scenario("purge up to a sequence beyond the last", plain,
                        "pub m.1 a", "pub m.2 b", "purge {\"seq\":10}", "pub m.1 c", "purge {\"filter\":\">\",\"seq\":15}",
                        "purge {\"filter\":\"m.1\",\"seq\":30}", "pub m.1 d Nats-Expected-Last-Sequence=14", "get 15"),
                new Scenario("purge with both keep and seq", plain,
                        "pub m.1 a", "pub m.1 b", "purge {\"seq\":2,\"keep\":1}", "purge {\"filter\":\"m.1\",\"seq\":2,\"keep\":1}"),
                new Scenario("removals outside the stream", plain,
                        "del 1", "pub m.1 a", "pub m.1 b", "del 0", "del 3", "del 1", "del 1", "erase 1", "erase 2", "get 2"),
                new Scenario("get of sequence 0", plain, "get 0", "pub m.1 a", "get 0", "del 1", "get 0"),
                new Scenario("duplicates after the original was removed", plain,
                        "pub m.1 a Nats-Msg-Id=a", "pub m.1 b Nats-Msg-Id=b", "del 1", "pub m.1 c Nats-Msg-Id=a", "purge {}",
                        "pub m.1 d Nats-Msg-Id=b", "pub m.1 e Nats-Expected-Last-Sequence=2", "pub m.1 f Nats-Expected-Last-Msg-Id=b"),
                new Scenario("expected last msg id after a duplicate and after a refusal", plain,
                        "pub m.1 a Nats-Msg-Id=a", "pub m.1 b Nats-Msg-Id=b", "pub m.1 c Nats-Msg-Id=a",
                        "pub m.1 d Nats-Msg-Id=d Nats-Expected-Last-Sequence=9", "pub m.1 e Nats-Expected-Last-Msg-Id=b"),
                new Scenario("expected last subject sequence after the subject's last was deleted", plain,
                        "pub m.1 a", "pub m.2 b", "pub m.1 c", "del 3", "pub m.1 d Nats-Expected-Last-Subject-Sequence=3",
                        "pub m.1 e Nats-Expected-Last-Subject-Sequence=1", "del 1", "del 5",
                        "pub m.1 f Nats-Expected-Last-Subject-Sequence=0"),
                new Scenario("discard new on bytes at the edge", "{\"subjects\":[\"m.>\"],\"discard\":\"new\",\"max_bytes\":200}",
                        "pub m.1 0123456789012345678901234567890123456789", "pub m.1 0123456789012345678901234567890123456789",
                        "pub m.1 0123456789012345678901234567890123456789", "pub m.1 0123456789", "pub m.1 0", "pub m.1 -", "del 1",
                        "pub m.1 0123456789012345678901234567890123456789"),
                new Scenario("max_msgs_per_subject with discard new on max_msgs",
                        "{\"subjects\":[\"m.>\"],\"discard\":\"new\",\"max_msgs_per_subject\":2,\"max_msgs\":3}",
                        "pub m.1 a", "pub m.1 b", "pub m.2 c", "pub m.1 d", "pub m.3 e", "pub m.2 f", "get 1", "get 2"),
                new Scenario("expected last subject sequence on an invalid subject", plain,
                        "pub m.1 a", "pub m.1 b Nats-Expected-Last-Subject-Sequence=0 Nats-Expected-Last-Subject-Sequence-Subject=m..1",
                        "pub m.1 c Nats-Expected-Last-Subject-Sequence=0 Nats-Expected-Last-Subject-Sequence-Subject=m.>.1",
                        "pub m.1 d Nats-Expected-Last-Subject-Sequence=0 Nats-Expected-Last-Subject-Sequence-Subject=>.m",
                        "pub m.1 e Nats-Expected-Last-Subject-Sequence=0 Nats-Expected-Last-Subject-Sequence-Subject=m.",
                        "pub m.1 f Nats-Expected-Last-Subject-Sequence=0 Nats-Expected-Last-Subject-Sequence-Subject=m.>"),
                new Scenario("expected last sequence after the last message was deleted and after a purge", plain,
                        "pub m.1 a", "pub m.1 b", "del 2", "pub m.1 c Nats-Expected-Last-Sequence=1",
                        "pub m.1 d Nats-Expected-Last-Sequence=2", "purge {}", "pub m.1 e Nats-Expected-Last-Sequence=3",
                        "pub m.1 f Nats-Expected-Last-Subject-Sequence=0", "purge {\"filter\":\"m.1\",\"seq\":99}",
                        "pub m.2 g Nats-Expected-Last-Sequence=5"),
                new Scenario("rollups at the limits with discard new",
                        "{\"subjects\":[\"m.>\"],\"allow_rollup_hdrs\":true,\"discard\":\"new\",\"max_msgs\":3,"
                                + "\"max_msgs_per_subject\":2,\"discard_new_per_subject\":true}",
                        "pub m.1 a", "pub m.1 b", "pub m.1 c Nats-Rollup=sub", "pub m.1 c2", "pub m.2 d", "pub m.2 e",
                        "pub m.3 f Nats-Rollup=all", "pub m.2 g Nats-Rollup=sub", "pub m.1 h Nats-Rollup=all", "get 2", "get 4"),
                new Scenario("reads beyond the ends", plain,
                        "pub m.1 a", "pub m.2 b", "next 3 m.1", "next 99 >", "last m.9", "get 3", "get 99", "next 0 m.2"),
                new Scenario("messages older than max_age", "{\"subjects\":[\"m.>\"],\"max_age\":1000000000}",
                        "pub m.1 a", "pub m.2 b", "sleep 2600", "get 1", "last m.2", "next 1 >", "pub m.1 c Nats-Expected-Last-Sequence=2",
                        "pub m.1 d Nats-Expected-Last-Subject-Sequence=0"),
                new Scenario("an interest stream without consumers", "{\"subjects\":[\"m.>\"],\"retention\":\"interest\"}",
                        "pub m.1 a Nats-Msg-Id=a", "pub m.1 b Nats-Msg-Id=a", "pub m.1 c Nats-Expected-Last-Sequence=1",
                        "pub m.1 d Nats-Expected-Last-Msg-Id=", "pub m.1 e Nats-Expected-Last-Subject-Sequence=0", "get 1"),
                new Scenario("header keys and values as the server matches them", plain,
                        "pub m.1 a Nats-Msg-Id=a", "pub m.1 b Nats-Msg-Id=~a", "pub m.1 c nats-msg-id=a",
                        "pub m.1 d Nats-Msg-Id=b Nats-Msg-Id=a", "pub m.1 e Nats-Msg-Id=a Nats-Msg-Id=b",
                        "pub m.1 f Nats-Expected-Last-Sequence=~3", "pub m.1 g Nats-Expected-Stream=~C99",
                        "pub m.1 h nats-expected-last-sequence=99", "pub m.1 i Nats-Expected-Last-Msg-Id=~b"),
                new Scenario("max_msg_size at the edge with a header", "{\"subjects\":[\"m.>\"],\"max_msg_size\":20}",
                        "pub m.1 abc Y=1", "pub m.1 abcd Y=1", "pub m.1 01234567890123456789", "pub m.1 - Y=123"),
                new Scenario("the duplicate window passing", "{\"subjects\":[\"m.>\"],\"duplicate_window\":1000000000}",
                        "pub m.1 a Nats-Msg-Id=a", "pub m.1 b Nats-Msg-Id=a", "sleep 3000", "pub m.1 c Nats-Msg-Id=a",
                        "pub m.1 d Nats-Msg-Id=a"),
                new Scenario("purges and reads with filters outside the stream or invalid", plain,
                        "pub m.1 a", "pub m.2 b", "purge {\"filter\":\"x.y\"}", "purge {\"filter\":\"m..1\"}",
                        "purge {\"filter\":\"m.>.1\"}", "purge {\"filter\":\"m.9\",\"keep\":1}", "last x.y", "last m..1",
                        "last m.>.1", "next 1 m.>.1", "next 1 x.>", "last *", "next 1 *.*"),
                new Scenario("Nats-TTL values on a stream without message TTLs", plain,
                        "pub m.1 a Nats-TTL=abc", "pub m.1 b Nats-TTL=500ms", "pub m.1 c Nats-TTL=0", "pub m.1 d Nats-TTL=-1",
                        "pub m.1 e Nats-TTL=never", "pub m.1 f Nats-TTL=1s", "pub m.1 g Nats-TTL=0s", "pub m.1 h Nats-TTL=~5",
                        "pub m.1 i Nats-TTL=1.5"),
                // The runtime writes TTL streams with index.db v2+ only (it is opened with v4 here).
                new Scenario("Nats-TTL values on a stream with message TTLs, the 1 s one expired",
                        "{\"subjects\":[\"m.>\"],\"allow_msg_ttl\":true}",
                        "pub m.1 a Nats-TTL=abc", "pub m.1 b Nats-TTL=500ms", "pub m.1 c Nats-TTL=0", "pub m.1 d Nats-TTL=-1",
                        "pub m.1 e Nats-TTL=never", "pub m.2 f Nats-TTL=1s", "pub m.1 g Nats-TTL=0s", "pub m.1 h Nats-TTL=~5",
                        "pub m.1 i Nats-TTL=1.5", "pub m.3 j Nats-TTL=3600", "pub m.4 k",
                        // Whole seconds past 2^63-1 wrap as Go's int64: 19 nines negative (refused), 2^64+1 one second.
                        "pub m.5 x Nats-TTL=9999999999999999999", "pub m.5 y Nats-TTL=18446744073709551617",
                        // About 250 years: its expiry (ts + ttl s in int64 ns) wraps into the past, so it goes at once.
                        "pub m.6 z Nats-TTL=8000000000",
                        "get 2", "sleep 2500", "get 2", "last m.2", "get 5", "get 6",
                        "get 3", "update {\"subjects\":[\"m.>\"]}", "pub m.1 l Nats-TTL=1h"),
                new Scenario("max_age with message TTLs: a never message outlives it, one behind it still ages out",
                        "{\"subjects\":[\"m.>\"],\"allow_msg_ttl\":true,\"max_age\":1000000000}",
                        "pub m.1 a Nats-TTL=never", "pub m.2 b", "pub m.3 c Nats-TTL=1h", "sleep 2500", "get 1", "get 2", "get 3",
                        "pub m.4 d", "sleep 2500", "get 4", "get 1", "last m.1"),
                new Scenario("an unreadable Nats-TTL against the size checks and the limits",
                        "{\"subjects\":[\"m.>\"],\"max_msg_size\":40,\"discard\":\"new\",\"max_msgs\":1}",
                        "pub m.1 0123456789012345678901234567890123456789 Nats-TTL=abc", "pub m.1 a", "pub m.1 b Nats-TTL=abc",
                        "pub m.1 c Nats-TTL=5 Nats-Msg-Id=x", "pub m.1 d Nats-TTL=0 Nats-Expected-Last-Sequence=9"),
                new Scenario("max_msg_size against the header checks", "{\"subjects\":[\"m.>\"],\"max_msg_size\":30}",
                        "pub m.1 a Nats-Msg-Id=x", "pub m.1 0123456789 Nats-Msg-Id=x",
                        "pub m.1 0123456789012345678901234567890 Nats-Expected-Stream=zz",
                        "pub m.1 0123456789012345678901234567890 Nats-Rollup=sub",
                        "pub m.1 0123456789012345678901234567890 Nats-Expected-Last-Msg-Id=zz",
                        "pub m.1 0123456789012345678901234567890 Nats-TTL=5",
                        "pub m.1 0123456789012345678901234567890 Nats-TTL=abc",
                        "pub m.1 0123456789012345678901234567890 Nats-Expected-Last-Subject-Sequence=9",
                        "pub m.1 0123456789012345678901234567890 Nats-Expected-Last-Sequence=9",
                        "pub m.1 0123456789012345678901234567890",
                        "update {\"subjects\":[\"m.>\"],\"max_msg_size\":30,\"sealed\":true}",
                        "pub m.1 0123456789012345678901234567890", "pub m.1 a"),
                new Scenario("the header checks' order where two fail", plain,
                        "pub m.1 a Nats-Msg-Id=x",
                        "pub m.1 b Nats-TTL=5 Nats-Expected-Stream=zz", "pub m.1 c Nats-TTL=5 Nats-Expected-Last-Subject-Sequence=9",
                        "pub m.1 d Nats-Expected-Last-Subject-Sequence-Subject=m.2 Nats-Expected-Last-Sequence=9",
                        "pub m.1 e Nats-Expected-Last-Subject-Sequence-Subject=m.2 Nats-Msg-Id=x",
                        "pub m.1 f Nats-TTL=abc Nats-Msg-Id=x", "pub m.1 g Nats-TTL=abc Nats-Rollup=sub",
                        "pub m.1 h Nats-TTL=abc Nats-Expected-Last-Msg-Id=zz", "pub m.1 i Nats-Expected-Stream=zz Nats-Msg-Id=x",
                        "pub m.1 j Nats-TTL=5 Nats-Msg-Id=x", "pub m.1 k Nats-Expected-Last-Subject-Sequence=9 Nats-Expected-Last-Sequence=9"),
                new Scenario("rollups over msg ids and on a literal wildcard subject", rollups,
                        "pub m.1 a Nats-Msg-Id=a", "pub m.2 b Nats-Msg-Id=b", "pub m.1 c Nats-Rollup=all",
                        "pub m.2 d Nats-Msg-Id=b", "pub m.1 e Nats-Expected-Last-Msg-Id=", "pub m.1 f", "pub m.2 g",
                        "pub m.* h Nats-Rollup=sub", "get 6", "get 7", "get 8"),
                new Scenario("subjects no publish may have", plain, "pub m.* a", "pub m.> b", "pub m..a c", "pub m.a. d",
                        "get 1", "last m.*", "pub m.1 f"),
                // Both store it (RuntimeFullWildcardTokenIT: and keep it across a restart).
                new Scenario("a publish on a subject with '>' before its end", plain, "pub m.>.a a", "pub m.1 b", "pub m.x.a c",
                        "get 1", "next 1 m.>", "last m.>.a", "pub m.>.a d Nats-Expected-Last-Subject-Sequence=1", "del 4",
                        "last m.>.a", "pub m.>..a e"),
                // 2.15.1 purges all four: once a message is stored on m.>.a, its purge reads the middle '>' as "the rest"
                // (with none stored it purges nothing, as the scenario on invalid filters shows); the runtime purges the
                // messages on m.>.a only, as its reads and expectations find them.
                Scenario.known("a purge on a subject with '>' before its end", plain, "pub m.>.a a", "pub m.1 b", "pub m.x.a c",
                        "pub m.>.a d", "purge {\"filter\":\"m.>.a\"}", "last m.>.a"),
                new Scenario("an unreadable Nats-TTL on an interest stream without consumers",
                        "{\"subjects\":[\"m.>\"],\"retention\":\"interest\"}", "pub m.1 a Nats-TTL=abc", "pub m.1 b Nats-TTL=0"),
                new Scenario("discard new on bytes with a rollup at the subject's limit",
                        "{\"subjects\":[\"m.>\"],\"allow_rollup_hdrs\":true,\"discard\":\"new\",\"max_bytes\":150,"
                                + "\"max_msgs_per_subject\":1}",
                        "pub m.1 0123456789", "pub m.2 0123456789012345678901234567890123456789", "pub m.1 01234567890123456789 Nats-Rollup=sub",
                        "pub m.1 0 Nats-Rollup=sub", "pub m.3 0123456789012345678901234567890123456789012345678901234567890123456789"),
                new Scenario("expected stream and subject checks on a headers-only message", plain,
                        "pub m.1 - Nats-Expected-Stream=C0", "pub m.1 - Nats-Expected-Last-Subject-Sequence=0", "pub m.1 - X=y",
                        "get 1", "last m.1"),
                new Scenario("discard new per subject at the edge",
                        "{\"subjects\":[\"m.>\"],\"discard\":\"new\",\"discard_new_per_subject\":true,\"max_msgs_per_subject\":2,\"max_msgs\":3}",
                        "pub m.1 a", "pub m.1 b", "pub m.1 c", "pub m.2 d", "pub m.2 e", "pub m.3 f", "del 1", "pub m.1 g"),
                new Scenario("discard new per subject without a per-subject limit",
                        "{\"subjects\":[\"m.>\"],\"discard\":\"new\",\"max_msgs_per_subject\":1,\"max_msgs\":2}",
                        "pub m.1 a", "pub m.1 b", "pub m.2 c", "pub m.3 d", "pub m.2 e"),
                new Scenario("deny delete and deny purge", "{\"subjects\":[\"m.>\"],\"deny_delete\":true,\"deny_purge\":true}",
                        "pub m.1 a", "del 1", "erase 1", "del 9", "purge {}", "purge {\"filter\":\"m.1\"}"),
                new Scenario("sealed stream", plain,
                        "pub m.1 a", "update {\"subjects\":[\"m.>\"],\"sealed\":true}", "pub m.1 b", "del 1", "erase 1",
                        "purge {}", "get 1"),
                new Scenario("reads after deletes", plain,
                        "pub m.1 a", "pub m.2 b", "pub m.1 c", "del 3", "last m.>", "last m.1", "last m.*", "next 3 m.1",
                        "next 4 m.>", "next 2 >", "next 1 m.2", "pub m.1 - X=1", "get 4"));
    }

    @Test
    void theRuntimeAnswersEveryCornerAsTheServerDoes() throws Exception {
        Optional<NatsServerBinary> newest = NatsServers.discover().all().stream().filter(b -> b.version().atLeast(2, 14))
                .reduce((a, b) -> b);
        org.junit.jupiter.api.Assumptions.assumeTrue(newest.isPresent() || NatsServers.isCi(), "no nats-server 2.14+");
        System.out.println("[it] RuntimeCornersIT: " + newest.get());
        Path runtimeStore = tmp.resolve("runtime");
        Files.createDirectories(runtimeStore);
        List<String> differences = new ArrayList<>();
        List<String> known = new ArrayList<>();
        try (NatsServerProcess nats = NatsServerProcess.start(newest.get(), tmp.resolve("server-store"), tmp.resolve("server"),
                ServerAccounts.GLOBAL);
             NatsClient client = nats.connect(Account.GLOBAL);
             JetStartStore store = JetStart.open(runtimeStore, RuntimeOptions.defaults().withIndexVersion(4))) {
            List<Scenario> all = scenarios();
            for (int i = 0; i < all.size(); i++) {
                // Each scenario on subjects of its own (s3.1, ...): the server refuses overlapping streams.
                Scenario s = ownSubjects(all.get(i), "s" + i + ".");
                String name = "C" + i;
                ObjectNode config = (ObjectNode) json.readTree(s.config());
                config.put("name", name);
                JsonNode created = json.readTree(serverRequest(client.connection(), "$JS.API.STREAM.CREATE." + name,
                        json.writeValueAsBytes(config)));
                JetStartStream rt;
                try {
                    rt = store.createStream("$G", StreamConfig.parse(json.writeValueAsBytes(config)));
                } catch (JetStreamApiException e) {
                    (s.known() ? known : differences).add(s.name() + ": create: server " + (created.has("error") ? error(created) : "created")
                            + ", runtime error " + e.errCode() + " " + e.description());
                    continue;
                }
                for (String step : s.steps()) {
                    String a = onServer(client.connection(), name, step);
                    String b = onRuntime(store, rt, step);
                    if (!a.equals(b)) {
                        (s.known() ? known : differences).add(s.name() + ": '" + step + "': server " + a + ", runtime " + b);
                    }
                }
                try {
                    rt.flush();
                } catch (JetStreamApiException e) {
                    differences.add(s.name() + ": flush: runtime error " + e.errCode() + " " + e.description());
                    continue;
                }
                String a = serverState(client.connection(), name);
                String b = rt.info().messages() + " msgs, first " + rt.info().firstSeq() + ", last " + rt.info().lastSeq();
                if (!a.equals(b)) {
                    (s.known() ? known : differences).add(s.name() + ": state: server " + a + ", runtime " + b);
                }
            }
        }
        known.forEach(d -> System.out.println("[it] RuntimeCornersIT known difference: " + d));
        differences.forEach(d -> System.out.println("[it] RuntimeCornersIT difference: " + d));
        assertThat(differences).isEmpty();
    }

    private static Scenario ownSubjects(Scenario s, String prefix) {
        java.util.function.UnaryOperator<String> own = t -> t.replaceAll("\\bm\\.", prefix);
        return new Scenario(s.name(), own.apply(s.config()), s.steps().stream().map(own).toList(), s.known());
    }

    private String onServer(Connection c, String stream, String step) throws Exception {
        String[] w = step.split(" ", 2);
        String arg = w.length > 1 ? w[1] : "";
        switch (w[0]) {
            case "sleep" -> {
                // Both stores age on the wall clock: one wait serves the server and the runtime.
                Thread.sleep(Long.parseLong(arg));
                return "slept";
            }
            case "pub" -> {
                ModelSide.Pub pub = ModelSide.Pub.parse(arg);
                Headers h = pub.jnats();
                Message m = NatsMessage.builder().subject(pub.subject()).headers(h.isEmpty() ? null : h).data(pub.payload()).build();
                Message reply = c.request(m, TIMEOUT);
                if (reply == null || reply.isStatusMessage()) {
                    // Not routed to the stream: no ack (the runtime's IllegalArgumentException).
                    return "not stored";
                }
                JsonNode ack = json.readTree(reply.getData());
                return ack.has("error") ? error(ack) : ack.path("seq").asLong() + (ack.path("duplicate").asBoolean() ? " duplicate" : "");
            }
            case "del", "erase" -> {
                ObjectNode body = json.createObjectNode().put("seq", Long.parseLong(arg));
                if (w[0].equals("del")) {
                    body.put("no_erase", true);
                }
                JsonNode r = json.readTree(serverRequest(c, "$JS.API.STREAM.MSG.DELETE." + stream, json.writeValueAsBytes(body)));
                return r.has("error") ? error(r) : "deleted";
            }
            case "purge" -> {
                JsonNode r = json.readTree(serverRequest(c, "$JS.API.STREAM.PURGE." + stream, arg.getBytes(StandardCharsets.UTF_8)));
                return r.has("error") ? error(r) : "purged " + r.path("purged").asLong();
            }
            case "update" -> {
                ObjectNode config = (ObjectNode) json.readTree(arg);
                config.put("name", stream);
                JsonNode r = json.readTree(serverRequest(c, "$JS.API.STREAM.UPDATE." + stream, json.writeValueAsBytes(config)));
                return r.has("error") ? error(r) : "updated";
            }
            default -> {
                ObjectNode body = json.createObjectNode();
                String[] p = arg.split(" ");
                switch (w[0]) {
                    case "get" -> body.put("seq", Long.parseLong(p[0]));
                    case "last" -> body.put("last_by_subj", p[0]);
                    default -> body.put("seq", Long.parseLong(p[0])).put("next_by_subj", p[1]);
                }
                JsonNode r = json.readTree(serverRequest(c, "$JS.API.STREAM.MSG.GET." + stream, json.writeValueAsBytes(body)));
                if (r.has("error")) {
                    return r.path("error").path("err_code").asInt() == 10037 ? "none" : error(r);
                }
                JsonNode m = r.path("message");
                String data = new String(java.util.Base64.getDecoder().decode(m.path("data").asText("")), StandardCharsets.UTF_8);
                return m.path("seq").asLong() + " " + m.path("subject").asText() + " '" + data + "'";
            }
        }
    }

    private String onRuntime(JetStartStore store, JetStartStream rt, String step) throws Exception {
        if (step.startsWith("sleep ")) {
            // The server's side slept: both stores age on the one wall clock.
            return "slept";
        }
        try {
            return runtimeSteps.run(store, rt, step);
        } catch (RuntimeException e) {
            return "exception " + e;
        }
    }

    private static String error(JsonNode r) {
        return "error " + r.path("error").path("err_code").asInt() + " " + r.path("error").path("description").asText();
    }

    private String serverState(Connection c, String stream) throws Exception {
        JsonNode state = json.readTree(serverRequest(c, "$JS.API.STREAM.INFO." + stream, new byte[0])).path("state");
        return state.path("messages").asLong() + " msgs, first " + state.path("first_seq").asLong() + ", last "
                + state.path("last_seq").asLong();
    }

    private static String serverRequest(Connection c, String subject, byte[] body) throws Exception {
        Message reply = c.request(subject, body, TIMEOUT);
        if (reply == null) {
            throw new java.io.IOException("no answer to " + subject);
        }
        return new String(reply.getData(), StandardCharsets.UTF_8);
    }
}
