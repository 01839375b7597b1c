package io.jetstart.it;

import java.util.ArrayList;
import java.util.List;

/**
 * One side of {@link KvModelIT}: nats-server 2.15.1 through jnats's {@code KeyValue}
 * ({@link ModelServerSide} underneath) or the runtime's KV view ({@link ModelRuntimeSide}
 * underneath), with the stream-level state and reads of the side underneath ({@link #model}).
 * A restart stops the side and starts it on its files; the bucket is opened again on the new
 * connection or store. Not thread-safe: the test's thread owns it.
 */
final class KvModelSide implements AutoCloseable {
    interface Action {
        void run() throws Exception;
    }

    interface Opener {
        KvModelBucket open() throws Exception;
    }

    private final ModelSide model;
    private final Action stop;
    private final Action resume;
    private final Opener opener;
    private KvModelBucket bucket;

    private KvModelSide(ModelSide model, Action stop, Action resume, Opener opener) throws Exception {
        this.model = model;
        this.stop = stop;
        this.resume = resume;
        this.opener = opener;
        this.bucket = opener.open();
    }

    /** jnats creates the bucket through {@code server} and uses it. */
    static KvModelSide server(ModelServerSide server, KvModelConfig config) throws Exception {
        server.connection().keyValueManagement().create(config.jnats());
        return new KvModelSide(server, server::stop, server::resume,
                () -> KvModelBucket.jnats(server.connection().keyValue(config.bucket()), server.connection().jetStreamManagement()));
    }

    /** The runtime creates the bucket in its store and uses it. */
    static KvModelSide runtime(ModelRuntimeSide runtime, KvModelConfig config) throws Exception {
        runtime.store().createKeyValue(config.runtime());
        runtime.attach();
        return new KvModelSide(runtime, runtime::stop, runtime::resume,
                () -> KvModelBucket.runtime(runtime.store().keyValue(config.bucket())));
    }

    KvModelBucket bucket() {
        return bucket;
    }

    /** The stream underneath: its state, its messages. */
    ModelSide model() {
        return model;
    }

    void stop() throws Exception {
        stop.run();
    }

    /** Starts again on the files after {@link #stop}, the bucket opened anew. */
    void resume() throws Exception {
        resume.run();
        bucket = opener.open();
    }

    /** Every message the stream holds, oldest first, headers and times included. */
    List<ModelSide.Msg> messages() throws Exception {
        ModelSide.ModelState s = model.state();
        List<ModelSide.Msg> out = new ArrayList<>();
        for (long seq = s.firstSeq(); s.messages() > 0 && seq <= s.lastSeq(); seq++) {
            model.message(seq).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        model.close();
    }
}
