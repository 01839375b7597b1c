package io.jetstart.it;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.runtime.JetStart;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.JetStreamApiException;
import io.jetstart.runtime.RuntimeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * The runtime as a {@link ModelSide}: the store opened with the defaults, the steps run by
 * {@link RuntimeSteps} (shared with {@link RuntimeCornersIT}), a message read as {@link Msg#compared}
 * renders it. A restart closes the store and opens it again, waiting for the stream's recovery.
 */
final class ModelRuntimeSide implements ModelSide {
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final RuntimeOptions options;
    /** The stream the steps and the state are about ({@link ModelLimits#NAME}, or a bucket's {@code KV_<bucket>}). */
    private final String name;
    private final RuntimeSteps steps = new RuntimeSteps(m -> msg(m).compared(false));
    private JetStartStore store;
    private JetStartStream stream;

    private ModelRuntimeSide(Path dir, RuntimeOptions options, String name) throws Exception {
        this.dir = dir;
        this.options = options;
        this.name = name;
        this.store = JetStart.open(dir, options);
    }

    /** The runtime on {@code dir}, with blocks of {@code blockSize} bytes (0: the server's rule, one block here). */
    static ModelRuntimeSide open(Path dir, int blockSize) throws Exception {
        return new ModelRuntimeSide(dir, RuntimeOptions.defaults().withBlockSize(blockSize), ModelLimits.NAME);
    }

    /**
     * The runtime on {@code dir} with {@code options}, the state and reads about {@code name}
     * ({@link KvModelIT}'s bucket), which the caller creates through {@link #store()} and then
     * {@link #attach}es.
     */
    static ModelRuntimeSide open(Path dir, RuntimeOptions options, String name) throws Exception {
        return new ModelRuntimeSide(dir, options, name);
    }

    /** The store open now (a new one after each restart). */
    JetStartStore store() {
        return store;
    }

    /** Waits until the store serves the stream, made through {@link #store()}. */
    void attach() throws Exception {
        stream = store.stream(name).await(RECOVERY_TIMEOUT);
    }

    /** Closes the store; {@link #resume} opens it again on the same files. */
    void stop() throws Exception {
        store.close();
    }

    /** Opens the store again after {@link #stop} and waits for the stream's recovery. */
    void resume() throws Exception {
        store = JetStart.open(dir, options);
        attach();
    }

    /** Creates the stream; the answer as {@link #run} gives it for an update. */
    String create(String config) throws Exception {
        try {
            stream = store.createStream("$G", StreamConfig.parse(config.getBytes(StandardCharsets.UTF_8)));
            return "updated";
        } catch (JetStreamApiException e) {
            return error(e);
        }
    }

    /** The stream, for the model's draws (its last sequence, a subject's last message). */
    JetStartStream stream() {
        return stream;
    }

    @Override
    public String run(String step) throws Exception {
        if (!step.equals("restart")) {
            return steps.run(store, stream, step);
        }
        stop();
        resume();
        return "restarted";
    }

    private static String error(JetStreamApiException e) {
        return "error " + e.errCode() + " " + e.description();
    }

    @Override
    public ModelState state() {
        StreamView v = stream.info();
        return new ModelState(v.messages(), v.bytes(), v.firstSeq(), v.lastSeq(), v.subjects(), v.numDeleted(),
                v.messages() == 0 ? 0 : v.firstTs());
    }

    @Override
    public Optional<Msg> message(long seq) throws Exception {
        return stream.get(seq).map(ModelRuntimeSide::msg);
    }

    private static Msg msg(StoredMessage m) {
        Base64.Encoder b64 = Base64.getEncoder();
        return new Msg(m.seq(), m.subject(), b64.encodeToString(m.headers()), b64.encodeToString(m.payload()), m.timestamp());
    }

    /** Syncs the blocks and writes {@code index.db}, as a close does, for a copy of the store to start from. */
    void flush() throws InterruptedException {
        stream.flush();
    }

    @Override
    public String name() {
        return "runtime";
    }

    @Override
    public void close() throws Exception {
        store.close();
    }
}
