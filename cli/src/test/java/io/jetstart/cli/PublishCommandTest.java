package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishCommandTest {
    @TempDir
    Path dir;

    private static TestStores.Run run(String... args) {
        return TestStores.cli(args);
    }

    @Test
    void publishCreatesTheStreamAndReportsWhatItStoredAndGetReadsItBack() throws Exception {
        TestStores.Run p = run("publish", dir.toString(), "ORDERS", "--create", "orders.*", "--count", "100", "--size", "32", "--subjects", "4",
                "--json");
        assertThat(p.exit()).as(p.err()).isZero();
        JsonNode json = ReportJson.MAPPER.readTree(p.out());
        assertThat(json.path("published").asLong()).isEqualTo(100);
        assertThat(json.path("first_seq").asLong()).isEqualTo(1);
        assertThat(json.path("last_seq").asLong()).isEqualTo(100);
        assertThat(json.path("sync").asText()).isEqualTo("interval");

        TestStores.Run g = run("get", dir.toString(), "ORDERS", "--seq", "7", "--json");
        assertThat(g.exit()).as(g.err()).isZero();
        JsonNode m = ReportJson.MAPPER.readTree(g.out());
        assertThat(m.path("seq").asLong()).isEqualTo(7);
        assertThat(m.path("subject").asText()).startsWith("orders.");
        byte[] data = Base64.getDecoder().decode(m.path("data").asText());
        assertThat(data).hasSize(32).isEqualTo(Payloads.expectedFor(data));

        TestStores.Run last = run("get", dir.toString(), "ORDERS", "--last", "orders.*", "--json");
        assertThat(ReportJson.MAPPER.readTree(last.out()).path("seq").asLong()).isEqualTo(100);
        TestStores.Run beyond = run("get", dir.toString(), "ORDERS", "--seq", "101");
        assertThat(beyond.exit()).isEqualTo(Main.FAILED);
        assertThat(beyond.err()).isEqualTo("jetstart: $G > ORDERS: no message found (seq 101; the stream holds 100 messages, seq 1..100)\n");
        TestStores.Run none = run("get", dir.toString(), "ORDERS", "--last", "other.x");
        assertThat(none.exit()).isEqualTo(Main.FAILED);
        assertThat(none.err()).isEqualTo("jetstart: $G > ORDERS: no message found (last on other.x; the stream holds 100 messages, seq 1..100)\n");
    }

    @Test
    void publishWithDataSendsThatTextAsOneMessageAsNatsPubDoes() throws Exception {
        TestStores.Run p = run("publish", dir.toString(), "ORDERS", "--create", "orders.*", "--subject", "orders.new",
                "--data", "order 1: two coffees", "--json");
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(ReportJson.MAPPER.readTree(p.out()).path("published").asLong()).isEqualTo(1);

        TestStores.Run g = run("get", dir.toString(), "ORDERS", "--last", "orders.new", "--json");
        JsonNode m = ReportJson.MAPPER.readTree(g.out());
        assertThat(m.path("seq").asLong()).isEqualTo(1);
        assertThat(new String(Base64.getDecoder().decode(m.path("data").asText()), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("order 1: two coffees");

        assertThat(run("publish", dir.toString(), "ORDERS", "--subject", "orders.new", "--data", "again", "--count", "3").exit())
                .isZero();
        assertThat(ReportJson.MAPPER.readTree(run("get", dir.toString(), "ORDERS", "--last", "orders.new", "--json").out())
                .path("seq").asLong()).isEqualTo(4);
        TestStores.Run both = run("publish", dir.toString(), "ORDERS", "--data", "x", "--size", "10");
        assertThat(both.exit()).isEqualTo(Main.USAGE);
        assertThat(both.err()).isEqualTo("jetstart: --data and --size exclude each other (the payload is TEXT)\n");
    }

    @Test
    void publishIsRefusedWhileARuntimeHoldsTheStoreButGetStillReads() throws Exception {
        assertThat(run("publish", dir.toString(), "S", "--create", "s", "--count", "3").exit()).isZero();
        try (JetStartStore held = JetStart.open(dir, RuntimeOptions.defaults())) {
            TestStores.Run p = run("publish", dir.toString(), "S", "--count", "1");
            assertThat(p.exit()).isEqualTo(Main.FAILED);
            assertThat(p.err()).contains("already open");
            TestStores.Run g = run("get", dir.toString(), "S", "--seq", "3");
            assertThat(g.exit()).as(g.err()).isZero();
            assertThat(g.out()).contains("$G > S  3");
        }
    }

    @Test
    void publishCreateWritesTheBytesNatsServerWroteForTheSameStreamAfterItsCreatedTime() throws Exception {
        assertThat(run("publish", dir.toString(), "MAX1", "--create", "max1.*", "--max-msgs", "800", "--count", "1").exit()).isZero();

        String mine = Files.readString(dir.resolve("jetstream/$G/streams/MAX1/meta.inf"));
        String server = Files.readString(io.jetstart.core.testing.Fixtures.streamDir(
                io.jetstart.core.testing.Fixtures.root().resolve("nats-2.10.27-small"), "MAX1").resolve("meta.inf"));
        // Everything after "Created":"<time>", byte for byte.
        assertThat(mine.substring(mine.indexOf("\"name\""))).isEqualTo(server.substring(server.indexOf("\"name\"")));
    }

    /** A new store gets 2.10's index.db v1 unless --index-version says 4 (2.14+); another value is a usage error. */
    @Test
    void indexVersionChoosesTheIndexDbANewStoreGets() throws Exception {
        TestStores.Run bad = run("publish", dir.toString(), "S", "--create", "s", "--count", "1", "--index-version", "2");
        assertThat(bad.exit()).isEqualTo(Main.USAGE);
        assertThat(bad.err()).contains("--index-version must be 1 or 4, got 2");
        assertThat(dir.resolve("jetstream")).doesNotExist();
        TestStores.Run p = run("publish", dir.toString(), "S", "--create", "s", "--count", "3", "--index-version", "4");
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(java.nio.file.Files.readAllBytes(dir.resolve("jetstream/$G/streams/S/msgs/index.db"))[1]).isEqualTo((byte) 4);
        assertThat(run("publish", dir.toString(), "T", "--create", "t", "--count", "1").exit()).isZero();
        assertThat(java.nio.file.Files.readAllBytes(dir.resolve("jetstream/$G/streams/T/msgs/index.db"))[1])
                .as("the store's own version, from S's files").isEqualTo((byte) 4);
    }

    @Test
    void aCreateLimitTheServerWouldRefuseIsAUsageErrorNamingTheFieldAndCreatesNothing() {
        TestStores.Run p = run("publish", dir.toString(), "S", "--create", "s", "--max-msgs", "-5");

        assertThat(p.exit()).isEqualTo(Main.USAGE);
        assertThat(p.err()).contains("max_msgs");
        assertThat(dir.resolve("jetstream")).doesNotExist();
    }

    @Test
    void aStreamNotInTheStoreIsNamedWithTheStreamsThereAndHowToCreateIt() {
        TestStores.Run empty = run("publish", dir.toString(), "ORDERS", "--count", "1");
        assertThat(empty.exit()).isEqualTo(Main.FAILED);
        assertThat(empty.err()).isEqualTo("jetstart: $G > ORDERS: stream not found (err_code 10059); no streams in $G; "
                + "--create SUBJECTS creates it\n");
        for (int i = 0; i < NotFoundHints.MAX_NAMES + 2; i++) {
            assertThat(run("publish", dir.toString(), String.format("S%02d", i), "--create", "s" + i, "--count", "0").exit()).isZero();
        }
        TestStores.Run typo = run("publish", dir.toString(), "ORDER", "--count", "1");
        assertThat(typo.err()).as("at most ten names, then how many").isEqualTo("jetstart: $G > ORDER: stream not found (err_code 10059); "
                + "streams in $G: S00, S01, S02, S03, S04, S05, S06, S07, S08, S09, ... (12 in all); --create SUBJECTS creates it\n");
        TestStores.Run get = run("get", dir.toString(), "ORDER", "--seq", "1");
        assertThat(get.exit()).isEqualTo(Main.NO_INPUT);
        assertThat(get.err()).as("get, read-only, names the stream folders there").endsWith(
                "; streams in $G: S00, S01, S02, S03, S04, S05, S06, S07, S08, S09, ... (12 in all)\n").startsWith("jetstart: stream not found: ");
        TestStores.Run otherAccount = run("get", dir.toString(), "ORDER", "--seq", "1", "--account", "ACC");
        assertThat(otherAccount.err()).endsWith("; the store has no account ACC (accounts: $G)\n");
        assertThat(run("publish", dir.toString(), "S00", "--count", "1", "--account", "ACC").err())
                .isEqualTo("jetstart: ACC > S00: stream not found (err_code 10059); no streams in ACC (accounts with streams: $G); "
                        + "--create SUBJECTS creates it\n");
    }

    @Test
    void aSizeAboveTheLargestMessageIsAUsageErrorBeforeTheStoreIsOpened() {
        TestStores.Run p = run("publish", dir.toString(), "S", "--create", "s", "--size", "1048577", "--count", "1");

        assertThat(p.exit()).isEqualTo(Main.USAGE);
        assertThat(p.err()).isEqualTo("jetstart: --size must be 0..1048576 bytes (the largest message the runtime accepts, "
                + "nats-server's default max_payload), got 1048577\n");
        assertThat(dir.resolve("jetstream")).doesNotExist();
    }

    @Test
    void moreSubjectsThanAMillionIsAUsageErrorNotAnOutOfMemoryError() {
        TestStores.Run p = run("publish", dir.toString(), "S", "--create", "s.*", "--subjects", "2000000000", "--count", "1");

        assertThat(p.exit()).isEqualTo(Main.USAGE);
        assertThat(p.err()).isEqualTo("jetstart: --subjects must be 1..1000000, got 2000000000\n");
    }

    @Test
    void getOfSequenceZeroOrBelowIsAUsageError() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", dir);

        for (String seq : new String[] {"0", "-1"}) {
            TestStores.Run g = run("get", store.toString(), "LIM1", "--seq", seq);

            assertThat(g.exit()).isEqualTo(Main.USAGE);
            assertThat(g.err()).isEqualTo("jetstart: --seq must be 1 or more, got " + seq + "\n");
        }
    }

    @Test
    void getOfTheLastOnAnEmptySubjectIsAUsageErrorNotTheStreamsLastMessage() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", dir);

        TestStores.Run g = run("get", store.toString(), "LIM1", "--last", "");

        assertThat(g.exit()).isEqualTo(Main.USAGE);
        assertThat(g.out()).isEmpty();
        assertThat(g.err()).isEqualTo("jetstart: --last needs a subject (> for the last message of any subject)\n");
        assertThat(run("get", store.toString(), "LIM1", "--last", ">").exit()).isEqualTo(Main.OK);
    }

    @Test
    void aWrongSyncPolicyIsAUsageError() {
        assertThat(run("publish", dir.toString(), "S", "--sync", "sometimes").exit()).isEqualTo(Main.USAGE);
    }

    @Test
    void publishWithAKeyCreatesAnEncryptedStreamThatGetReadsOnlyWithTheKey() throws Exception {
        Path keyFile = dir.resolve("jetstream.key");
        java.nio.file.Files.writeString(keyFile, "operator key\n");
        Path store = dir.resolve("store");
        java.nio.file.Files.createDirectories(store);
        TestStores.Run p = run("publish", store.toString(), "SECRET", "--create", "sec.*", "--count", "20", "--size", "40",
                "--key-file", keyFile.toString(), "--cipher", "aes");
        assertThat(p.exit()).as(p.err()).isZero();
        Path sd = store.resolve("jetstream/$G/streams/SECRET");
        assertThat(sd.resolve("meta.key")).exists();
        assertThat(sd.resolve("msgs/1.key")).hasSize(64);

        TestStores.Run g = run("get", store.toString(), "SECRET", "--seq", "7", "--json", "--key", "operator key");
        assertThat(g.exit()).as(g.err()).isZero();
        byte[] data = Base64.getDecoder().decode(ReportJson.MAPPER.readTree(g.out()).path("data").asText());
        assertThat(data).hasSize(40).isEqualTo(Payloads.expectedFor(data));

        TestStores.Run wrong = run("get", store.toString(), "SECRET", "--seq", "7", "--key", "another key");
        assertThat(wrong.exit()).isEqualTo(Main.NO_INPUT);
        assertThat(wrong.err()).contains("wrong key?").contains("meta.key");
        TestStores.Run wrongPublish = run("publish", store.toString(), "SECRET", "--count", "1", "--key", "another key");
        assertThat(wrongPublish.exit()).isEqualTo(Main.NO_INPUT);
        TestStores.Run none = run("get", store.toString(), "SECRET", "--seq", "7");
        assertThat(none.exit()).isNotZero();
        assertThat(none.err()).contains("meta.key");
        TestStores.Run missingKeyFile = run("get", store.toString(), "SECRET", "--seq", "7", "--key-file", dir.resolve("nope").toString());
        assertThat(missingKeyFile.exit()).isEqualTo(Main.USAGE);
        assertThat(missingKeyFile.err()).contains("cannot read the key file").contains("nope");

        TestStores.Run more = run("publish", store.toString(), "SECRET", "--count", "5", "--key-file", keyFile.toString(), "--json");
        assertThat(more.exit()).as(more.err()).isZero();
        assertThat(ReportJson.MAPPER.readTree(more.out()).path("last_seq").asLong()).isEqualTo(25);
    }
}
