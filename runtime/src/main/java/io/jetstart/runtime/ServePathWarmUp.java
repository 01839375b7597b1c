package io.jetstart.runtime;

import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.MessageReader;
import io.jetstart.core.store.StreamMutator;
import io.jetstart.core.store.StreamOpener;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jctools.queues.varhandle.MpscChunkedVarHandleArrayQueue;

/**
 * Loads, on a thread of its own from the store's open, the classes a stream needs between its
 * recovery task's start and its first publish: the JSON parsing of {@code meta.inf} and the config
 * checks of the hand-over (Jackson's core and tree classes, the JDK's date ones), the fast path's
 * {@code index.db} decoding, the tail check and the writer with its queue.
 *
 * <p>Design note: in a fresh JVM these are several hundred classes (about 370 for the JSON alone,
 * which the server-line detection's first {@code meta.inf} loaded when the store's
 * {@code index.db} files were lost), and the first stream served loaded them on the critical path,
 * one after the other, after the store-wide start (the runtime's and recovery's classes, discovery)
 * had loaded its own on the same core. Loaded here, on the second core, while that start runs,
 * they are mostly ready when the stream needs them (docs/benchmarks-passes.md, "Per-stream readiness").
 * Nothing here touches the store: a sample {@code meta.inf} in memory is parsed and the other
 * classes are initialised by name; a failure only means the stream loads them itself.
 */
final class ServePathWarmUp {
    /** A {@code meta.inf} as nats-server 2.10 writes one (the keys the hand-over's checks read). */
    private static final byte[] SAMPLE_META = ("{\"Created\":\"2026-01-01T00:00:00.000000000Z\",\"name\":\"W\",\"subjects\":[\"w\"],"
            + "\"retention\":\"limits\",\"max_consumers\":-1,\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":0,"
            + "\"max_msgs_per_subject\":-1,\"max_msg_size\":-1,\"discard\":\"old\",\"storage\":\"file\",\"num_replicas\":1,"
            + "\"duplicate_window\":120000000000,\"compression\":\"none\",\"allow_direct\":false,\"mirror_direct\":false,"
            + "\"sealed\":false,\"deny_delete\":false,\"deny_purge\":false,\"allow_rollup_hdrs\":false,"
            + "\"consumer_limits\":{}}").getBytes(StandardCharsets.UTF_8);

    private final Thread thread;

    ServePathWarmUp() {
        this(Nothing.INSTANCE);
    }

    /** @param then run on the warm-up's thread after the warm-up (store-wide work kept off the first stream's way) */
    ServePathWarmUp(Runnable then) {
        this.thread = Thread.ofPlatform().name("jetstart-warm-up").daemon().unstarted(new Body(then));
    }

    /**
     * The warm-up's thread: a named class, not a lambda, as it is made on the opening thread, where a
     * fresh JVM would spin a lambda's class at run time (package-info).
     */
    private static final class Body implements Runnable {
        private final Runnable then;

        Body(Runnable then) {
            this.then = then;
        }

        @Override
        public void run() {
            try {
                Once.done();
            } catch (LinkageError e) {
                // Only a warm-up (see run()): the streams load what they need themselves.
            }
            then.run();
        }
    }

    /** Nothing after the warm-up. */
    private static final class Nothing implements Runnable {
        static final Nothing INSTANCE = new Nothing();

        @Override
        public void run() {
        }
    }

    void start() {
        thread.start();
    }

    void join() throws InterruptedException {
        thread.join();
    }

    /** The sample {@code meta.inf}, parsed: what the warm-up runs through the hand-over's checks. */
    static StreamConfig sampleConfig() throws FormatException {
        return StreamConfig.parse(SAMPLE_META);
    }

    /**
     * The warm-up's class work, run by this class's initializer: once per JVM, by the first store's
     * warm-up; a later store's warm-up finds it done (the JVM keeps the classes loaded), and only
     * waits if the first one is still running it.
     *
     * <p>Design note: in a JVM that has opened a store before, repeating it loaded nothing and took
     * 1.1-1.3 ms of CPU (the sample's JSON parse and the checks, run a few times per JVM and so
     * interpreted) on a second core that the first stream's recovery thread needed at that moment
     * on the 2-core machine (docs/benchmarks-passes.md, "Per-stream readiness", fourth pass).
     */
    private static final class Once {
        static {
            run();
        }

        private Once() {
        }

        /** Initializes this class: runs the warm-up unless it has run in this JVM. */
        static void done() {
        }
    }

    private static void run() {
        try {
            // With the directory's name, as a recovered stream is checked (RestoreRefusals too).
            StreamDefinitions.readOnlyReason(sampleConfig(), "W");
        } catch (FormatException | RuntimeException e) {
            // Only a warm-up: the stream parses its own meta.inf and reports what is wrong with it.
        }
        // The serve path's classes in the order a stream needs them (each one's verification loads
        // what it refers to). Listed here, not in a static field: the class literals are resolved
        // on this thread, not on the opening one.
        List<Class<?>> classes = List.of(MetaFiles.class, StreamOpener.class, IndexDbCodec.class, StreamMutator.class,
                MessageReader.class, StreamReads.class, BlockScanner.class, TailBlock.class, BlockReclaimer.class, MpscChunkedVarHandleArrayQueue.class,
                WriterLoop.class, IndexDbWriter.class, BlockReclaim.class, StreamPurger.class, HandOverRemovals.class,
                JetStartStream.class, StreamConsumers.class, StreamRules.class, DuplicateWindow.class,
                PublishAck.class);
        for (Class<?> c : classes) {
            try {
                // Its own loader: the class literal loaded it, this only initialises it.
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // as above: the stream loads it itself
            }
        }
    }
}
