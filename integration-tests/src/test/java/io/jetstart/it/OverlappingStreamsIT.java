package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.StreamHandle;
import io.nats.client.JetStreamApiException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * Two or three streams of one account whose subjects overlap (a hand edit of {@code meta.inf}, a
 * store put together from two servers' folders): which of them nats-server 2.10.x and 2.14+
 * restore at start, start after start on the same files and on fresh copies, and that the runtime
 * serves none of them writable that a server left unloaded in any of those starts.
 *
 * <p>Each stream holds messages and no {@code index.db}, so the server rebuilds it at start: 2.14+
 * restores streams in parallel and checks the overlap before its store is opened but registers the
 * stream only after, so a slow restore is where two overlapping streams could pass each other.
 * The findings are printed (and kept in docs/format-notes.md, "Odd stream configs").
 */
class OverlappingStreamsIT {
    private final Path tmp = Repo.work("OverlappingStreamsIT");
    private static final int MESSAGES = 3_000;
    /** Starts on one copy (does a later start change the winner?) and fresh copies (is the first start's choice fixed?). */
    private static final int RESTARTS = 3;
    private static final int COPIES = 3;

    /** A stream of a case: its name and subjects ({@code []} for none: it listens on its name). */
    private record S(String name, String subjects) {
    }

    private record Case(String what, List<S> streams) {
    }

    private static List<Case> cases() {
        return List.of(
                new Case("ev.> first by name", List.of(new S("A1", "[\"ev1.>\"]"), new S("B1", "[\"ev1.a.*\"]"))),
                new Case("ev.a.* first by name", List.of(new S("A2", "[\"ev2.a.*\"]"), new S("B2", "[\"ev2.>\"]"))),
                new Case("the same subject twice", List.of(new S("A3", "[\"ev3.x\"]"), new S("B3", "[\"ev3.x\"]"))),
                new Case("three: the middle one overlaps both others", List.of(new S("A4", "[\"ev4.a.*\"]"), new S("B4", "[\"ev4.>\"]"),
                        new S("C4", "[\"ev4.b.*\"]"))),
                new Case("no subjects (listens on its name) and a wildcard", List.of(new S("A5", "[\"*\"]"), new S("ORDERS5", "[]"))),
                new Case("no overlap", List.of(new S("A6", "[\"ev6.a\"]"), new S("B6", "[\"ev6.b\"]"))));
    }

    /** What 2.10 restores: in directory-name order, each stream unless it overlaps one restored before it. */
    private static final java.util.Set<String> RESTORED_BY_2_10 = java.util.Set.of("A1", "A2", "A3", "A4", "C4", "A5", "A6", "B6");
    /** The streams no other one overlaps: the runtime writes them. */
    private static final java.util.Set<String> ALONE = java.util.Set.of("A6", "B6");

    /** What a server did with one stream at one start: restored or not, and its warning if any. */
    private record Seen(boolean loaded, String line) {
    }

    @TestFactory
    Stream<DynamicNode> noStreamIsWritableThatAServerLeavesUnloaded() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            Path made = makeStore();
            Map<String, String> runtime = runtimeSide(StoreFiles.copy(made, tmp.resolve("runtime")));
            return NatsServers.discover().requireV210AndV214Plus().stream().map(b -> dynamicTest(b + ": overlapping streams", () -> {
                // Per stream, what each start did: RESTARTS on one copy, then one start on each further copy.
                Map<String, List<Seen>> seen = new LinkedHashMap<>();
                Path first = StoreFiles.copy(made, tmp.resolve(b.version().toString()).resolve("copy0"));
                List<String> before = StoreFiles.listing(first);
                for (int i = 0; i < RESTARTS; i++) {
                    start(b, first, tmp.resolve(b.version().toString()).resolve("server0-" + i), seen);
                }
                for (int c = 1; c < COPIES; c++) {
                    Path copy = StoreFiles.copy(made, tmp.resolve(b.version().toString()).resolve("copy" + c));
                    start(b, copy, tmp.resolve(b.version().toString()).resolve("server" + c), seen);
                }
                List<String> wrong = new ArrayList<>();
                for (Case c : cases()) {
                    System.out.printf("OVERLAP %s %s%n", b, c.what());
                    for (S s : c.streams()) {
                        List<Seen> starts = seen.get(s.name());
                        String restored = starts.stream().map(x -> x.loaded() ? "R" : "-").reduce("", String::concat);
                        System.out.printf("    %-8s %-14s server starts %s %s%n    %8s runtime: %s%n", s.name(), s.subjects(), restored,
                                starts.stream().map(Seen::line).filter(l -> !l.isEmpty()).distinct().toList(), "", runtime.get(s.name()));
                        if (runtime.get(s.name()).equals("READY") && starts.stream().anyMatch(x -> !x.loaded())) {
                            wrong.add(s.name() + " (" + c.what() + "): writable in the runtime, not restored by " + b + " at start " + restored);
                        }
                        if (b.version().isLine(2, 10) && !restored.equals((RESTORED_BY_2_10.contains(s.name()) ? "R" : "-").repeat(restored.length()))) {
                            wrong.add(s.name() + " (" + c.what() + "): " + b + " restored it at starts " + restored + ", not as its walk by name says");
                        }
                    }
                }
                assertThat(wrong).as("writable in the runtime but left unloaded by " + b).isEmpty();
                // The safe side is not everything read-only: streams that overlap nothing are written.
                for (String alone : ALONE) {
                    assertThat(runtime.get(alone)).as(alone).isEqualTo("READY");
                }
                for (Case c : cases()) {
                    for (S s : c.streams()) {
                        if (!ALONE.contains(s.name())) {
                            assertThat(runtime.get(s.name())).as(s.name()).startsWith("READ_ONLY: nats-server would not restore this stream as it is: "
                                    + "subjects overlap with an existing stream (10065)");
                        }
                    }
                }
                // Refused streams' files are kept: nothing removed, nothing added (the rebuilt
                // streams' index.db aside, which the server writes at its stop).
                List<String> after = StoreFiles.listing(first).stream().filter(l -> !l.contains("index.db")).toList();
                assertThat(names(after)).as(b + ": files after the starts").containsAll(names(before));
            }));
        });
    }

    private static List<String> names(List<String> listing) {
        return listing.stream().map(l -> l.substring(0, l.lastIndexOf(' '))).toList();
    }

    private void start(NatsServerBinary b, Path store, Path work, Map<String, List<Seen>> seen) throws Exception {
        try (NatsServerProcess nats = NatsServerProcess.start(b, store, work, ServerAccounts.GLOBAL);
             NatsClient client = nats.connect(Account.GLOBAL)) {
            String log = nats.log();
            for (Case c : cases()) {
                for (S s : c.streams()) {
                    String line = log.lines().filter(l -> l.contains("\"" + s.name() + "\"")).filter(l -> l.contains("[WRN]") || l.contains("[ERR]"))
                            .findFirst().orElse("").replaceAll("^.*\\[(WRN|ERR)\\] +", "");
                    boolean loaded;
                    try {
                        loaded = client.connection().jetStreamManagement().getStreamInfo(s.name()).getStreamState().getMsgCount() == MESSAGES;
                    } catch (JetStreamApiException e) {
                        loaded = false;
                    }
                    seen.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(new Seen(loaded, line));
                }
            }
        }
    }

    /**
     * Every stream made by the runtime on subjects of its own with {@link #MESSAGES} messages, then
     * its {@code meta.inf} rewritten with the case's subjects (and {@code meta.sum} to match), and
     * every {@code index.db} removed.
     */
    private Path makeStore() throws Exception {
        Path made = tmp.resolve("made");
        Files.createDirectories(made);
        byte[] payload = "x".repeat(200).getBytes(StandardCharsets.UTF_8);
        try (JetStartStore js = JetStart.open(made, RuntimeOptions.defaults())) {
            for (Case c : cases()) {
                for (S s : c.streams()) {
                    String own = "own." + s.name().toLowerCase();
                    JetStartStream stream = js.createStream("$G", StreamConfig.parse(
                            ("{" + io.jetstart.core.testing.MetaInfText.base(s.name(), own) + "}").getBytes(StandardCharsets.UTF_8)));
                    for (int i = 0; i < MESSAGES; i++) {
                        stream.publish(own, payload);
                    }
                }
            }
        }
        for (Case c : cases()) {
            for (S s : c.streams()) {
                String json = "{" + io.jetstart.core.testing.MetaInfText.replaced(io.jetstart.core.testing.MetaInfText.base(s.name(), "x"),
                        "subjects", s.subjects()) + "}";
                MetaFiles.writeStream(made.resolve("jetstream/$G/streams/" + s.name()), s.name(), json.getBytes(StandardCharsets.UTF_8));
            }
        }
        StoreFiles.deleteIndexDbs(made);
        return made;
    }

    /** Per stream: READY, or READ_ONLY / FAILED with the reason. */
    private static Map<String, String> runtimeSide(Path store) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
            for (Case c : cases()) {
                for (S s : c.streams()) {
                    try {
                        JetStartStream stream = js.stream(s.name()).await(Duration.ofSeconds(60));
                        out.put(s.name(), js.stream(s.name()).state() == StreamHandle.State.READ_ONLY
                                ? "READ_ONLY: " + stream.readOnlyReason().orElse("") : "READY");
                    } catch (RuntimeException e) {
                        out.put(s.name(), "FAILED: " + e.getMessage());
                    }
                }
            }
        }
        return out;
    }
}
