package io.jetstart.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jetstart kv} with limit markers and per-key TTLs: {@code add --limit-marker},
 * {@code create --ttl}, {@code purge --ttl}, and {@code info} of a bucket jnats made with
 * {@code limitMarker} ({@code KV_KVT} of {@code nats-2.15.1-features}, whose {@code index.db}
 * files are of a version that takes TTLs, so a new marker bucket can be added to it too).
 */
class KvLimitMarkerCommandTest {
    @TempDir
    Path dir;

    private Path store;

    private TestStores.Run kv(String bucket, String... args) throws Exception {
        if (store == null) {
            store = Fixtures.copyStore("nats-2.15.1-features", dir);
        }
        String[] all = new String[args.length + 3];
        all[0] = "kv";
        all[1] = store.toString();
        all[2] = bucket;
        System.arraycopy(args, 0, all, 3, args.length);
        return TestStores.cli(all);
    }

    @Test
    void infoShowsTheLimitMarkerOfABucketJnatsMadeWithOne() throws Exception {
        TestStores.Run info = kv("KVT", "info");
        assertThat(info.exit()).as(info.err()).isZero();
        assertThat(info.out()).contains("  History: 3\n").contains("  Limit marker TTL: 10s\n");
        JsonNode j = kv("KVT", "info", "--json").json();
        assertThat(j.path("limit_marker").asLong()).isEqualTo(10_000_000_000L);
        assertThat(j.path("ttl").asLong()).isZero();
    }

    @Test
    void addWithALimitMarkerThenCreateAndPurgeWithATtl() throws Exception {
        TestStores.Run add = kv("lm", "add", "--history", "3", "--limit-marker", "1h", "--json");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(add.json().path("limit_marker").asLong()).isEqualTo(3_600_000_000_000L);
        assertThat(kv("lm", "info").out()).contains("  Limit marker TTL: 1h0m0s\n");

        TestStores.Run create = kv("lm", "create", "k", "v", "--ttl", "2h");
        assertThat(create.exit()).as(create.err()).isZero();
        assertThat(kv("lm", "create", "k", "again", "--ttl", "2h").err()).contains("wrong last sequence: 1");
        assertThat(kv("lm", "put", "p", "p1").exit()).isZero();
        assertThat(kv("lm", "purge", "p", "--ttl", "2h").exit()).isZero();
        JsonNode h = kv("lm", "history", "p", "--json").json();
        assertThat(h).hasSize(1);
        assertThat(h.get(0).path("operation").asText()).isEqualTo("PURGE");
        assertThat(kv("lm", "keys").out()).isEqualTo("k\n");
    }

    @Test
    void aTtlIsForAddCreateAndPurgeInWholeSecondsAndALimitMarkerForAddOnly() throws Exception {
        assertThat(kv("lm", "put", "k", "v", "--ttl", "5s").err()).contains("--ttl is for add, create and purge, not put");
        assertThat(kv("lm", "info", "--limit-marker", "5s").err()).contains("--limit-marker is for add, not info");
        TestStores.Run small = kv("lm", "add", "--limit-marker", "500ms");
        assertThat(small.exit()).isEqualTo(Main.USAGE);
        assertThat(small.err()).contains("--limit-marker must be at least 1s (jnats's limitMarker), got 500ms");
        TestStores.Run half = kv("lm", "create", "k", "v", "--ttl", "1.5s");
        assertThat(half.exit()).isEqualTo(Main.USAGE);
        assertThat(half.err()).contains("--ttl of create must be a whole number of seconds, at least 1s (a Nats-TTL header), got 1.5s");
        assertThat(kv("plain", "add").exit()).isZero();
        TestStores.Run refused = kv("plain", "create", "k", "v", "--ttl", "5s");
        assertThat(refused.exit()).as("a bucket without a limit marker: the server's 10166").isEqualTo(Main.FAILED);
        assertThat(refused.err()).contains("10166");
    }
    /**
     * A new store has no index.db to take a version from, so the runtime writes 2.10's v1, which
     * cannot count TTLs: a limit-marker bucket needs {@code --index-version 4} there (and then the
     * store's later commands find v4 in its files without it).
     */
    @Test
    void aNewStoreTakesALimitMarkerBucketWithIndexVersion4() throws Exception {
        store = java.nio.file.Files.createDirectories(dir.resolve("fresh"));
        TestStores.Run v1 = kv("lm", "add", "--limit-marker", "1h");
        assertThat(v1.exit()).as(v1.err()).isNotZero();
        assertThat(v1.err()).contains("index.db version 2 or later");
        TestStores.Run bad = kv("lm", "add", "--limit-marker", "1h", "--index-version", "3");
        assertThat(bad.exit()).isEqualTo(Main.USAGE);
        assertThat(bad.err()).contains("--index-version must be 1 or 4, got 3");
        TestStores.Run v4 = kv("lm2", "add", "--limit-marker", "1h", "--index-version", "4");
        assertThat(v4.exit()).as(v4.err()).isZero();
        TestStores.Run create = kv("lm2", "create", "k", "v", "--ttl", "2h");
        assertThat(create.exit()).as(create.err()).isZero();
        assertThat(kv("lm2", "get", "k").out()).endsWith("\n\nv\n");
        assertThat(java.nio.file.Files.readAllBytes(store.resolve("jetstream/$G/streams/KV_lm2/msgs/index.db"))[1]).isEqualTo((byte) 4);
    }
}
