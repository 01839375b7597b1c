package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StreamView;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.JetStreamApiException;
import io.jetstart.runtime.PurgeRequest;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.core.store.StoredMessage;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.PublishOptions;
import io.nats.client.PurgeOptions;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The same random sequence of publishes (with msg ids, expected last sequences and expected last
 * subject sequences, right and wrong, on the message's subject or the one
 * {@code Nats-Expected-Last-Subject-Sequence-Subject} names, a wildcard included), deletes and
 * secure erases, subject purges and limit changes (max_msgs,
 * max_bytes, discard old/new) on nats-server 2.14+ (through jnats) and on the
 * runtime: every operation must get the same answer (sequence, duplicate flag, or error code), and
 * at the end both report the same state and hold the same messages. The seed is printed;
 * {@code -Djetstart.model.seed=S} replays it, {@code -Djetstart.model.ops=N} (default 600) sets the length.
 */
class RuntimeModelIT {
    private final Path tmp = Repo.work("RuntimeModelIT");

    @Test
    void theRuntimeAnswersEveryOperationAsTheServerDoes() throws Exception {
        Optional<NatsServerBinary> newest = NatsServers.discover().all().stream().filter(b -> b.version().atLeast(2, 14))
                .reduce((a, b) -> b);
        org.junit.jupiter.api.Assumptions.assumeTrue(newest.isPresent() || NatsServers.isCi(), "no nats-server 2.14+");
        long seed = Long.getLong("jetstart.model.seed", System.nanoTime());
        int ops = Integer.getInteger("jetstart.model.ops", 600);
        System.out.println("[it] RuntimeModelIT: " + ops + " operations, seed " + seed + ", " + newest.get());
        Random random = new Random(seed);
        Path runtimeStore = tmp.resolve("runtime");
        Files.createDirectories(runtimeStore);
        List<String> differences = new ArrayList<>();
        try (NatsServerProcess nats = NatsServerProcess.start(newest.get(), tmp.resolve("server-store"), tmp.resolve("server"),
                ServerAccounts.GLOBAL);
             NatsClient client = nats.connect(Account.GLOBAL);
             JetStartStore store = JetStart.open(runtimeStore, RuntimeOptions.defaults())) {
            JetStreamManagement jsm = client.connection().jetStreamManagement();
            JetStream js = client.connection().jetStream();
            long maxMsgs = 60;
            long maxBytes = -1;
            boolean discardNew = false;
            jsm.addStream(serverConfig(maxMsgs, maxBytes, discardNew));
            JetStartStream rt = store.createStream("$G", runtimeConfig(maxMsgs, maxBytes, discardNew));
            for (int op = 0; op < ops && differences.size() < 10; op++) {
                int kind = random.nextInt(100);
                String before = "state before: " + rt.info().messages() + " msgs, " + rt.info().bytes() + " bytes; limits max_msgs "
                        + maxMsgs + ", max_bytes " + maxBytes + ", discard " + (discardNew ? "new" : "old");
                String context = "op " + op + " (seed " + seed + ")";
                if (kind < 75) {
                    String subject = "m." + random.nextInt(6);
                    byte[] payload = new byte[random.nextInt(40)];
                    random.nextBytes(payload);
                    String msgId = random.nextInt(4) == 0 ? "id-" + random.nextInt(20) : null;
                    long expectLast = random.nextInt(10) == 0 ? rt.info().lastSeq() + (random.nextBoolean() ? 0 : 1) : -1;
                    // Now and then the expectation names another subject (2.12+), a wildcard, or comes without its sequence.
                    int otherKind = random.nextInt(10);
                    String expectOn = otherKind == 0 ? "m." + random.nextInt(6) : otherKind == 1 ? "m.*" : null;
                    long expectSubject = random.nextInt(12) == 0 || otherKind < 2
                            ? rt.lastBySubject(expectOn == null ? subject : expectOn).map(StoredMessage::seq).orElse(0L)
                            + (random.nextBoolean() ? 0 : 1) : -1;
                    if (otherKind == 2 && random.nextInt(4) == 0) {
                        expectOn = "m." + random.nextInt(6);
                        expectSubject = -1;
                    }
                    String server = serverPublish(js, subject, payload, msgId, expectLast, expectSubject, expectOn);
                    String runtime = runtimePublish(rt, subject, payload, msgId, expectLast, expectSubject, expectOn);
                    compare(differences, context + " publish " + subject + " (" + payload.length + " B) id " + msgId + " expect " + expectLast
                            + " subject expect " + expectSubject + " on " + expectOn + " (" + before + ")", server, runtime);
                } else if (kind < 85) {
                    long last = rt.info().lastSeq();
                    if (last == 0) {
                        continue;
                    }
                    long seq = 1 + random.nextInt((int) last);
                    // Half of them secure erases (the server's default for a message delete request).
                    boolean erase = random.nextBoolean();
                    String server;
                    try {
                        server = jsm.deleteMessage("M", seq, erase) ? "deleted" : "not deleted";
                    } catch (io.nats.client.JetStreamApiException e) {
                        server = "error " + e.getApiErrorCode();
                    }
                    String runtime;
                    try {
                        if (erase) {
                            rt.erase(seq);
                        } else {
                            rt.delete(seq);
                        }
                        runtime = "deleted";
                    } catch (JetStreamApiException e) {
                        runtime = "error " + e.errCode();
                    }
                    compare(differences, context + (erase ? " erase " : " delete ") + seq, server, runtime);
                } else if (kind < 95) {
                    String subject = "m." + random.nextInt(6);
                    int keep = random.nextInt(3);
                    long server = jsm.purgeStream("M", PurgeOptions.builder().subject(subject).keep(keep).build()).getPurged();
                    long runtime = rt.purge(new PurgeRequest(subject, keep, 0));
                    compare(differences, context + " purge " + subject + " keep " + keep, "" + server, "" + runtime);
                } else {
                    maxMsgs = 20 + random.nextInt(80);
                    maxBytes = random.nextBoolean() ? -1 : 1500 + random.nextInt(3000);
                    discardNew = random.nextInt(3) == 0;
                    jsm.updateStream(serverConfig(maxMsgs, maxBytes, discardNew));
                    store.updateStream("$G", runtimeConfig(maxMsgs, maxBytes, discardNew));
                }
            }
            rt.flush();
            StreamInfo info = jsm.getStreamInfo("M");
            StreamView view = rt.info();
            compare(differences, "messages", "" + info.getStreamState().getMsgCount(), "" + view.messages());
            compare(differences, "bytes", "" + info.getStreamState().getByteCount(), "" + view.bytes());
            compare(differences, "first seq", "" + info.getStreamState().getFirstSequence(), "" + view.firstSeq());
            compare(differences, "last seq", "" + info.getStreamState().getLastSequence(), "" + view.lastSeq());
            compare(differences, "subjects", "" + info.getStreamState().getSubjectCount(), "" + view.subjects());
            JsApi api = new JsApi(client.connection(), Json.mapper());
            for (long seq = 1; seq <= view.lastSeq() && differences.size() < 20; seq++) {
                Optional<JsonNode> s = api.message("M", seq);
                Optional<StoredMessage> r = rt.get(seq);
                String server = s.map(m -> m.path("subject").asText() + " " + m.path("data").asText("")).orElse("none");
                String runtime = r.map(m -> m.subject() + " " + Base64.getEncoder().encodeToString(m.payload())).orElse("none");
                compare(differences, "message " + seq, server, runtime);
            }
            System.out.println("[it] RuntimeModelIT: " + view.messages() + " messages, last seq " + view.lastSeq());
        }
        assertThat(differences).as("seed " + seed).isEmpty();
    }

    private static void compare(List<String> differences, String what, String server, String runtime) {
        if (!server.equals(runtime)) {
            differences.add(what + ": server " + server + ", runtime " + runtime);
        }
    }

    private static StreamConfiguration serverConfig(long maxMsgs, long maxBytes, boolean discardNew) {
        return StreamConfiguration.builder().name("M").subjects("m.*").retentionPolicy(RetentionPolicy.Limits)
                .storageType(StorageType.File).maxMessages(maxMsgs).maxBytes(maxBytes).maxMessagesPerSubject(15)
                .discardPolicy(discardNew ? io.nats.client.api.DiscardPolicy.New : io.nats.client.api.DiscardPolicy.Old).build();
    }

    private static StreamConfig runtimeConfig(long maxMsgs, long maxBytes, boolean discardNew) throws Exception {
        return StreamConfig.parse(("{\"name\":\"M\",\"subjects\":[\"m.*\"],\"max_msgs\":" + maxMsgs + ",\"max_bytes\":" + maxBytes
                + ",\"max_msgs_per_subject\":15,\"discard\":\"" + (discardNew ? "new" : "old") + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static String serverPublish(JetStream js, String subject, byte[] payload, String msgId, long expectLast,
                                        long expectSubject, String expectOn) {
        PublishOptions.Builder o = PublishOptions.builder();
        Headers headers = new Headers();
        if (expectOn != null) {
            headers.add(io.jetstart.runtime.Headers.EXPECTED_LAST_SUBJECT_SEQ_SUBJECT, expectOn);
        }
        if (expectSubject >= 0) {
            o.expectedLastSubjectSequence(expectSubject);
        }
        if (msgId != null) {
            o.messageId(msgId);
        }
        if (expectLast >= 0) {
            o.expectedLastSequence(expectLast);
        }
        try {
            io.nats.client.api.PublishAck ack = js.publish(subject, headers, payload, o.build());
            return ack.getSeqno() + (ack.isDuplicate() ? " duplicate" : "");
        } catch (io.nats.client.JetStreamApiException e) {
            return "error " + e.getApiErrorCode() + " " + e.getErrorDescription();
        } catch (Exception e) {
            return "exception " + e;
        }
    }

    private static String runtimePublish(JetStartStream rt, String subject, byte[] payload, String msgId, long expectLast,
                                         long expectSubject, String expectOn) {
        List<String> kv = new ArrayList<>();
        if (expectOn != null) {
            kv.addAll(Arrays.asList(io.jetstart.runtime.Headers.EXPECTED_LAST_SUBJECT_SEQ_SUBJECT, expectOn));
        }
        if (expectSubject >= 0) {
            kv.addAll(Arrays.asList(io.jetstart.runtime.Headers.EXPECTED_LAST_SUBJECT_SEQ, Long.toString(expectSubject)));
        }
        if (msgId != null) {
            kv.addAll(Arrays.asList(io.jetstart.runtime.Headers.MSG_ID, msgId));
        }
        if (expectLast >= 0) {
            kv.addAll(Arrays.asList(io.jetstart.runtime.Headers.EXPECTED_LAST_SEQ, Long.toString(expectLast)));
        }
        try {
            io.jetstart.runtime.PublishAck ack = rt.publish(subject, io.jetstart.runtime.Headers.of(kv.toArray(String[]::new)), payload);
            return ack.seq() + (ack.duplicate() ? " duplicate" : "");
        } catch (JetStreamApiException e) {
            return "error " + e.errCode() + " " + e.description();
        } catch (Exception e) {
            return "exception " + e;
        }
    }
}
