package io.jetstart.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.meta.StreamConfigBuilder;
import io.jetstart.recovery.GoFormat;
import io.jetstart.runtime.Headers;
import io.jetstart.runtime.JetStartStore;
import io.jetstart.runtime.JetStartStream;
import io.jetstart.runtime.JetStreamApiException;
import io.jetstart.runtime.PublishAck;
import io.jetstart.runtime.RuntimeOptions;
import io.jetstart.runtime.SyncPolicy;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jetstart publish}: opens the store in the embedded runtime (taking its lock), creates the
 * stream if asked, publishes N messages and closes cleanly. Payloads are self-describing
 * ({@link #payload}), so a crash test can check every acked message byte for byte.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Publish messages into a stream of STORE_DIR through the embedded runtime (holds the store's lock).")
final class PublishCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STORE_DIR", description = "nats-server store_dir")
    Path storeDir;

    @Parameters(index = "1", paramLabel = "STREAM", description = "Stream name")
    String stream;

    @Option(names = "--account", defaultValue = "$G", paramLabel = "NAME", description = "Account (default: ${DEFAULT-VALUE})")
    String account;

    @Option(names = "--create", paramLabel = "SUBJECTS", description = "Create the stream (comma-separated subjects) unless it exists with the same config")
    String create;

    @Option(names = "--max-msgs", defaultValue = "-1", paramLabel = "N", description = "With --create: max_msgs")
    long maxMsgs;

    @Option(names = "--max-bytes", defaultValue = "-1", paramLabel = "B", description = "With --create: max_bytes")
    long maxBytes;

    @Option(names = "--max-age", paramLabel = "DUR", converter = GoDurationConverter.class, description = "With --create: max_age (Go duration, e.g. 1h)")
    Duration maxAge;

    @Option(names = "--max-msgs-per-subject", defaultValue = "-1", paramLabel = "N", description = "With --create: max_msgs_per_subject")
    long maxMsgsPerSubject;

    @Option(names = "--discard", defaultValue = "old", paramLabel = "old|new", description = "With --create: discard policy (default: ${DEFAULT-VALUE})")
    String discard;

    @Option(names = "--subject", paramLabel = "S", description = "Publish every message to S")
    String subject;

    @Option(names = "--subjects", defaultValue = "16", paramLabel = "K",
            description = "Spread round-robin over K subjects made from the stream's first subject (default: ${DEFAULT-VALUE})")
    int subjects;

    @Option(names = "--count", defaultValue = "1000", paramLabel = "N", description = "Messages (default: ${DEFAULT-VALUE}, 1 with --data)")
    long count;

    @Option(names = "--data", paramLabel = "TEXT",
            description = "Publish TEXT (UTF-8) as the payload of every message instead of generated ones; --count defaults to 1")
    String data;

    @Option(names = "--size", defaultValue = "100", paramLabel = "BYTES", description = "Payload size (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--publishers", defaultValue = "1", paramLabel = "P", description = "Concurrent publishers (default: ${DEFAULT-VALUE})")
    int publishers;

    @Option(names = "--sync", defaultValue = "interval", paramLabel = "always|interval", description = "Sync policy (default: ${DEFAULT-VALUE})")
    String sync;

    @Option(names = "--sync-interval", converter = GoDurationConverter.class, paramLabel = "DUR",
            description = "With --sync interval: how often blocks are synced and index.db written (default: 2m, nats-server's sync_interval)")
    Duration syncInterval;

    @Option(names = "--ack-lines",
            description = "Print 'acked <seq>' on stdout, flushed, after each committed batch, and 'synced <seq>' after each completed sync")
    boolean ackLines;

    @picocli.CommandLine.Mixin
    KeyOptions keys = new KeyOptions();

    @picocli.CommandLine.Mixin
    CipherOption cipher = new CipherOption();

    @picocli.CommandLine.Mixin
    IndexVersionOption indexVersion = new IndexVersionOption();

    @Option(names = "--json", description = "End with {\"published\",\"first_seq\",\"last_seq\",\"elapsed_ms\",\"msgs_per_s\",\"sync\"}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        SyncPolicy policy;
        switch (sync) {
            case "always" -> policy = SyncPolicy.ALWAYS;
            case "interval" -> policy = SyncPolicy.INTERVAL;
            default -> {
                err.println("jetstart: --sync must be always or interval, got " + sync);
                return Main.USAGE;
            }
        }
        if (!discard.equals("old") && !discard.equals("new")) {
            err.println("jetstart: --discard must be old or new, got " + discard);
            return Main.USAGE;
        }
        byte[] dataBytes = null;
        if (data != null) {
            // An operator's own message, as `nats pub SUBJECT TEXT` sends one: one unless --count says more.
            if (spec.commandLine().getParseResult().hasMatchedOption("--size")) {
                err.println("jetstart: --data and --size exclude each other (the payload is TEXT)");
                return Main.USAGE;
            }
            if (!spec.commandLine().getParseResult().hasMatchedOption("--count")) {
                count = 1;
            }
            dataBytes = data.getBytes(StandardCharsets.UTF_8);
            size = dataBytes.length;
        }
        String wrong = wrongOption();
        if (wrong != null) {
            err.println("jetstart: " + wrong);
            return Main.USAGE;
        }
        // Checked before any payload is made: a 2 GB --size built a 2 GB payload (11 s of CPU) for
        // the runtime to refuse it, and window x publishers of them could exhaust the heap.
        int maxPayload = RuntimeOptions.defaults().maxPayload();
        if (size > maxPayload) {
            if (dataBytes != null) {
                err.println("jetstart: --data must be at most " + maxPayload + " bytes (the largest message the runtime accepts, "
                        + "nats-server's default max_payload), got " + size);
                return Main.USAGE;
            }
            err.println("jetstart: --size must be 0.." + maxPayload + " bytes (the largest message the runtime accepts, nats-server's "
                    + "default max_payload), got " + size);
            return Main.USAGE;
        }
        if (syncInterval != null && policy == SyncPolicy.ALWAYS) {
            // Every batch is synced under --sync always: the interval would be dropped in silence.
            err.println("jetstart: --sync-interval is for --sync interval; --sync always syncs every batch");
            return Main.USAGE;
        }
        if (syncInterval != null && syncInterval.isZero()) {
            err.println("jetstart: --sync-interval must be more than 0");
            return Main.USAGE;
        }
        Integer badAccount = RuntimeOpen.refuseIfBadAccount(account, err);
        if (badAccount != null) {
            return badAccount;
        }
        StreamConfig newStream = null;
        if (create != null) {
            try {
                newStream = config();
            } catch (IllegalArgumentException e) {
                // Checked before the store is opened: a value the server would refuse is a wrong option.
                err.println("jetstart: --create " + stream + ": " + e.getMessage());
                return Main.USAGE;
            }
        }
        Integer missing = RuntimeOpen.refuseIfMissingToWrite(storeDir, err);
        if (missing != null) {
            return missing;
        }
        StoreCipher newStreamCipher = cipher.cipher(keys, err);
        if (newStreamCipher == null) {
            return Main.USAGE;
        }
        // Ack lines are read by another process while this one runs: straight to the file descriptor, flushed per line.
        PrintStream acks = ackLines ? new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8) : null;
        long runId = System.nanoTime() ^ ProcessHandle.current().pid() << 32;
        RuntimeOptions options = indexVersion.apply(RuntimeOptions.defaults().withSync(policy), err);
        if (options == null) {
            return Main.USAGE;
        }
        JetStartStore store;
        switch (RuntimeOpen.open(storeDir, keys, newStreamCipher, syncInterval == null ? options : options.withSyncInterval(syncInterval), err)) {
            case RuntimeOpen.Refused r -> {
                return r.exitStatus();
            }
            case RuntimeOpen.Opened o -> store = o.store();
        }
        // Ctrl-C or SIGTERM stops publishing: the messages handed over are committed, the summary
        // is printed and the store closed cleanly (index.db written) before the process exits 3.
        // Before, the JVM exited 130 at once: no summary, and the next open had to rebuild the
        // stream from its blocks ("Stream state outdated, last block has additional entries").
        AtomicBoolean stop = new AtomicBoolean();
        try (ReportOnShutdown shutdown = ReportOnShutdown.install(() -> stop.set(true))) {
            int status = publishAndClose(store, newStream, acks, runId, stop, dataBytes);
            shutdown.finished(status);
            return status;
        }
    }

    /** Publishes into the opened store until --count or {@code stop}, prints the summary, closes the store; the exit status. */
    private int publishAndClose(JetStartStore store, StreamConfig newStream, PrintStream acks, long runId, AtomicBoolean stop,
                                byte[] dataBytes) throws Exception {
        var err = spec.commandLine().getErr();
        try (store) {
            JetStartStream s;
            try {
                s = newStream != null ? store.createStream(account, newStream) : store.stream(account, stream).await(Duration.ofDays(1));
            } catch (JetStreamApiException e) {
                String hint = e.errCode() == NotFoundHints.STREAM_NOT_FOUND ? NotFoundHints.streams(store, account) + "; --create SUBJECTS creates it" : "";
                err.println("jetstart: " + account + " > " + stream + ": " + RuntimeOpen.inFlags(e.getMessage()) + hint);
                return Main.FAILED;
            }
            if (s.readOnlyReason().isPresent()) {
                err.println("jetstart: " + account + " > " + stream + " is read-only: " + RuntimeOpen.inFlags(s.readOnlyReason().get()));
                return Main.FAILED;
            }
            List<String> targets = targets(s);
            if (acks != null) {
                store.addCommitListener(new io.jetstart.runtime.CommitListener() {
                    @Override
                    public void batchCommitted(CommittedBatch batch) {
                        acks.print("acked " + batch.lastSeq() + "\n");
                        acks.flush();
                    }

                    @Override
                    public void synced(SyncPoint point) {
                        acks.print("synced " + point.lastSeq() + "\n");
                        acks.flush();
                    }
                });
            }
            AtomicLong first = new AtomicLong(Long.MAX_VALUE);
            AtomicLong last = new AtomicLong(0);
            AtomicLong done = new AtomicLong();
            long start = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            int limit = window(size, publishers);
            for (int p = 0; p < publishers; p++) {
                int publisher = p;
                threads.add(Thread.ofVirtual().name("publisher-" + p).start(() -> {
                    java.util.ArrayDeque<CompletableFuture<PublishAck>> window = new java.util.ArrayDeque<>();
                    try {
                        for (long i = publisher; i < count && !stop.get(); i += publishers) {
                            String subj = targets.get((int) (i % targets.size()));
                            byte[] payload = dataBytes != null ? dataBytes : Payloads.payload(runId, i, size);
                            window.add(s.publishAsync(subj, Headers.EMPTY, payload));
                            if (window.size() >= limit) {
                                record(window.poll().join(), first, last, done);
                            }
                        }
                        while (!window.isEmpty()) {
                            record(window.poll().join(), first, last, done);
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            Thread progress = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Thread.sleep(1000);
                        err.printf("publish: %s/%s messages%n", GoFormat.comma(done.get()), GoFormat.comma(count));
                        err.flush();
                    }
                } catch (InterruptedException e) {
                    // done
                }
            });
            for (Thread t : threads) {
                t.join();
            }
            progress.interrupt();
            long nanos = System.nanoTime() - start;
            long msgsPerS = nanos == 0 ? 0 : done.get() * 1_000_000_000L / nanos;
            var out = spec.commandLine().getOut();
            if (!failures.isEmpty()) {
                Throwable t = failures.get(0);
                String why = t.getCause() != null ? t.getCause().getMessage() : t.getMessage();
                // What was acknowledged before the failure is on disk: the operator needs to know how far it got.
                err.println("jetstart: publish failed after " + GoFormat.comma(done.get()) + " acknowledged messages"
                        + (done.get() == 0 ? "" : " (seq " + first.get() + ".." + last.get() + ")") + ": " + why);
                if (json) {
                    ObjectNode n = summary(done.get(), first.get(), last.get(), nanos, msgsPerS);
                    n.put("error", why);
                    out.println(ReportJson.MAPPER.writeValueAsString(n));
                    out.flush();
                }
                return Main.FAILED;
            }
            if (json) {
                out.println(ReportJson.MAPPER.writeValueAsString(summary(done.get(), first.get(), last.get(), nanos, msgsPerS)));
            } else {
                out.printf("Published %s to %s > %s (seq %d..%d) in %s, %s msgs/s, sync %s%n", messages(done.get()),
                        account, stream, done.get() == 0 ? 0 : first.get(), last.get(), GoFormat.durationRoundedToMillis(nanos),
                        GoFormat.comma(msgsPerS), sync);
            }
            out.flush();
            if (stop.get() && done.get() < count) {
                err.println("jetstart: stopped by a signal after " + GoFormat.comma(done.get()) + " of " + GoFormat.comma(count)
                        + " messages; closing the store cleanly");
                err.flush();
                return Main.CANCELLED;
            }
        }
        return Main.OK;
    }

    /**
     * The first option out of its range or out of place, said as the operator typed it, or null.
     * Checked before the store is opened: one line for four options ("--count and --size must not
     * be negative, --publishers and --subjects must be at least 1") left the operator to find which
     * of them was wrong, and a stream's limits given without {@code --create} were dropped in silence.
     */
    private String wrongOption() {
        if (count < 0) {
            return "--count must not be negative, got " + typed("--count", count);
        }
        if (size < 0) {
            return "--size must not be negative, got " + typed("--size", size);
        }
        if (publishers < 1) {
            return "--publishers must be at least 1, got " + typed("--publishers", publishers);
        }
        if (subjects < 1 || subjects > MAX_SUBJECTS) {
            return "--subjects must be 1.." + MAX_SUBJECTS + ", got " + typed("--subjects", subjects);
        }
        if (subject != null && TypedText.given(spec, "--subjects")) {
            return "--subject and --subjects exclude each other (every message to S, or spread over K subjects)";
        }
        if (subject != null && subject.isEmpty()) {
            return "--subject needs a subject";
        }
        if (create == null) {
            for (String o : List.of("--max-msgs", "--max-bytes", "--max-age", "--max-msgs-per-subject", "--discard")) {
                if (TypedText.given(spec, o)) {
                    return o + " is a limit of the stream --create makes; without --create, " + stream + " keeps the config it has";
                }
            }
        }
        if (maxAge != null && !maxAge.isZero() && maxAge.compareTo(MIN_MAX_AGE) < 0) {
            // The builder says it too, but of a java.time.Duration: "max_age is PT0.01S".
            return "--max-age must be 0 (no limit) or at least 100ms, got " + TypedText.of(spec, "--max-age");
        }
        return null;
    }

    /** nats-server's smallest {@code max_age} (and duplicate window): 100 ms. */
    private static final Duration MIN_MAX_AGE = Duration.ofMillis(100);

    private String typed(String option, long value) {
        String t = TypedText.of(spec, option);
        return t != null ? t : Long.toString(value);
    }

    /** {@code 1 message}, {@code 1,000 messages}. */
    static String messages(long n) {
        return GoFormat.comma(n) + (n == 1 ? " message" : " messages");
    }

    /**
     * Payload bytes all publishers together keep handed over and not yet acknowledged. A window of
     * 1,024 messages per publisher whatever their size held 1 GiB per publisher of 1 MiB messages:
     * {@code --size 1048576 --publishers 4} ended in an OutOfMemoryError in the writer after 48
     * messages with a 256 MiB heap. 16 MiB is still 1,024 messages of 100 bytes for 64 publishers,
     * more than a group commit's batch.
     */
    static final long IN_FLIGHT_BYTES = 16L << 20;

    /** Each publisher's window: 1,024 messages, fewer when that many would pass {@link #IN_FLIGHT_BYTES} together; at least 1. */
    static int window(int size, int publishers) {
        long perPublisher = IN_FLIGHT_BYTES / publishers;
        return (int) Math.max(1, Math.min(1024, perPublisher / Math.max(1, size)));
    }

    /** The {@code --json} line: what was acknowledged, how fast, with which sync policy. */
    private ObjectNode summary(long done, long first, long last, long nanos, long msgsPerS) {
        ObjectNode n = ReportJson.MAPPER.createObjectNode();
        n.put("published", done);
        n.put("first_seq", done == 0 ? 0 : first);
        n.put("last_seq", last);
        n.put("elapsed_ms", nanos / 1_000_000);
        n.put("msgs_per_s", msgsPerS);
        n.put("sync", sync);
        return n;
    }

    private static void record(PublishAck ack, AtomicLong first, AtomicLong last, AtomicLong done) {
        first.accumulateAndGet(ack.seq(), Math::min);
        last.accumulateAndGet(ack.seq(), Math::max);
        done.incrementAndGet();
    }

    /** The --create stream: the limits given, every other field nats-server's default. */
    private StreamConfig config() {
        List<String> subjectList = new ArrayList<>();
        for (String s : create.split(",")) {
            if (!s.isBlank()) {
                subjectList.add(s.strip());
            }
        }
        StreamConfigBuilder b = StreamConfig.builder(stream)
                .maxMsgs(maxMsgs)
                .maxBytes(maxBytes)
                .maxAge(maxAge == null ? Duration.ZERO : maxAge)
                .maxMsgsPerSubject(maxMsgsPerSubject)
                .discard(discard.equals("new") ? StreamConfig.Discard.NEW : StreamConfig.Discard.OLD);
        if (!subjectList.isEmpty()) {
            b.subjects(subjectList);
        }
        return b.build();
    }

    /**
     * Most subjects --subjects makes: each is a String held for the whole run. Unbounded, {@code
     * --subjects 2000000000} ended in an OutOfMemoryError and its stack trace (exit 1).
     */
    static final int MAX_SUBJECTS = 1_000_000;

    /**
     * --subject S, else K concrete subjects from the stream's first subject, its wildcards filled
     * with 1..K; only the first --count of them when that is fewer (message i goes to the i mod K'th).
     */
    private List<String> targets(JetStartStream s) {
        if (subject != null) {
            return List.of(subject);
        }
        String pattern = s.config().subjects().get(0);
        if (!pattern.contains("*") && !pattern.contains(">")) {
            return List.of(pattern);
        }
        int used = (int) Math.max(1, Math.min(subjects, count));
        List<String> out = new ArrayList<>(used);
        for (int k = 1; k <= used; k++) {
            String[] tokens = pattern.split("\\.", -1);
            for (int t = 0; t < tokens.length; t++) {
                if (tokens[t].equals("*") || tokens[t].equals(">")) {
                    tokens[t] = Integer.toString(k);
                }
            }
            out.add(String.join(".", tokens));
        }
        return out;
    }
}
