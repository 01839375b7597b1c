package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.recovery.RecoveryOptions;
import io.jetstart.recovery.RecoveryReport;
import io.jetstart.recovery.StoreRecovery;
import io.jetstart.recovery.StreamReport;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A repeating schedule ({@code @every}, cron) whose next firing passed while 2.15.1 was stopped: what
 * the server does at its start, and that jetstart warns exactly when the server fires it then.
 *
 * <p>Per case, a stream {@code SCHED} ({@code allow_msg_schedules}) with one schedule on
 * {@code sched.s.1} (target {@code sched.out.1}): {@code @every 5s}, or a cron at one second of every
 * minute 3 s after the publish. The server is stopped at once (before the first firing), the store
 * left 8 s, then (in two cases) its {@code msgs/sched.db} deleted; the server started again is asked
 * after 4 s for every message it then holds. nats-server's {@code parseMsgSchedule}:
 * "If this schedule would trigger multiple times, for example after a restart, skip ahead and only
 * fire once": the time kept in {@code sched.db} (the next firing) fires once when it has passed;
 * without the file the blocks are scanned, and the next firing is taken from the schedule message's
 * time, skipped ahead to the start when passed: no firing at the start.
 */
class RepeatingSchedulesOnServerIT {
    private static final String VERSION = "2.15.1";
    private final Path tmp = Repo.work("RepeatingSchedulesOnServerIT");

    /** {@code cron}: at one second of every minute, 3 s after the publish; else {@code @every 5s}. */
    private record Case(String name, boolean cron, boolean keepSchedDb) {
    }

    @Test
    void aRepeatingScheduleDueWhileStoppedFiresOnceAtTheStartWhenSchedDbHoldsItAndJetstartWarnsThen() throws Exception {
        NatsServerBinary binary = NatsServers.discover().require(VERSION, v -> v.toString().equals(VERSION));
        List<Case> cases = List.of(new Case("every", false, true), new Case("cron", true, true),
                new Case("every-no-sched-db", false, false), new Case("cron-no-sched-db", true, false));
        java.util.Map<Case, String> patterns = new java.util.HashMap<>();
        for (Case c : cases) {
            patterns.put(c, write(binary, c));
        }
        Thread.sleep(8_000);
        List<String> seen = new ArrayList<>();
        for (Case c : cases) {
            Path store = tmp.resolve(c.name()).resolve("store");
            Path schedDb = store.resolve("jetstream/$G/streams/SCHED/msgs/sched.db");
            assertThat(schedDb).as("%s: written at the stop", c.name()).exists();
            if (!c.keepSchedDb()) {
                Files.delete(schedDb);
            }
            List<String> warnings = jetstartWarnings(StoreFiles.copy(store, tmp.resolve(c.name()).resolve("jetstart")));
            Fired fired = restart(binary, store, c);
            seen.add(c.name() + ": " + fired + "; jetstart " + warnings);
            System.out.println("[it] RepeatingSchedulesOnServerIT " + seen.getLast());
            if (c.keepSchedDb()) {
                assertThat(fired.firstAfterLaunch()).as("%s: fired after the launch", c.name()).isPositive();
                assertThat(fired.firstAfterReady()).as("%s: fired at the start", c.name()).isLessThan(2.0);
                assertThat(fired.beforeNext()).as("%s: fired once, not once per missed firing", c.name()).isEqualTo(1);
                assertThat(warnings).as(c.name()).singleElement().asString()
                        .startsWith("schedule sched.s.1 (sequence 1, " + patterns.get(c) + ") came due while nats-server was stopped")
                        .contains("a new message on sched.out.1");
            } else {
                assertThat(fired.firstAfterLaunch()).as("%s: skipped ahead to the start plus the interval", c.name())
                        .satisfiesAnyOf(t -> assertThat(t).isNegative(), t -> assertThat(t).isGreaterThan(2.5));
                assertThat(warnings).as(c.name()).isEmpty();
            }
        }
    }

    /** Writes {@code c}'s store and returns its schedule's pattern. */
    private String write(NatsServerBinary binary, Case c) throws Exception {
        Path dir = tmp.resolve(c.name());
        try (NatsServerProcess p = NatsServerProcess.start(binary, dir.resolve("store"), dir.resolve("server"), ServerAccounts.GLOBAL);
             NatsClient client = p.connect(Account.GLOBAL)) {
            JsApi api = new JsApi(client.connection(), Json.mapper());
            ObjectNode cfg = Json.mapper().createObjectNode().put("name", "SCHED").put("storage", "file")
                    .put("allow_msg_schedules", true);
            cfg.putArray("subjects").add("sched.>");
            api.request("$JS.API.STREAM.CREATE.SCHED", cfg);
            // A cron at one second of the minute: due once while stopped, and next a minute later, so a
            // firing within the 4 s after the restart can only be one made for the time stopped.
            String pattern = c.cron() ? (Instant.now().plusSeconds(3).atZone(java.time.ZoneOffset.UTC).getSecond() + " * * * * *")
                    : "@every 5s";
            Headers h = new Headers();
            h.add("Nats-Schedule", pattern);
            h.add("Nats-Schedule-Target", "sched.out.1");
            client.connection().jetStream().publish(new NatsMessage("sched.s.1", null, h, "body".getBytes(StandardCharsets.UTF_8)));
            p.stopGracefully();
            return pattern;
        }
    }

    /**
     * What the restarted server did within 4 s of being ready: its messages when first asked, the
     * seconds from its launch and from its being ready to the first fired message (-1 both: none),
     * and how many fired before the first one's {@code Nats-Schedule-Next} (the firings made at the
     * start for the time it was stopped).
     */
    private record Fired(long atStart, double firstAfterLaunch, double firstAfterReady, long beforeNext) {
    }

    private static Fired restart(NatsServerBinary binary, Path store, Case c) throws Exception {
        Instant start = Instant.now();
        try (NatsServerProcess p = NatsServerProcess.start(binary, store, store.resolveSibling("restart"), ServerAccounts.GLOBAL);
             NatsClient client = p.connect(Account.GLOBAL)) {
            Instant ready = Instant.now();
            JsApi api = new JsApi(client.connection(), Json.mapper());
            long atStart = api.streamInfo("SCHED").path("state").path("messages").asLong();
            Thread.sleep(4_000);
            long lastSeq = api.streamInfo("SCHED").path("state").path("last_seq").asLong();
            double first = -1;
            double firstAfterReady = -1;
            Instant next = null;
            long beforeNext = 0;
            for (long q = 1; q <= lastSeq; q++) {
                JsonNode m = api.message("SCHED", q).orElse(null);
                String hdrs = m == null ? "" : new String(Base64.getDecoder().decode(m.path("hdrs").asText("")), StandardCharsets.UTF_8);
                System.out.println("[it] RepeatingSchedulesOnServerIT " + c.name() + ", started " + start + ", seq " + q + ": "
                        + (m == null ? "none" : m.path("subject").asText() + " " + m.path("time").asText() + " "
                        + hdrs.replace("\r\n", " | ")));
                if (m == null || !m.path("subject").asText().equals("sched.out.1")) {
                    continue;
                }
                Instant at = Instant.parse(m.path("time").asText());
                if (first < 0) {
                    first = (at.toEpochMilli() - start.toEpochMilli()) / 1000.0;
                    firstAfterReady = (at.toEpochMilli() - ready.toEpochMilli()) / 1000.0;
                    for (String line : hdrs.split("\r\n")) {
                        if (line.startsWith("Nats-Schedule-Next:")) {
                            next = Instant.parse(line.substring("Nats-Schedule-Next:".length()).strip());
                        }
                    }
                }
                if (next != null && at.isBefore(next)) {
                    beforeNext++;
                }
            }
            p.stopGracefully();
            return new Fired(atStart, first, firstAfterReady, beforeNext);
        }
    }

    private static List<String> jetstartWarnings(Path store) throws Exception {
        RecoveryReport report = StoreRecovery.recover(store, RecoveryOptions.defaults());
        StreamReport s = report.streams().stream().filter(x -> x.name().equals("SCHED")).findFirst().orElseThrow();
        List<String> out = new ArrayList<>();
        for (var p : s.problems()) {
            if (p.message().startsWith("schedule ")) {
                out.add(p.message());
            }
        }
        return out;
    }
}
