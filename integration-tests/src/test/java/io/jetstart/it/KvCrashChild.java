package io.jetstart.it;

import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.kv.KeyValue;
import io.jetstart.runtime.kv.KeyValueConfig;
import io.jetstart.runtime.kv.KeyValueEntry;
import io.jetstart.runtime.kv.KeyValueOperation;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The process {@link KvCrashIT} kills: opens a store holding bucket {@code CRASH} (made by
 * {@link #fill}, a history of 3 to 5) with the embedded runtime and, until killed, does to its keys
 * what KV users do through the runtime's {@code kv} package: put, update at the key's revision,
 * create on a key without a value, delete (a {@code DEL} marker) and purge (a {@code PURGE} marker
 * with {@code Nats-Rollup: sub}, which leaves only the marker of the key).
 *
 * <p>Its stdout, one line each, every line flushed before the next: {@code ready}; then for each
 * operation {@code doing <op> <key> <n>} before it and {@code done <revision>} when it returned (its
 * ack), where {@code op} is {@code put}, {@code update}, {@code create}, {@code delete} or
 * {@code purge} and a value written is {@link #value value(key, n)}.
 *
 * <p>Arguments: {@code <store dir> <seed> <sync interval ms>}.
 */
public final class KvCrashChild {
    static final String BUCKET = "CRASH";
    static final int KEYS = 40;
    /** 4 KiB blocks of ~100-byte records: ~40 entries a block; history limits empty blocks all the time. */
    static final int BLOCK_SIZE = 4 * 1024;
    /** Entries the fill writes: every key gets a few. */
    static final int FILLED = 2_000;

    private KvCrashChild() {
    }

    static String key(int k) {
        return "key." + k;
    }

    /** The value operation {@code n} writes to {@code key}: it names both, so an entry checks itself. */
    static byte[] value(String key, long n) {
        return ("kv crash " + key + " op " + n + " " + "v".repeat((int) (n % 53))).getBytes(StandardCharsets.UTF_8);
    }

    static RuntimeOptions options() {
        return RuntimeOptions.defaults().withBlockSize(BLOCK_SIZE);
    }

    /** Creates bucket {@code CRASH} with {@code history} in {@code storeDir} and puts {@link #FILLED} values (ops 0..). */
    static void fill(Path storeDir, int history) throws Exception {
        try (JetStartStore js = JetStart.open(storeDir, options())) {
            KeyValue kv = js.createKeyValue(KeyValueConfig.of(BUCKET).withHistory(history));
            for (int n = 0; n < FILLED; n++) {
                String key = key(n % KEYS);
                kv.put(key, value(key, n));
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path storeDir = Path.of(args[0]);
        Random random = new Random(Long.parseLong(args[1]));
        RuntimeOptions options = options().withSyncInterval(Duration.ofMillis(Long.parseLong(args[2])));
        PrintStream out = CrashReaders.childOut();
        try (JetStartStore js = JetStart.open(storeDir, options)) {
            KeyValue kv = js.keyValue(BUCKET);
            // Each key's latest revision and whether it has a value (its latest entry a put).
            Map<String, Long> last = new HashMap<>();
            Map<String, Boolean> hasValue = new HashMap<>();
            for (int k = 0; k < KEYS; k++) {
                List<KeyValueEntry> h = kv.history(key(k));
                if (!h.isEmpty()) {
                    last.put(key(k), h.getLast().revision());
                    hasValue.put(key(k), h.getLast().operation() == KeyValueOperation.PUT);
                }
            }
            CrashReaders.line(out, "ready");
            for (long n = FILLED; ; n++) {
                String key = key(random.nextInt(KEYS));
                boolean has = hasValue.getOrDefault(key, false);
                int draw = random.nextInt(100);
                String op = !has ? (draw < 50 ? "create" : "put")
                        : draw < 45 ? "put" : draw < 65 ? "update" : draw < 88 ? "delete" : "purge";
                CrashReaders.line(out, "doing " + op + " " + key + " " + n);
                long rev = switch (op) {
                    case "put" -> kv.put(key, value(key, n));
                    case "update" -> kv.update(key, value(key, n), last.get(key));
                    case "create" -> kv.create(key, value(key, n));
                    case "delete" -> kv.delete(key);
                    default -> kv.purge(key);
                };
                last.put(key, rev);
                hasValue.put(key, op.equals("put") || op.equals("update") || op.equals("create"));
                CrashReaders.line(out, "done " + rev);
            }
        }
    }
}
