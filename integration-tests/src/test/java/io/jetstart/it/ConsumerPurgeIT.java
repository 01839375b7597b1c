package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.runtime.ConsumedMessage;
import io.jetstart.runtime.ConsumerStatus;
import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.PurgeRequest;
import io.jetstart.runtime.RuntimeOptions;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a stream purge does to its consumers (nats-server's {@code stream.go purgeLocked} →
 * {@code consumer.go purge}), scenario by scenario, on nats-server 2.14+ (the newest found) and on
 * the runtime: after every step the consumers' info (delivered, ack floor, ack pending,
 * redelivered, pending) and what a fetch delivers must be the same; after each purge and restart
 * also each consumer's {@code o.dat} (its sequences; the pending times are the clocks'); after a
 * restart of both the restored consumers again.
 *
 * <p>Steps: {@code pub SUBJECT [N]}, {@code fetch C N}, {@code ack|nak|term C SEQ} (a message
 * delivered to C, by stream sequence), {@code purge JSON} (the server's request body),
 * {@code rollup sub|all SUBJECT}, {@code restart}. {@code -Djetstart.consumer.purge.server=2.10} runs the
 * scenarios on 2.10.27 instead, to see where that line differs (it keeps the redelivery counts of
 * messages no longer pending below the new first sequence; its info reports a delivered stream
 * sequence that skipped ahead, with or without a purge; it counts a purged message its redelivery
 * queue passes over as redelivered, 0 times: 5 redelivered where 2.15.1 reports 2 in "ack all,
 * purged pending messages below the floor"); {@code -Djetstart.consumer.purge.only=NAME}
 * runs the scenarios whose name starts with NAME.
 */
class ConsumerPurgeIT {
    private final Path tmp = Repo.work("ConsumerPurgeIT");

    /** One scenario: the stream (its retention), the consumers (JSON configs, the server's fields), the steps. */
    record Scenario(String name, String retention, Map<String, String> consumers, List<String> steps) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String E = "{\"durable_name\":\"E\",\"ack_policy\":\"explicit\",\"ack_wait\":60000000000}";
    private static final String F1 = "{\"durable_name\":\"F1\",\"ack_policy\":\"explicit\",\"ack_wait\":60000000000,\"filter_subject\":\"m.1\"}";
    private static final String FW = "{\"durable_name\":\"FW\",\"ack_policy\":\"explicit\",\"ack_wait\":60000000000,\"filter_subject\":\"m.*\"}";
    private static final String F2 = "{\"durable_name\":\"F2\",\"ack_policy\":\"explicit\",\"ack_wait\":60000000000,\"filter_subject\":\"m.2\"}";
    private static final String F2S = "{\"durable_name\":\"F2S\",\"ack_policy\":\"explicit\",\"ack_wait\":2000000000,\"filter_subject\":\"m.2\"}";
    private static final String A = "{\"durable_name\":\"A\",\"ack_policy\":\"all\",\"ack_wait\":60000000000}";
    private static final String R = "{\"durable_name\":\"R\",\"ack_policy\":\"explicit\",\"ack_wait\":60000000000,\"max_deliver\":2}";

    static List<Scenario> scenarios() {
        List<String> publish = List.of("pub m.1 3", "pub m.2 3", "pub m.1 2", "pub m.3 2");
        return List.of(
                new Scenario("purge all with pending and acked", "limits", consumers(E, A, F1), concat(publish,
                        "fetch E 6", "ack E 2", "ack E 4", "fetch A 5", "ack A 3", "fetch F1 2", "purge {}", "fetch E 3",
                        "pub m.1 2", "fetch E 5", "fetch F1 5", "fetch A 5", "restart", "fetch E 3")),
                new Scenario("purge up to a sequence", "limits", consumers(E, A, F1), concat(publish,
                        "fetch E 4", "ack E 1", "fetch A 6", "fetch F1 1", "purge {\"seq\":4}", "fetch E 2", "fetch F1 2",
                        "purge {\"seq\":7}", "fetch A 3", "restart", "fetch E 5")),
                new Scenario("purge keep", "limits", consumers(E, A, F2), concat(publish,
                        "fetch E 8", "ack E 8", "fetch A 2", "fetch F2 1", "purge {\"keep\":3}", "fetch E 3", "fetch A 4",
                        "fetch F2 3", "restart", "fetch E 3")),
                new Scenario("purge by subject", "limits", consumers(E, F1, FW, F2), concat(publish,
                        "fetch E 4", "ack E 4", "fetch F1 2", "fetch FW 5", "fetch F2 1", "purge {\"filter\":\"m.1\"}",
                        "fetch E 6", "fetch F1 2", "fetch FW 5", "fetch F2 5", "restart", "fetch FW 3")),
                new Scenario("purge by subject keep and seq", "limits", consumers(E, F1, FW), concat(publish,
                        "fetch E 2", "fetch F1 1", "fetch FW 1", "purge {\"filter\":\"m.1\",\"keep\":1}", "fetch F1 3",
                        "fetch E 8", "purge {\"filter\":\"m.2\",\"seq\":6}", "fetch FW 8", "restart", "fetch E 3")),
                new Scenario("purge of redelivered and max delivered", "limits", consumers(R, A), concat(publish,
                        "fetch R 4", "nak R 1", "nak R 2", "fetch R 2", "nak R 1", "fetch R 2", "fetch A 3",
                        "purge {\"seq\":3}", "fetch R 5", "purge {\"filter\":\"m.2\"}", "fetch R 3", "restart", "fetch R 3")),
                new Scenario("purge of one message", "limits", consumers(E, F1), concat(publish,
                        "fetch E 4", "fetch F1 3", "purge {\"filter\":\"m.3\",\"keep\":1}", "purge {\"seq\":2}", "fetch E 3",
                        "restart", "fetch E 2")),
                new Scenario("purge of one pending message above the floor", "limits", consumers(E, FW, A), concat(publish,
                        "fetch E 10", "ack E 1", "fetch FW 10", "ack FW 1", "fetch A 10", "ack A 1", "purge {\"filter\":\"m.3\",\"keep\":1}",
                        "fetch E 2", "pub m.2 1", "rollup all m.3", "fetch FW 3", "restart", "fetch E 2")),
                new Scenario("no-wait fetch that finds nothing, then a purge", "limits", consumers(F2, E), concat(publish,
                        "fetch F2 3", "fetch F2 1", "fetch E 10", "fetch E 1", "purge {\"seq\":5}", "fetch F2 2", "restart", "fetch F2 1")),
                new Scenario("redeliveries then the end of the stream, then a purge", "limits", consumers(F2), concat(publish,
                        "fetch F2 3", "nak F2 4", "nak F2 5", "nak F2 6", "fetch F2 4", "purge {\"seq\":5}", "fetch F2 2")),
                new Scenario("redeliveries after a restart, then a purge", "limits", consumers(F2S), concat(publish,
                        "fetch F2S 3", "restart", "sleep 3500", "fetch F2S 4", "purge {\"seq\":5}", "fetch F2S 2")),
                new Scenario("some redelivered before a restart, all after, then a purge", "limits", consumers(F2S), concat(publish,
                        "fetch F2S 3", "sleep 2500", "fetch F2S 2", "restart", "sleep 3500", "fetch F2S 4", "purge {\"seq\":5}", "fetch F2S 2")),
                new Scenario("work queue: some redelivered before a restart, all after, then a purge", "workqueue", consumers(F2S), concat(publish,
                        "fetch F2S 3", "sleep 2500", "fetch F2S 2", "restart", "sleep 3500", "fetch F2S 4", "purge {\"seq\":5}", "fetch F2S 2")),
                new Scenario("ack all, a wider purge above the floor", "limits", consumers(A, F1), concat(publish,
                        "fetch A 6", "fetch F1 5", "purge {\"filter\":\"m.2\"}", "fetch A 2", "ack A 2", "restart", "fetch A 3")),
                new Scenario("rollups", "limits", consumers(E, F1, A), concat(publish,
                        "fetch E 5", "fetch F1 2", "fetch A 3", "rollup sub m.1", "fetch F1 3", "fetch E 3", "rollup all m.2",
                        "fetch E 3", "fetch A 5", "restart", "fetch F1 2")),
                new Scenario("interest", "interest", consumers(E, F1, A), concat(publish,
                        "fetch E 5", "ack E 1", "fetch F1 2", "fetch A 3", "purge {\"filter\":\"m.1\"}", "fetch E 4", "purge {\"seq\":8}",
                        "fetch A 6", "restart", "fetch E 3")),
                new Scenario("interest, an acked entry below the first sequence, restored", "interest", consumers(E), concat(publish,
                        "fetch E 10", "purge {\"filter\":\"m.3\"}", "ack E 1", "restart", "fetch E 3")),
                new Scenario("ack all, purged pending messages below the floor", "limits", consumers(A), concat(publish,
                        "fetch A 10", "ack A 1", "purge {\"filter\":\"m.2\"}", "nak A 2", "nak A 3", "nak A 4", "nak A 5", "nak A 6",
                        "nak A 7", "fetch A 1", "term A 2", "fetch A 3", "restart", "fetch A 3")),
                new Scenario("work queue", "workqueue", consumers(F1, F2), concat(publish,
                        "fetch F1 2", "ack F1 1", "fetch F2 2", "purge {\"filter\":\"m.2\"}", "fetch F1 3", "fetch F2 2",
                        "purge {}", "pub m.2 2", "fetch F2 3", "restart", "fetch F1 2")));
    }

    private static Map<String, String> consumers(String... json) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String j : json) {
            out.put(read(j).path("durable_name").asText(), j);
        }
        return out;
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(b));
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void consumersAfterAPurgeAreTheServers(Scenario sc) throws Exception {
        // -Djetstart.consumer.purge.server=2.10 runs another line to see where it differs (2.14+ is what the runtime answers as).
        String line = System.getProperty("jetstart.consumer.purge.server", "");
        Optional<NatsServerBinary> newest = NatsServers.discover().all().stream()
                .filter(b -> line.isEmpty() ? b.version().atLeast(2, 14) : b.version().toString().startsWith(line))
                .reduce((a, b) -> b);
        org.junit.jupiter.api.Assumptions.assumeTrue(newest.isPresent() || NatsServers.isCi(), "no nats-server 2.14+");
        String only = System.getProperty("jetstart.consumer.purge.only", "");
        org.junit.jupiter.api.Assumptions.assumeTrue(sc.name().startsWith(only), "jetstart.consumer.purge.only=" + only);
        Path dir = tmp.resolve(sc.name().replace(' ', '-'));
        Path runtimeStore = Files.createDirectories(dir.resolve("runtime"));
        Path serverStore = dir.resolve("server-store");
        List<String> differences = new ArrayList<>();
        String streamJson = "{\"name\":\"M\",\"subjects\":[\"m.*\"],\"retention\":\"" + sc.retention()
                + "\",\"storage\":\"file\",\"allow_rollup_hdrs\":true}";
        NatsServerProcess nats = NatsServerProcess.start(newest.get(), serverStore, dir.resolve("server"), ServerAccounts.GLOBAL);
        NatsClient client = nats.connect(Account.GLOBAL);
        JetStartStore store = JetStart.open(runtimeStore, RuntimeOptions.defaults());
        try {
            request(client.connection(), "$JS.API.STREAM.CREATE.M", streamJson);
            JetStartStream rt = store.createStream("$G", StreamConfig.parse(streamJson.getBytes(StandardCharsets.UTF_8)));
            for (Map.Entry<String, String> c : sc.consumers().entrySet()) {
                request(client.connection(), "$JS.API.CONSUMER.DURABLE.CREATE.M." + c.getKey(),
                        "{\"stream_name\":\"M\",\"config\":" + c.getValue() + "}");
                rt.createConsumer(c.getValue());
            }
            Map<String, List<ServerPull.Delivered>> serverOut = new LinkedHashMap<>();
            Map<String, List<ConsumedMessage>> runtimeOut = new LinkedHashMap<>();
            sc.consumers().keySet().forEach(c -> {
                serverOut.put(c, new ArrayList<>());
                runtimeOut.put(c, new ArrayList<>());
            });
            for (String step : sc.steps()) {
                String[] w = step.split(" ", 3);
                String context = sc.name() + ": " + step;
                switch (w[0]) {
                    case "pub" -> {
                        int n = w.length > 2 ? Integer.parseInt(w[2]) : 1;
                        for (int i = 0; i < n; i++) {
                            client.connection().jetStream().publish(w[1], new byte[] {(byte) i});
                            rt.publish(w[1], new byte[] {(byte) i});
                        }
                    }
                    case "fetch" -> {
                        int batch = Integer.parseInt(w[2]);
                        List<ServerPull.Delivered> s = new ServerPull(client.connection(), "M", w[1]).fetchNoWait(batch);
                        List<ConsumedMessage> r = rt.consumer(w[1]).fetch(batch, 0, Duration.ZERO);
                        serverOut.get(w[1]).addAll(s);
                        runtimeOut.get(w[1]).addAll(r);
                        compare(differences, context, s.stream().map(d -> d.streamSeq() + "/" + d.consumerSeq() + "/" + d.deliveries())
                                .toList().toString(), r.stream().map(m -> m.streamSeq() + "/" + m.consumerSeq() + "/" + m.deliveries())
                                .toList().toString());
                    }
                    case "ack", "nak", "term" -> {
                        long seq = Long.parseLong(w[2]);
                        ServerPull.Delivered sd = last(serverOut.get(w[1]), d -> d.streamSeq() == seq);
                        ConsumedMessage rm = last(runtimeOut.get(w[1]), m -> m.streamSeq() == seq);
                        new ServerPull(client.connection(), "M", w[1]).answer(sd, w[0].equals("ack") ? "+ACK" : w[0].equals("nak") ? "-NAK" : "+TERM");
                        switch (w[0]) {
                            case "ack" -> rm.ack();
                            case "nak" -> rm.nak();
                            default -> rm.term();
                        }
                    }
                    case "purge" -> {
                        JsonNode r = read(request(client.connection(), "$JS.API.STREAM.PURGE.M", step.substring(6)));
                        JsonNode q = read(step.substring(6));
                        long purged = rt.purge(new PurgeRequest(q.path("filter").asText(""), q.path("keep").asLong(0), q.path("seq").asLong(0)));
                        compare(differences, context + " purged", "" + r.path("purged").asLong(), "" + purged);
                    }
                    case "rollup" -> {
                        NatsMessage m = NatsMessage.builder().subject(w[2]).data(new byte[] {9})
                                .headers(new io.nats.client.impl.Headers().add("Nats-Rollup", w[1])).build();
                        client.connection().jetStream().publish(m);
                        rt.publish(w[2], Headers.of("Nats-Rollup", w[1]), new byte[] {9});
                    }
                    case "restart" -> {
                        // nats-server's consumer flusher writes o.dat at most every 100 ms and can clear the
                        // dirty flag of a delivery made while it encodes; stopped inside that window, the
                        // server leaves that delivery out of o.dat (ConsumerRestartIT.ServerView). A stop
                        // after its next write is the clean stop this comparison is about.
                        Thread.sleep(300);
                        client.close();
                        nats.close();
                        store.close();
                        compareOdat(differences, context + " (closed)", sc, serverStore, runtimeStore);
                        nats = NatsServerProcess.start(newest.get(), serverStore, dir.resolve("server"), ServerAccounts.GLOBAL);
                        client = nats.connect(Account.GLOBAL);
                        store = JetStart.open(runtimeStore, RuntimeOptions.defaults());
                        rt = store.stream("M").await(Duration.ofSeconds(30));
                        serverOut.values().forEach(List::clear);
                        runtimeOut.values().forEach(List::clear);
                    }
                    case "sleep" -> Thread.sleep(Long.parseLong(w[1]));
                    default -> throw new IllegalArgumentException(step);
                }
                for (String c : sc.consumers().keySet()) {
                    String runtimeInfo = runtimeInfo(rt.consumerInfo(c));
                    ServerPull pull = new ServerPull(client.connection(), "M", c);
                    String serverInfo = ConsumerModelIT.settled(() -> serverInfo(pull), runtimeInfo);
                    System.out.println("[it] " + context + " info " + c + ": server " + serverInfo
                            + (serverInfo.equals(runtimeInfo) ? "" : " | runtime " + runtimeInfo));
                    compare(differences, context + " info " + c, serverInfo, runtimeInfo);
                }
                if (w[0].equals("purge") || w[0].equals("rollup")) {
                    // Both write o.dat a moment later (the server's flusher, the runtime's housekeeper).
                    Thread.sleep(400);
                    compareOdat(differences, context, sc, serverStore, runtimeStore);
                }
            }
        } finally {
            client.close();
            nats.close();
            store.close();
        }
        assertThat(differences).as(sc.name()).isEmpty();
    }

    private void compareOdat(List<String> differences, String context, Scenario sc, Path serverStore, Path runtimeStore) {
        for (String c : sc.consumers().keySet()) {
            String s = odat(serverStore, c);
            String r = odat(runtimeStore, c);
            System.out.println("[it] " + context + " o.dat " + c + ": server " + s + (s.equals(r) ? "" : " | runtime " + r));
            compare(differences, context + " o.dat " + c, s, r);
        }
    }

    /** o.dat's sequences: delivered, ack floor, pending (stream/consumer), redelivered (stream=count); not its times. */
    private static String odat(Path store, String consumer) {
        try {
            ConsumerState s = ConsumerStateCodec.decode(Files.readAllBytes(
                    store.resolve("jetstream/$G/streams/M/obs").resolve(consumer).resolve("o.dat")));
            return "delivered " + s.delivered().consumerSeq() + "/" + s.delivered().streamSeq()
                    + " ack floor " + s.ackFloor().consumerSeq() + "/" + s.ackFloor().streamSeq()
                    + " pending " + s.pending().stream().sorted(java.util.Comparator.comparingLong(ConsumerState.Pending::streamSeq))
                    .map(p -> p.streamSeq() + "/" + p.consumerSeq()).collect(Collectors.joining(",", "[", "]"))
                    + " redelivered " + s.redelivered().stream().sorted(java.util.Comparator.comparingLong(ConsumerState.Redelivery::streamSeq))
                    .map(p -> p.streamSeq() + "=" + p.count()).collect(Collectors.joining(",", "[", "]"));
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static JsonNode read(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static <T> T last(List<T> list, java.util.function.Predicate<T> p) {
        for (int i = list.size() - 1; i >= 0; i--) {
            if (p.test(list.get(i))) {
                return list.get(i);
            }
        }
        throw new IllegalArgumentException("no such delivery");
    }

    private static String request(Connection c, String subject, String body) throws Exception {
        Message m = c.request(subject, body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
        String answer = new String(m.getData(), StandardCharsets.UTF_8);
        if (read(answer).has("error")) {
            throw new IllegalStateException(subject + " " + body + ": " + answer);
        }
        return answer;
    }

    private static String serverInfo(ServerPull p) throws Exception {
        io.nats.client.api.ConsumerInfo i = p.info();
        return "delivered " + i.getDelivered().getConsumerSequence() + "/" + i.getDelivered().getStreamSequence()
                + " ack floor " + i.getAckFloor().getConsumerSequence() + "/" + i.getAckFloor().getStreamSequence()
                + " ack pending " + i.getNumAckPending() + " redelivered " + i.getRedelivered() + " pending " + i.getNumPending();
    }

    private static String runtimeInfo(ConsumerStatus s) {
        return "delivered " + s.delivered().consumerSeq() + "/" + s.delivered().streamSeq()
                + " ack floor " + s.ackFloor().consumerSeq() + "/" + s.ackFloor().streamSeq()
                + " ack pending " + s.numAckPending() + " redelivered " + s.numRedelivered() + " pending " + s.numPending();
    }


    private static void compare(List<String> differences, String what, String server, String runtime) {
        if (!server.equals(runtime)) {
            differences.add(what + ": server " + server + ", runtime " + runtime);
            System.out.println("[it] DIFF " + what + ": server " + server + ", runtime " + runtime);
        }
    }
}
