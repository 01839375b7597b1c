package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.jetstart.core.meta.MetaFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.testing.NewerConsumerConfigs;
import io.jetstart.core.testing.OddConsumerConfigs;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.RuntimeOptions;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
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
 * What nats-server does at start with a consumer whose {@code meta.inf} is valid JSON with a
 * matching {@code meta.sum} but odd values ({@link OddConsumerConfigs}), and that the runtime
 * never delivers a consumer a server would not restore.
 *
 * <p>One store holds every case, each a stream {@code Onn} (interest, on {@code onn.*}, three
 * messages) with a plain consumer A and the case's consumer B. nats-server 2.10.x and 2.14+ start
 * on a copy each: per case, whether B is there ({@code CONSUMER.INFO}) with which settings, the
 * warning the server logged for it, and whether A and the stream are still served. The runtime
 * opens another copy. A B the runtime delivers must be one every server restores, and an A it
 * delivers one every server serves (2.14+ stop the whole stream for a consumer key they do not
 * know); a plain A is served by the runtime whatever B is, but in such a stream. The findings are printed (and kept in
 * docs/format-notes.md, "Odd consumer configs").
 */
class OddConsumerConfigIT {
    private final Path tmp = Repo.work("OddConsumerConfigIT");

    /** What one side did with one case's B (and A). */
    private record Seen(boolean bServed, boolean aServed, String line, String settings) {
    }

    @TestFactory
    Stream<DynamicNode> whatTheServerDoesNotRestoreTheRuntimeDoesNotDeliver() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            List<OddConsumerConfigs.Case> cases = OddConsumerConfigs.cases();
            Path made = tmp.resolve("made");
            Files.createDirectories(made);
            List<String> names = new ArrayList<>();
            try (JetStartStore js = JetStart.open(made, RuntimeOptions.defaults())) {
                for (int i = 0; i < cases.size(); i++) {
                    String name = String.format("O%02d", i);
                    names.add(name);
                    JetStartStream s = js.createStream("$G", io.jetstart.core.meta.StreamConfig.parse(("{\"name\":\"" + name
                            + "\",\"subjects\":[\"" + name.toLowerCase() + ".*\"],\"retention\":\"interest\"}").getBytes(StandardCharsets.UTF_8)));
                    s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\"}");
                    s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\"}");
                    for (int m = 0; m < 3; m++) {
                        s.publish(name.toLowerCase() + ".x", "m".getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
            for (int i = 0; i < cases.size(); i++) {
                String name = names.get(i);
                MetaFiles.writeConsumer(made.resolve("jetstream/$G/streams/" + name + "/obs/B"), name, "B",
                        cases.get(i).json(name.toLowerCase()).getBytes(StandardCharsets.UTF_8));
            }
            Map<String, Seen> runtime = runtimeSide(StoreFiles.copy(made, tmp.resolve("runtime")), names);
            return NatsServers.discover().requireV210AndV214Plus().stream().map(b -> dynamicTest(b + ": the odd consumers", () -> {
                Path store = StoreFiles.copy(made, tmp.resolve(b.version().toString()).resolve("store"));
                Map<String, Seen> server = new LinkedHashMap<>();
                try (NatsServerProcess nats = NatsServerProcess.start(b, store, tmp.resolve(b.version().toString()).resolve("server"),
                        ServerAccounts.GLOBAL); NatsClient client = nats.connect(Account.GLOBAL)) {
                    Map<String, String> lines = warnings(nats.log(), names);
                    for (String name : names) {
                        server.put(name, serverSide(client, name, lines.getOrDefault(name, "")));
                    }
                }
                for (String name : names) {
                    assertThat(store.resolve("jetstream/$G/streams/" + name + "/obs/B/meta.inf")).as(b + " " + name).exists();
                }
                List<String> wrong = new ArrayList<>();
                for (int i = 0; i < cases.size(); i++) {
                    String name = names.get(i);
                    Seen s = server.get(name);
                    Seen r = runtime.get(name);
                    System.out.printf("ODDC %s %s %-45s server: %s%n    runtime: %s%n", b, name, cases.get(i).what(), s, r);
                    if (r.bServed() && !s.bServed()) {
                        wrong.add(cases.get(i).what() + ": the runtime delivers B, " + b + " does not restore it (" + s.line() + ")");
                    }
                    if (r.aServed() && !s.aServed()) {
                        wrong.add(cases.get(i).what() + ": the runtime serves A, " + b + " does not (" + s.line() + ")");
                    }
                    if (cases.get(i).fate() == OddConsumerConfigs.Fate.NOT_SERVED && !s.bServed()) {
                        wrong.add(cases.get(i).what() + ": taken as a consumer the server restores, but " + b + " does not (" + s.line() + ")");
                    }
                    if (!r.aServed() && cases.get(i).fate() != OddConsumerConfigs.Fate.STREAM_READ_ONLY) {
                        wrong.add(cases.get(i).what() + ": the runtime does not serve A (" + r.line() + ")");
                    }
                }
                assertThat(wrong).as("delivered by the runtime but not restored by " + b).isEmpty();
            }));
        });
    }

    /**
     * Work-queue streams, whose consumers are checked against each other: B's filter edited to
     * overlap A's (nats-server restores it with a warning, "it should be administratively
     * deleted"), both filters removed (the second by name is refused: "multiple non-filtered
     * consumers not allowed on workqueue stream"), B with ack none, B with deliver last. Every
     * consumer the runtime delivers must be one both servers restore.
     */
    @TestFactory
    Stream<DynamicNode> workQueueConsumersTheServerDoesNotRestoreAreNotDelivered() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            Path made = tmp.resolve("wq-made");
            Files.createDirectories(made);
            List<String> names = List.of("W1", "W2", "W3", "W4");
            try (JetStartStore js = JetStart.open(made, RuntimeOptions.defaults())) {
                for (String name : names) {
                    String p = name.toLowerCase();
                    JetStartStream s = js.createStream("$G", io.jetstart.core.meta.StreamConfig.parse(("{\"name\":\"" + name
                            + "\",\"subjects\":[\"" + p + ".*\"],\"retention\":\"workqueue\"}").getBytes(StandardCharsets.UTF_8)));
                    s.createConsumer("{\"durable_name\":\"A\",\"ack_policy\":\"explicit\",\"filter_subject\":\"" + p + ".a\"}");
                    s.createConsumer("{\"durable_name\":\"B\",\"ack_policy\":\"explicit\",\"filter_subject\":\"" + p + ".b\"}");
                    s.publish(p + ".a", "m".getBytes(StandardCharsets.UTF_8));
                    s.publish(p + ".b", "m".getBytes(StandardCharsets.UTF_8));
                }
            }
            editConsumer(made, "W1", "B", "\"w1.b\"", "\"w1.*\"");
            editConsumer(made, "W2", "A", ",\"filter_subject\":\"w2.a\"", "");
            editConsumer(made, "W2", "B", ",\"filter_subject\":\"w2.b\"", "");
            editConsumer(made, "W3", "B", "\"ack_policy\":\"explicit\"", "\"ack_policy\":\"none\"");
            editConsumer(made, "W4", "B", "\"deliver_policy\":\"all\"", "\"deliver_policy\":\"last\"");
            Map<String, String> runtime = new LinkedHashMap<>();
            try (JetStartStore js = JetStart.open(StoreFiles.copy(made, tmp.resolve("wq-runtime")), RuntimeOptions.defaults())) {
                for (String name : names) {
                    JetStartStream s = js.stream(name).await(Duration.ofSeconds(60));
                    for (String c : List.of("A", "B")) {
                        runtime.put(name + "/" + c, s.unrestoredConsumers().containsKey(c) ? "unrestored"
                                : s.consumerInfo(c).notDelivered().orElse("delivered"));
                    }
                    // What A's acks leave: a consumer the server skipped holds nothing there.
                    for (var m : s.consumer("A").fetch(10, 0, Duration.ZERO)) {
                        m.ack();
                    }
                    s.flush();
                    runtime.put(name + "/left", Long.toString(s.info().messages()));
                }
            }
            return NatsServers.discover().requireV210AndV214Plus().stream().map(b -> dynamicTest(b + ": work-queue consumers", () -> {
                Path store = StoreFiles.copy(made, tmp.resolve("wq-" + b.version()).resolve("store"));
                List<String> wrong = new ArrayList<>();
                try (NatsServerProcess nats = NatsServerProcess.start(b, store, tmp.resolve("wq-" + b.version()).resolve("server"),
                        ServerAccounts.GLOBAL); NatsClient client = nats.connect(Account.GLOBAL)) {
                    String log = nats.log();
                    for (String name : names) {
                        for (String c : List.of("A", "B")) {
                            boolean served;
                            try {
                                client.connection().jetStreamManagement().getConsumerInfo(name, c);
                                served = true;
                            } catch (JetStreamApiException e) {
                                served = false;
                            }
                            String r = runtime.get(name + "/" + c);
                            System.out.printf("ODDC-WQ %s %s/%s server: %s    runtime: %s%n", b, name, c, served ? "restored" : "not restored", r);
                            if (r.equals("delivered") && !served) {
                                wrong.add(name + "/" + c + ": the runtime delivers it, " + b + " does not restore it");
                            }
                        }
                    }
                    var jsm = client.connection().jetStreamManagement();
                    for (String name : names) {
                        ServerPull a = new ServerPull(client.connection(), name, "A");
                        for (ServerPull.Delivered d : a.fetchNoWait(10)) {
                            a.answer(d, "+ACK");
                        }
                        long left = jsm.getStreamInfo(name).getStreamState().getMsgCount();
                        String r = runtime.get(name + "/left");
                        System.out.printf("ODDC-WQ %s %s after A's acks: server keeps %d of 2, runtime %s%n", b, name, left, r);
                        // Never fewer than a server keeps; as many as the newest line (2.10.27 lets A's
                        // ack remove a message an overlapping B has not acked, W1).
                        if (Long.parseLong(r) < left || (b.version().atLeast(2, 14) && Long.parseLong(r) != left)) {
                            wrong.add(name + ": after A's acks " + b + " keeps " + left + " messages, the runtime " + r);
                        }
                    }
                    log.lines().filter(l -> l.contains("[WRN]") && (l.contains("workqueue") || l.contains("WorkQueue")))
                            .forEach(l -> System.out.println("ODDC-WQ " + b + " log: " + l.replaceAll("^.*\\[WRN\\] +", "")));
                }
                assertThat(wrong).as("delivered by the runtime but not restored by " + b).isEmpty();
            }));
        });
    }

    /**
     * Creates of consumers with 2.11+ settings ({@link NewerConsumerConfigs}: priority groups,
     * {@code ack_policy: flow_control}) on an empty server of each line, each on a stream of its
     * own, by the raw {@code $JS.API.CONSUMER.CREATE} request. Where 2.15.1 refuses, the runtime
     * refuses with its {@code err_code} and text; where it creates the consumer, the runtime refuses
     * naming what it does not serve, and never makes a consumer that would deliver without it.
     * What 2.10.27 answers is printed (it ignores the priority keys and creates a plain consumer).
     */
    @TestFactory
    Stream<DynamicNode> createsWithNewerSettingsAreRefusedAsTheServerRefusesThem() throws Exception {
        return NatsServers.skipWhenMissing(() -> {
            List<NewerConsumerConfigs.Create> cases = NewerConsumerConfigs.creates();
            Map<String, String> runtime = new LinkedHashMap<>();
            Path made = tmp.resolve("create-runtime");
            Files.createDirectories(made);
            try (JetStartStore js = JetStart.open(made, RuntimeOptions.defaults())) {
                for (int i = 0; i < cases.size(); i++) {
                    NewerConsumerConfigs.Create c = cases.get(i);
                    String name = String.format("C%02d", i);
                    JetStartStream s = js.createStream("$G", io.jetstart.core.meta.StreamConfig.parse(streamJson(name, c)
                            .getBytes(StandardCharsets.UTF_8)));
                    String answer;
                    try {
                        s.createConsumer(c.config(name.toLowerCase()));
                        answer = "created";
                    } catch (io.jetstart.runtime.JetStreamApiException e) {
                        answer = e.errCode() + " " + e.description();
                    } catch (UnsupportedOperationException e) {
                        answer = "not served: " + e.getMessage();
                    }
                    runtime.put(name, answer);
                }
            }
            ObjectMapper json = new ObjectMapper();
            return NatsServers.discover().requireV210AndV214Plus().stream().map(b -> dynamicTest(b + ": creates with newer settings", () -> {
                Path store = tmp.resolve("create-" + b.version()).resolve("store");
                Files.createDirectories(store);
                List<String> wrong = new ArrayList<>();
                try (NatsServerProcess nats = NatsServerProcess.start(b, store, tmp.resolve("create-" + b.version()).resolve("server"),
                        ServerAccounts.GLOBAL); NatsClient client = nats.connect(Account.GLOBAL)) {
                    for (int i = 0; i < cases.size(); i++) {
                        NewerConsumerConfigs.Create c = cases.get(i);
                        String name = String.format("C%02d", i);
                        rawRequest(client, json, "$JS.API.STREAM.CREATE." + name, streamJson(name, c));
                        JsonNode a = rawRequest(client, json, "$JS.API.CONSUMER.CREATE." + name + ".B",
                                "{\"stream_name\":\"" + name + "\",\"config\":" + c.config(name.toLowerCase()) + "}");
                        String server = a.has("error") ? a.path("error").path("err_code").asInt() + " " + a.path("error").path("description").asText()
                                : "created: " + a.path("config").toString();
                        String r = runtime.get(name);
                        System.out.printf("ODDC-CREATE %s %s %-62s server: %s%n    runtime: %s%n", b, name, c.what(), server, r);
                        if (r.equals("created")) {
                            wrong.add(c.what() + ": the runtime created a consumer that would deliver without the setting");
                        }
                        if (b.version().atLeast(2, 14)) {
                            String expected = c.errCode() == 0 ? "created" : c.errCode() + " " + c.text();
                            if (!(c.errCode() == 0 ? server.startsWith("created") : server.equals(expected))) {
                                wrong.add(c.what() + ": " + b + " answered " + server + ", the table says " + expected);
                            }
                            if (c.errCode() != 0 && !r.equals(expected)) {
                                wrong.add(c.what() + ": the runtime answered " + r + ", " + b + " " + server);
                            }
                            if (c.errCode() == 0 && !(r.startsWith("not served: ") && r.contains(c.text()))) {
                                wrong.add(c.what() + ": the runtime answered " + r + ", not a refusal naming " + c.text());
                            }
                        }
                    }
                }
                assertThat(wrong).as("creates with newer settings on " + b).isEmpty();
            }));
        });
    }

    private static String streamJson(String name, NewerConsumerConfigs.Create c) {
        return "{\"name\":\"" + name + "\",\"subjects\":[\"" + name.toLowerCase() + ".*\"]"
                + (c.workQueue() ? ",\"retention\":\"workqueue\"" : "") + "}";
    }

    private static JsonNode rawRequest(NatsClient client, ObjectMapper json, String subject, String body) throws Exception {
        io.nats.client.Message reply = client.connection().request(subject, body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
        assertThat(reply).as("an answer to " + subject).isNotNull();
        return json.readTree(reply.getData());
    }

    /** Replaces {@code from} by {@code to} in a consumer's meta.inf and writes its meta.sum to match. */
    private static void editConsumer(Path store, String stream, String consumer, String from, String to) throws Exception {
        Path dir = store.resolve("jetstream/$G/streams/" + stream + "/obs/" + consumer);
        String text = Files.readString(dir.resolve("meta.inf"), StandardCharsets.UTF_8);
        assertThat(text).as(stream + "/" + consumer).contains(from);
        MetaFiles.writeConsumer(dir, stream, consumer, text.replace(from, to).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The first warning each stream's consumers drew, by stream: 2.14+ name the stream (or the
     * metafile's path) in the line; 2.10 do not, but restore one stream's consumers after its
     * "Recovering N consumers for stream - '$G > Onn'" line.
     */
    private static Map<String, String> warnings(String log, List<String> names) {
        Map<String, String> out = new LinkedHashMap<>();
        String current = null;
        for (String l : log.lines().toList()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("consumers for stream - '\\$G > (O\\d\\d)'").matcher(l);
            if (m.find()) {
                current = m.group(1);
                continue;
            }
            if (!(l.contains("[WRN]") || l.contains("[ERR]"))) {
                continue;
            }
            String about = current;
            for (String n : names) {
                if (l.contains("/" + n + "/") || l.contains("> " + n + " ") || l.contains("> " + n + "'")) {
                    about = n;
                }
            }
            if (about != null) {
                out.merge(about, l.replaceAll("^.*\\[(WRN|ERR)\\] +", ""), (a, x) -> a + " | " + x);
            }
        }
        return out;
    }

    private static Seen serverSide(NatsClient client, String name, String line) throws Exception {
        var jsm = client.connection().jetStreamManagement();
        boolean aServed;
        try {
            jsm.getConsumerInfo(name, "A");
            aServed = true;
        } catch (JetStreamApiException | RuntimeException e) {
            aServed = false;
        }
        try {
            ConsumerInfo info = jsm.getConsumerInfo(name, "B");
            ConsumerConfiguration c = info.getConsumerConfiguration();
            // 2.14+ answer for a consumer it could not decode with a stand-in (and stop the stream).
            boolean offline = line.contains("unmarshalling") || line.contains("unsupported");
            String settings = "ack " + c.getAckPolicy() + ", max_deliver " + c.getMaxDeliver() + ", ack_wait " + c.getAckWait()
                    + ", max_ack_pending " + c.getMaxAckPending() + ", max_waiting " + c.getMaxPullWaiting()
                    + ", deliver " + c.getDeliverPolicy() + ", push " + (c.getDeliverSubject() != null) + ", pending " + info.getNumPending();
            return new Seen(!offline, aServed, line, settings);
        } catch (JetStreamApiException e) {
            return new Seen(false, aServed, line, "CONSUMER.INFO: " + e.getApiErrorCode() + " " + e.getErrorDescription());
        } catch (RuntimeException e) {
            return new Seen(true, aServed, line, "jnats could not read the info back: " + e.getMessage());
        }
    }

    private static Map<String, Seen> runtimeSide(Path store, List<String> names) throws Exception {
        Map<String, Seen> out = new LinkedHashMap<>();
        try (JetStartStore js = JetStart.open(store, RuntimeOptions.defaults())) {
            for (String name : names) {
                JetStartStream s = js.stream(name).await(Duration.ofSeconds(60));
                if (s.readOnlyReason().isPresent()) {
                    out.put(name, new Seen(false, false, "stream read-only: " + s.readOnlyReason().get(), "-"));
                    continue;
                }
                boolean aServed = s.consumerInfo("A").notDelivered().isEmpty();
                if (s.unrestoredConsumers().containsKey("B")) {
                    out.put(name, new Seen(false, aServed, "unrestored: " + s.unrestoredConsumers().get("B"), "-"));
                    continue;
                }
                var b = s.consumerInfo("B").notDelivered();
                out.put(name, new Seen(b.isEmpty(), aServed, b.orElse("delivered"), "-"));
            }
        }
        return out;
    }
}
