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

    /** What the stream holds at one moment: its state, and its messages oldest first, headers and times included. */
    record Listing(ModelSide.ModelState state, List<ModelSide.Msg> messages) {
    }

    /**
     * The stream's messages as of one moment. They are read one by one while the side's expiry may
     * remove some or store a marker: a listing is taken again until the state is the same before
     * and after it (a marker stored meanwhile, whose rollup took its expired message, would
     * otherwise be missing with the message it replaced).
     */
    Listing listing() throws Exception {
        while (true) {
            ModelSide.ModelState before = model.state();
            List<ModelSide.Msg> out = new ArrayList<>();
            for (long seq = before.firstSeq(); before.messages() > 0 && seq <= before.lastSeq(); seq++) {
                model.message(seq).ifPresent(out::add);
            }
            if (model.state().compared().equals(before.compared())) {
                return new Listing(before, out);
            }
        }
    }

    /** {@link #listing()}'s messages. */
    List<ModelSide.Msg> messages() throws Exception {
        return listing().messages();
    }

    @Override
    public void close() throws Exception {
        model.close();
    }
}
