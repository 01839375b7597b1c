package io.jetstart.runtime;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamState;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.io.DiskGate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** Small helpers shared by the runtime tests. */
final class RuntimeTestSupport {
    private RuntimeTestSupport() {
    }

    static StreamConfig config(String json) throws Exception {
        return StreamConfig.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    static RuntimeOptions options() {
        return RuntimeOptions.defaults();
    }

    static JetStartStream open(JetStartStore store, String name) throws Exception {
        return store.stream(name).await(Duration.ofSeconds(30));
    }

    /** The state a fresh, read-only recovery (the CLI's path) reports for a stream of the store. */
    static StreamState recovered(Path storeDir, String name) throws Exception {
        Path dir = storeDir.resolve("jetstream").resolve("$G").resolve("streams").resolve(name);
        return StreamOpener.open("$G", name, dir, MetaFiles.readStream(dir, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded()).state();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
