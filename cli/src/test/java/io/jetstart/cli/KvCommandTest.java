package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.RuntimeOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvCommandTest {
    @TempDir
    Path dir;

    private TestStores.Run kv(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "kv";
        all[1] = dir.toString();
        all[2] = "cfg";
        System.arraycopy(args, 0, all, 3, args.length);
        return TestStores.cli(all);
    }

    @Test
    void aValueOnStdinLongerThanTheLargestMessageIsRefusedWithoutReadingTheRest() throws Exception {
        assertThat(kv("add").exit()).isZero();
        long[] read = {0};
        long supply = 8L << 20; // as `yes | jetstart kv ... put KEY`, but with an end, so the old reader ends too
        java.io.InputStream yes = new java.io.InputStream() {
            @Override
            public int read() {
                if (read[0] == supply) {
                    return -1;
                }
                read[0]++;
                return 'y';
            }
        };
        java.io.InputStream stdin = System.in;
        TestStores.Run put;
        try {
            System.setIn(yes);
            put = kv("put", "k");
        } finally {
            System.setIn(stdin);
        }

        assertThat(put.exit()).isEqualTo(Main.USAGE);
        assertThat(put.err()).contains("maximum payload exceeded");
        assertThat(read[0]).as("bytes read from stdin").isLessThanOrEqualTo(1_048_577);
    }

    @Test
    void aValueOnStdinIsReadBeforeTheStoreIsOpenedSoItsLockIsNotHeldWhileWaitingForIt() throws Exception {
        assertThat(kv("add").exit()).isZero();
        java.io.InputStream stdin = System.in;
        TestStores.Run put;
        try (JetStartStore held = JetStart.open(dir, RuntimeOptions.defaults())) {
            java.io.ByteArrayInputStream typed = new java.io.ByteArrayInputStream("typed".getBytes(StandardCharsets.UTF_8));
            System.setIn(typed);
            put = kv("put", "k");
            // Read whole before the store (held here) refused the command: the lock was not taken first.
            assertThat(typed.available()).isZero();
        } finally {
            System.setIn(stdin);
        }
        assertThat(put.exit()).isEqualTo(Main.FAILED);
        assertThat(put.err()).contains("already open");
    }

    @Test
    void addPutGetKeysHistoryDelAndPurgeWorkAsNatsKvDoes() throws Exception {
        TestStores.Run add = kv("add", "--history", "5", "--ttl", "1h", "--json");
        assertThat(add.exit()).as(add.err()).isZero();
        JsonNode info = ReportJson.MAPPER.readTree(add.out());
        assertThat(info.path("stream").asText()).isEqualTo("KV_cfg");
        assertThat(info.path("history").asInt()).isEqualTo(5);
        assertThat(info.path("ttl").asLong()).isEqualTo(3_600_000_000_000L);

        TestStores.Run put = kv("put", "app.name", "jetstart");
        assertThat(put.exit()).as(put.err()).isZero();
        assertThat(put.out()).isEqualTo("jetstart\n");
        assertThat(put.err()).contains("revision 1");
        assertThat(kv("put", "app.name", "v2").exit()).isZero();
        assertThat(kv("put", "db.host", "localhost").exit()).isZero();

        TestStores.Run get = kv("get", "app.name");
        assertThat(get.out()).startsWith("cfg > app.name revision: 2 created @ ").endsWith("\n\nv2\n");
        JsonNode g = ReportJson.MAPPER.readTree(kv("get", "app.name", "--revision", "1", "--json").out());
        assertThat(new String(Base64.getDecoder().decode(g.path("value").asText()), StandardCharsets.UTF_8)).isEqualTo("jetstart");
        assertThat(g.path("operation").asText()).isEqualTo("PUT");
        assertThat(g.path("revision").asLong()).isEqualTo(1);

        assertThat(kv("keys").out()).isEqualTo("app.name\ndb.host\n");
        assertThat(kv("keys", "db.*", "--json").out().strip()).isEqualTo("[\"db.host\"]");

        assertThat(kv("del", "db.host").exit()).isZero();
        assertThat(kv("get", "db.host").exit()).isEqualTo(Main.FAILED);
        assertThat(kv("keys").out()).isEqualTo("app.name\n");
        TestStores.Run none = kv("keys", "db.*");
        assertThat(none.out()).isEmpty();
        assertThat(none.err()).isEqualTo("No keys found in bucket matching db.*\n");
        assertThat(kv("purge", "app.name").exit()).isZero();
        assertThat(kv("keys").err()).isEqualTo("No keys found in bucket\n");
        assertThat(kv("keys", "--json").out().strip()).isEqualTo("[]");
        JsonNode h = ReportJson.MAPPER.readTree(kv("history", "app.name", "--json").out());
        assertThat(h).hasSize(1);
        assertThat(h.get(0).path("operation").asText()).isEqualTo("PURGE");
        assertThat(h.get(0).path("revision").asLong()).isEqualTo(5);
        TestStores.Run table = kv("history", "db.host");
        assertThat(table.out()).contains("KEY", "REVISION").contains("localhost").contains(" DEL ");
    }

    @Test
    void createAndUpdateRefuseWithTheServersWrongLastSequence() {
        assertThat(kv("add").exit()).isZero();
        assertThat(kv("create", "k", "one").exit()).isZero();
        TestStores.Run again = kv("create", "k", "two");
        assertThat(again.exit()).isEqualTo(Main.FAILED);
        assertThat(again.err()).contains("wrong last sequence: 1");
        assertThat(kv("update", "k", "two", "1").exit()).isZero();
        assertThat(kv("update", "k", "three", "1").err()).contains("wrong last sequence: 2");
    }

    @Test
    void wrongNamesOperationsAndArgumentsAreUsageErrors() {
        assertThat(kv("frob").exit()).isEqualTo(Main.USAGE);
        assertThat(kv("get").exit()).isEqualTo(Main.USAGE);
        assertThat(kv("add", "--history", "65").err()).contains("Max History must be from 1 to 64 inclusive.");
        assertThat(kv("update", "k", "v", "x").exit()).isEqualTo(Main.USAGE);
        assertThat(kv("get", "k", "--history", "3").err()).contains("--history is for add, not get");
        assertThat(kv("keys", "--revision", "3").err()).contains("--revision is for get, not keys");
        assertThat(kv("del", "k", "--json").exit()).isEqualTo(Main.USAGE);
        assertThat(kv("add").exit()).isZero();
        TestStores.Run badKey = kv("put", ".k", "v");
        assertThat(badKey.exit()).isEqualTo(Main.USAGE);
        assertThat(badKey.err()).contains("Key must only contain");
        StringWriter err = new StringWriter();
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "kv", dir.toString(), "a.b", "info"))
                .isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("Bucket Name must only contain");
    }

    @Test
    void aMissingBucketFailsAndRmDeletesOne() throws Exception {
        TestStores.Run missing = kv("get", "k");
        assertThat(missing.exit()).isEqualTo(Main.FAILED);
        assertThat(missing.err()).as("the bucket named as a bucket, its stream as KV_<bucket>")
                .isEqualTo("jetstart: $G > cfg: bucket not found (no stream KV_cfg, err_code 10059); no buckets in $G; "
                        + "kv STORE_DIR cfg add creates it\n");
        assertThat(TestStores.cli("kv", dir.toString(), "other", "add").exit()).isZero();
        assertThat(TestStores.cli("publish", dir.toString(), "PLAIN", "--create", "p", "--count", "1").exit()).isZero();
        assertThat(kv("rm").err()).as("rm of a missing bucket; a plain stream is not a bucket")
                .isEqualTo("jetstart: $G > cfg: bucket not found (no stream KV_cfg, err_code 10059); buckets in $G: other; "
                        + "kv STORE_DIR cfg add creates it\n");
        assertThat(kv("add").exit()).isZero();
        assertThat(kv("rm").exit()).isZero();
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            assertThat(store.stream("KV_cfg").ready()).failsWithin(java.time.Duration.ofSeconds(30));
        }
    }

    @Test
    void withTheKeyABucketIsCreatedEncryptedWithTheCipherAskedForAndAWrongKeyExits66NamingMetaKey() throws Exception {
        Path keyFile = dir.resolve("jetstream.key");
        java.nio.file.Files.writeString(keyFile, "operator key\n");
        TestStores.Run add = kv("add", "--history", "3", "--key-file", keyFile.toString(), "--cipher", "aes");
        assertThat(add.exit()).as(add.err()).isZero();
        Path sd = dir.resolve("jetstream/$G/streams/KV_cfg");
        assertThat(sd.resolve("meta.key")).as("AES key file").hasSize(io.jetstart.core.crypto.StoreCipher.AES.keyFileBytes());
        assertThat(kv("put", "app.name", "secret value", "--key", "operator key").exit()).isZero();
        assertThat(kv("put", "app.name", "second secret", "--key", "operator key").exit()).isZero();

        TestStores.Run get = kv("get", "app.name", "--json", "--key-file", keyFile.toString());
        assertThat(get.exit()).as(get.err()).isZero();
        JsonNode entry = ReportJson.MAPPER.readTree(get.out());
        assertThat(entry.path("revision").asLong()).isEqualTo(2);
        assertThat(new String(Base64.getDecoder().decode(entry.path("value").asText()), StandardCharsets.UTF_8)).isEqualTo("second secret");
        TestStores.Run history = kv("history", "app.name", "--json", "--key", "operator key");
        assertThat(history.exit()).as(history.err()).isZero();
        assertThat(ReportJson.MAPPER.readTree(history.out())).hasSize(2);
        try (java.util.stream.Stream<Path> blocks = java.nio.file.Files.list(sd.resolve("msgs"))) {
            for (Path b : blocks.filter(p -> p.toString().endsWith(".blk")).toList()) {
                assertThat(new String(java.nio.file.Files.readAllBytes(b), StandardCharsets.ISO_8859_1)).as(b + " is ciphertext")
                        .doesNotContain("secret").doesNotContain("app.name");
            }
        }

        TestStores.Run wrong = kv("get", "app.name", "--key", "another key");
        assertThat(wrong.exit()).isEqualTo(Main.NO_INPUT);
        assertThat(wrong.err()).contains("wrong key?").contains("meta.key");
        TestStores.Run none = kv("get", "app.name");
        assertThat(none.exit()).isEqualTo(Main.FAILED);
        assertThat(none.err()).contains("meta.key");
        TestStores.Run badCipher = kv("add", "--key", "operator key", "--cipher", "rot13");
        assertThat(badCipher.exit()).isEqualTo(Main.USAGE);
        assertThat(badCipher.err()).contains("--cipher must be chachapoly or aes");
    }
}
