package io.jetstart.examples;

import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStreamApiException;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.kv.KeyValue;
import io.jetstart.runtime.kv.KeyValueConfig;
import io.jetstart.runtime.kv.KeyValueEntry;
import io.jetstart.runtime.kv.KeyValueWatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A key/value bucket in the embedded runtime: the bucket jnats and nats-server see as theirs. */
public final class KeyValueBucket {
    private KeyValueBucket() {
    }

    /** Writes a setting, updates it at its revision, and returns what a watch saw, in order. */
    public static List<String> configure(Path storeDir) throws Exception {
        try (JetStartStore store = JetStart.open(storeDir, RuntimeOptions.defaults())) {
            // Stream KV_settings on $KV.settings.>, 5 values kept per key, values live a day.
            KeyValue settings = store.createKeyValue(KeyValueConfig.of("settings").withHistory(5).withTtl(Duration.ofDays(1)));
            List<String> seen = new CopyOnWriteArrayList<>();
            try (KeyValueWatch watch = settings.watch("app.>", e -> seen.add(e.key() + "=" + e.valueAsString() + " @" + e.revision()))) {
                long rev = settings.put("app.mode", bytes("fast"));
                settings.update("app.mode", bytes("safe"), rev); // only if nobody wrote it since
                try {
                    settings.create("app.mode", bytes("other")); // only if it has no value
                } catch (JetStreamApiException e) {
                    // 10071 "wrong last sequence: 2", as nats-server answers jnats
                }
                KeyValueEntry now = settings.get("app.mode").orElseThrow();
                while (watch.lastRevision() < now.revision()) {
                    Thread.sleep(1); // the watch runs on its own virtual thread
                }
            }
            return seen;
        }
    }

    /** {@code KeyValueBucket <store_dir>}: an existing directory; an empty one becomes a new store. */
    public static void main(String[] args) throws Exception {
        configure(Path.of(args[0])).forEach(System.out::println);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
