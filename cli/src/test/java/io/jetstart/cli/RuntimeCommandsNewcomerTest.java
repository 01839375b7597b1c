package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a newcomer hit in the runtime's commands ({@code publish}, {@code kv}, {@code consume}):
 * wrong options exit 64 before the store is opened, naming the one option that is wrong, its value
 * as typed; an option that would be dropped in silence is refused; an empty answer says so.
 */
class RuntimeCommandsNewcomerTest {
    @TempDir
    Path dir;

    private static TestStores.Run cli(String... args) {
        return TestStores.cli(args);
    }

    /** A wrong option is found before the store is opened: an empty directory stays empty (no lock file, no layout). */
    private void assertUntouched(Path store) throws Exception {
        try (var files = Files.list(store)) {
            assertThat(files.toList()).as("nothing made in the store").isEmpty();
        }
    }

    @Test
    void eachOutOfRangeNumberOfPublishIsNamedAloneWithItsValueAsTyped() throws Exception {
        Path store = Files.createDirectories(dir.resolve("s"));
        String[][] cases = {
            {"--count", "-1", "jetstart: --count must not be negative, got -1\n"},
            {"--size", "-5", "jetstart: --size must not be negative, got -5\n"},
            {"--publishers", "0", "jetstart: --publishers must be at least 1, got 0\n"},
            {"--subjects", "0", "jetstart: --subjects must be 1..1000000, got 0\n"},
        };
        for (String[] c : cases) {
            TestStores.Run r = cli("publish", store.toString(), "S", "--create", "s.*", c[0], c[1]);
            assertThat(r.exit()).as(c[0]).isEqualTo(Main.USAGE);
            assertThat(r.err()).isEqualTo(c[2]);
        }
        assertUntouched(store);
    }

    @Test
    void aStreamLimitWithoutCreateIsRefusedInsteadOfDroppedInSilence() throws Exception {
        Path store = Files.createDirectories(dir.resolve("s"));
        assertThat(cli("publish", store.toString(), "S", "--create", "s.*", "--count", "3").exit()).isZero();
        for (String[] limit : new String[][] {{"--max-msgs", "5"}, {"--max-bytes", "100"}, {"--max-age", "1h"},
            {"--max-msgs-per-subject", "1"}, {"--discard", "new"}}) {
            TestStores.Run r = cli("publish", store.toString(), "S", "--count", "10", limit[0], limit[1]);
            assertThat(r.exit()).as(limit[0]).isEqualTo(Main.USAGE);
            assertThat(r.err()).isEqualTo("jetstart: " + limit[0] + " is a limit of the stream --create makes; without --create, "
                    + "S keeps the config it has\n");
        }
        JsonNode last = cli("get", store.toString(), "S", "--last", ">", "--json").json();
        assertThat(last.path("seq").asLong()).as("nothing published by the refused runs").isEqualTo(3);
    }

    @Test
    void subjectAndSubjectsExcludeEachOtherAndAnEmptySubjectIsAWrongOption() throws Exception {
        Path store = Files.createDirectories(dir.resolve("s"));
        TestStores.Run both = cli("publish", store.toString(), "S", "--create", "s.*", "--subject", "s.a", "--subjects", "3");
        assertThat(both.exit()).isEqualTo(Main.USAGE);
        assertThat(both.err()).startsWith("jetstart: --subject and --subjects exclude each other");
        TestStores.Run empty = cli("publish", store.toString(), "S", "--create", "s.*", "--subject", "");
        assertThat(empty.exit()).as("was 2, after the store was opened").isEqualTo(Main.USAGE);
        assertThat(empty.err()).isEqualTo("jetstart: --subject needs a subject\n");
        assertUntouched(store);
    }

    @Test
    void aMaxAgeUnder100msIsQuotedAsTypedNotAsAJavaDuration() throws Exception {
        Path store = Files.createDirectories(dir.resolve("s"));
        TestStores.Run r = cli("publish", store.toString(), "S", "--create", "s.*", "--max-age", "10ms");
        assertThat(r.exit()).isEqualTo(Main.USAGE);
        assertThat(r.err()).isEqualTo("jetstart: --max-age must be 0 (no limit) or at least 100ms, got 10ms\n");
        assertUntouched(store);
    }

    @Test
    void aCipherWithoutAKeyIsRefusedByPublishAndKvAdd() throws Exception {
        Path store = Files.createDirectories(dir.resolve("s"));
        TestStores.Run publish = cli("publish", store.toString(), "S", "--create", "s.*", "--cipher", "aes");
        assertThat(publish.exit()).as("the stream was made unencrypted, exit 0").isEqualTo(Main.USAGE);
        assertThat(publish.err()).isEqualTo("jetstart: --cipher aes needs --key or --key-file (without a key nothing is encrypted)\n");
        TestStores.Run kv = cli("kv", store.toString(), "b", "add", "--cipher", "chachapoly");
        assertThat(kv.exit()).isEqualTo(Main.USAGE);
        assertThat(kv.err()).contains("--cipher chachapoly needs --key or --key-file");
        TestStores.Run bad = cli("publish", store.toString(), "S", "--create", "s.*", "--cipher", "des");
        assertThat(bad.err()).isEqualTo("jetstart: --cipher must be chachapoly or aes, got des\n");
        assertUntouched(store);
    }

    @Test
    void kvDurationsAreRefusedAsTyped() throws Exception {
        Path store = Files.createDirectories(dir.resolve("s"));
        TestStores.Run marker = cli("kv", store.toString(), "b", "add", "--limit-marker", "500ms");
        assertThat(marker.exit()).isEqualTo(Main.USAGE);
        assertThat(marker.err()).isEqualTo("jetstart: --limit-marker must be at least 1s (jnats's limitMarker), got 500ms\n");
        TestStores.Run ttl = cli("kv", store.toString(), "b", "create", "k", "v", "--ttl", "1500ms");
        assertThat(ttl.exit()).isEqualTo(Main.USAGE);
        assertThat(ttl.err()).isEqualTo("jetstart: --ttl of create must be a whole number of seconds, at least 1s (a Nats-TTL header), "
                + "got 1500ms\n");
        TestStores.Run age = cli("kv", store.toString(), "b", "add", "--ttl", "10ms");
        assertThat(age.exit()).as("was 2, after the open, \"max_age is PT0.01S\"").isEqualTo(Main.USAGE);
        assertThat(age.err()).isEqualTo("jetstart: --ttl of add must be 0 (for ever) or at least 100ms (the stream's max_age), got 10ms\n");
        TestStores.Run revision = cli("kv", store.toString(), "b", "get", "k", "--revision", "-1");
        assertThat(revision.exit()).as("was 2, key not found").isEqualTo(Main.USAGE);
        assertThat(revision.err()).isEqualTo("jetstart: --revision must be 1 or more, got -1\n");
        assertUntouched(store);
    }

    @Test
    void aSyncIntervalWithSyncAlwaysIsRefusedInsteadOfDroppedInSilence() throws Exception {
        Path store = Files.createDirectories(dir.resolve("s"));
        TestStores.Run r = cli("publish", store.toString(), "S", "--create", "s.*", "--sync", "always", "--sync-interval", "1s");
        assertThat(r.exit()).isEqualTo(Main.USAGE);
        assertThat(r.err()).isEqualTo("jetstart: --sync-interval is for --sync interval; --sync always syncs every batch\n");
        assertUntouched(store);
    }

    @Test
    void kvHistoryOfAKeyWithNoEntriesIsKeyNotFoundAsNatsKvHistorySaysIt() throws Exception {
        Path store = Files.createDirectories(dir.resolve("s"));
        assertThat(cli("kv", store.toString(), "cfg", "add").exit()).isZero();
        assertThat(cli("kv", store.toString(), "cfg", "put", "a", "1").exit()).isZero();

        TestStores.Run none = cli("kv", store.toString(), "cfg", "history", "b");
        assertThat(none.exit()).as("a table header over no rows, exit 0").isEqualTo(Main.FAILED);
        assertThat(none.out()).isEmpty();
        assertThat(none.err()).isEqualTo("jetstart: $G > cfg: key not found\n");
        TestStores.Run json = cli("kv", store.toString(), "cfg", "history", "b", "--json");
        assertThat(json.exit()).isEqualTo(Main.FAILED);
        assertThat(json.out()).isEmpty();
        assertThat(cli("kv", store.toString(), "cfg", "history", "a").out()).contains("\na ");
    }

    @Test
    void aLimitMarkerBucketInAVersion1StoreNamesTheFlagThatAllowsIt() throws Exception {
        Path store = Files.createDirectories(dir.resolve("s"));
        TestStores.Run r = cli("kv", store.toString(), "lm", "add", "--limit-marker", "1h");
        assertThat(r.exit()).isEqualTo(Main.FAILED);
        assertThat(r.err()).contains("index.db version 2 or later").contains("give the command --index-version 4")
                .doesNotContain("RuntimeOptions");
    }

    @Test
    void consumeCreateWithANameTheServerRefusesIsAWrongOptionBeforeTheOpen() throws Exception {
        Path store = Files.createDirectories(dir.resolve("s"));
        TestStores.Run r = cli("consume", store.toString(), "S", "a.b", "--create", ">");
        assertThat(r.exit()).as("was 2, after the store was opened").isEqualTo(Main.USAGE);
        assertThat(r.err()).startsWith("jetstart: --create a.b: ").contains("'.'");
        assertUntouched(store);
    }

    @Test
    void theFolderAboveAStoreIsNotMadeIntoANewStore() throws Exception {
        Path above = Files.createDirectories(dir.resolve("fixture"));
        TestStores.copyFixtureStore("nats-2.15.1-small", above);
        Files.writeString(above.resolve("notes.txt"), "not a store");
        java.util.Map<String, String> before = TestStores.digests(above);
        for (String[] args : new String[][] {{"publish", above.toString(), "S", "--count", "1"},
            {"kv", above.toString(), "b", "info"}, {"consume", above.toString(), "S", "C"}}) {
            TestStores.Run r = cli(args);
            assertThat(r.exit()).as(args[0] + " made jetstream/$G/streams/ there and said stream not found").isEqualTo(Main.NO_INPUT);
            assertThat(r.err()).isEqualTo("jetstart: " + above + " holds no JetStream store (no jetstream/ folder, no <account>/streams/ "
                    + "inside) but holds folders: a new store is started only in a directory without folders, so a mistyped path never becomes "
                    + "one; did you mean " + above.resolve("nats-2.15.1-small") + "?\n");
        }
        assertThat(TestStores.digests(above)).as("nothing made or changed").isEqualTo(before);
        assertThat(Files.exists(above.resolve("jetstream"))).isFalse();
        assertThat(Files.exists(above.resolve("jetstart.lock"))).isFalse();
    }

    @Test
    void exportAndPushNameTheStreamsThereAndAMissingStoreAsMissing() throws Exception {
        Path store = TestStores.copyFixtureStore("nats-2.15.1-small", dir);
        TestStores.Run typo = cli("export", store.toString(), "LIM", dir.resolve("out").toString());
        assertThat(typo.exit()).isEqualTo(Main.NO_INPUT);
        assertThat(typo.err()).isEqualTo("jetstart: " + store + " has no stream $G > LIM; streams in $G: INT1, LIM1, MAX1\n");
        TestStores.Run push = cli("push", store.toString(), "LIM", "--server", "nats://127.0.0.1:1");
        assertThat(push.err()).contains("; streams in $G: INT1, LIM1, MAX1");
        Path missing = dir.resolve("natz");
        TestStores.Run gone = cli("export", missing.toString(), "LIM1", dir.resolve("out").toString());
        assertThat(gone.exit()).isEqualTo(Main.NO_INPUT);
        assertThat(gone.err()).as("was 'is not a directory'").isEqualTo("jetstart: " + missing + " does not exist\n");
    }

    @Test
    void oneMessageIsOneMessageInTheSummaries() throws Exception {
        Path store = Files.createDirectories(dir.resolve("s"));
        TestStores.Run p = cli("publish", store.toString(), "S", "--create", "s.*", "--data", "x");
        assertThat(p.out()).startsWith("Published 1 message to $G > S (seq 1..1) in ");
        TestStores.Run c = cli("consume", store.toString(), "S", "C", "--create", ">");
        assertThat(c.out()).contains("\nConsumed 1 message from $G > S > C (stream seq 1..1) in ");
    }
}
