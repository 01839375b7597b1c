package io.jetstart.runtime;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * One served stream. Thread-safe: writes go to the stream's single writer ({@link WriterLoop}),
 * reads use the view the writer last published and never wait for it.
 */
public final class JetStartStream {
    private static final byte[] NO_PAYLOAD = new byte[0];
    /** Messages read at a time by a deleted consumer's walk ({@link #consumerRemoved}). */
    private static final int REMOVAL_WALK_BATCH = 1024;
    /** A null config named the field deep inside that it failed on; the caller is told what to pass. */
    private static final String CONSUMER_CONFIG_REQUIRED = "config is required: ConsumerConfig.builder().durableName(name).build()";
    private final String account;
    private final String name;
    private final WriterLoop writer;
    private final StreamView readOnlyView;
    private final String readOnlyReason;
    private final StreamReads reader;
    private volatile StreamConfig config;
    private final StreamConsumers consumers;
    private final ConsumerCounters consumerTotals;
    /** The store's consumer timers, told when a consumer's state changes. */
    private final ConsumerHousekeeper housekeeper;
    /**
     * Set by the store's {@code deleteStream}: the view still names blocks that are gone, and a
     * read of one would report the missing file as a corrupt message.
     */
    private volatile boolean deleted;
    /**
     * Set by the store's {@code resumeStream} before it stops this object's writer: why this object
     * no longer serves the stream (a new one does). Null while it is the stream's.
     */
    private volatile String replaced;

    JetStartStream(String account, String name, StreamConfig config, WriterLoop writer, StreamView readOnlyView,
                   String readOnlyReason, StreamReads reader, java.nio.file.Path dir, ConsumerCounters consumerTotals,
                   io.jetstart.core.crypto.StreamKeys keys, ConsumerHousekeeper housekeeper) {
        this.consumerTotals = consumerTotals;
        this.housekeeper = housekeeper;
        this.consumers = new StreamConsumers(this, dir, keys);
        this.account = account;
        this.name = name;
        this.config = config;
        this.writer = writer;
        this.readOnlyView = readOnlyView;
        this.readOnlyReason = readOnlyReason;
        this.reader = reader;
        if (writer != null && config.retention() == StreamConfig.Retention.INTEREST) {
            writer.interest(consumers::interested);
        }
        if (writer != null) {
            writer.purgeListener(new PurgeToConsumers(consumers));
        }
    }

    /**
     * A purge's news to the stream's consumers (nats-server's {@code purgeLocked} calls each
     * consumer's {@code purge}). A named class, not {@code consumers::purged}: made at every
     * writable stream's hand-over, where a fresh JVM would spin a method reference's class.
     */
    private static final class PurgeToConsumers implements java.util.function.Consumer<StreamPurge> {
        private final StreamConsumers consumers;

        PurgeToConsumers(StreamConsumers consumers) {
            this.consumers = consumers;
        }

        @Override
        public void accept(StreamPurge purge) {
            consumers.purged(purge);
        }
    }

    /** Where this stream's consumers write their o.dat (the store's, with its sync policy). */
    ConsumerStateFlusher odatFlusher() {
        return housekeeper.flusher();
    }

    /** A consumer of this stream has state to write or a timer to run: its housekeeper must look soon. */
    void consumerChanged() {
        housekeeper.wake(this);
    }

    public String account() {
        return account;
    }

    public String name() {
        return name;
    }

    public StreamConfig config() {
        return config;
    }

    /**
     * Why this stream is served read-only (empty when it is writable): a config the runtime does not
     * write, or a write error that stopped its writer (a full disk; its reads go on, its writes fail
     * with that error until {@link JetStartStore#resumeStream} or a reopen of the store).
     */
    public Optional<String> readOnlyReason() {
        if (readOnlyReason != null) {
            return Optional.of(readOnlyReason);
        }
        java.io.IOException stopped = writer == null ? null : writer.failure();
        return stopped == null ? Optional.empty() : Optional.of("writes stopped after a write error: " + stopped.getMessage());
    }

    /** The committed state: messages, bytes, first/last sequence and time, deleted count, subjects. */
    public StreamView info() {
        return view();
    }

    /** Operations waiting for this stream's writer (0 for a read-only stream). */
    public int queued() {
        return writer == null ? 0 : writer.queued();
    }

    StreamView view() {
        return writer == null ? readOnlyView : writer.view();
    }

    /**
     * Publishes and waits for the ack; a refusal is a {@link JetStreamApiException} with the server's code.
     * A {@code null} payload is an empty message, as jnats sends one.
     */
    public PublishAck publish(String subject, Headers headers, byte[] payload) throws InterruptedException {
        requireCurrent();
        if (writer != null && writer.isWriterThread()) {
            throw onOwnWriter("publish");
        }
        return await(publishAsync(subject, headers, payload));
    }

    public PublishAck publish(String subject, byte[] payload) throws InterruptedException {
        return publish(subject, Headers.EMPTY, payload);
    }

    /** Hands the message to the writer; the future completes once it is committed (per the sync policy). */
    public CompletableFuture<PublishAck> publishAsync(String subject, Headers headers, byte[] payload) {
        CompletableFuture<PublishAck> f = new CompletableFuture<>();
        String gone = replaced;
        if (gone != null) {
            f.completeExceptionally(new IllegalStateException(gone));
            return f;
        }
        if (writer == null) {
            f.completeExceptionally(new IllegalStateException("stream '" + name + "' is read-only: " + readOnlyReason));
            return f;
        }
        if (subject == null || subject.isEmpty()) {
            f.completeExceptionally(new IllegalArgumentException("subject is required"));
            return f;
        }
        Headers h = headers == null ? Headers.EMPTY : headers;
        // Taken here, not in the writer: a null there failed the writer, and with it every later write.
        byte[] body = payload == null ? NO_PAYLOAD : payload;
        return writer.submit(new WriterLoop.Publish(subject, WriterLoop.utf8(subject), h, h.encode(), body, f));
    }

    /** Removes message {@code seq}, leaving a tombstone; {@link JetStreamApiException} 10057 if it is not there. */
    public void delete(long seq) throws InterruptedException {
        await(write(new WriterLoop.Delete(seq, new CompletableFuture<>())));
    }

    /**
     * Secure erase (nats-server's {@code EraseMsg}): removes message {@code seq} as {@link #delete}
     * does (same errors), and overwrites its record's subject, headers and payload with random
     * bytes under a valid checksum, the block replaced atomically (a compressed block is rewritten
     * compressed, as nats-server does). Encrypted blocks (nats-server only deletes in an encrypted
     * stream) and compressed blocks with damage in them are refused with
     * {@link UnsupportedOperationException}, the message left in place.
     */
    public void erase(long seq) throws InterruptedException {
        await(write(new WriterLoop.Erase(seq, new CompletableFuture<>())));
    }

    /** Purges as nats-server's purge request does; returns how many messages were removed. */
    public long purge(PurgeRequest request) throws InterruptedException {
        if (request == null) {
            // Refused here: a null request reaching the writer failed it, and with it every later write.
            throw new IllegalArgumentException("a purge request is required (PurgeRequest.all() purges the whole stream)");
        }
        return await(write(new WriterLoop.Purge(request, new CompletableFuture<>())));
    }

    /** Syncs the stream's blocks and rewrites its {@code index.db} now. */
    public void flush() throws InterruptedException {
        await(write(new WriterLoop.Flush(new CompletableFuture<>())));
    }

    /**
     * Writes the stream as a {@code nats stream backup} folder ({@code backup.json},
     * {@code stream.tar.s2}, what {@code jetstart push} and {@code nats stream restore} send) from a
     * consistent point of the open stream: the writer takes it between two batches, after syncing
     * the blocks and writing {@code index.db}; publishers go on meanwhile, and the backup holds
     * exactly the state at the point (returned in the result). A read-only stream is exported from
     * its files as they are, which nothing changes.
     */
    public io.jetstart.core.backup.StreamExport.Result export(java.nio.file.Path outDir) throws IOException, InterruptedException {
        if (writer == null) {
            throw new IllegalStateException("stream '" + name + "' is read-only (" + readOnlyReason
                    + "): export it with jetstart export, which reads it as it is on disk");
        }
        try (StreamCheckpoint point = await(write(new WriterLoop.Checkpoint(new CompletableFuture<>())))) {
            return point.export(outDir);
        }
    }

    void update(StreamConfig newConfig, byte[] metaInf) throws InterruptedException {
        await(write(new WriterLoop.Update(newConfig, metaInf, new CompletableFuture<>())));
        this.config = newConfig;
    }

    /** Called by the store's {@code deleteStream} once the writer has stopped. */
    void markDeleted() {
        deleted = true;
    }

    /**
     * Called by the store's {@code resumeStream} before it stops this object's writer: from then on
     * every call names the resume instead of failing with the old write error or reading blocks the
     * new writer may remove.
     */
    void markReplaced() {
        replaced = "stream '" + account + " > " + name + "' was resumed after a write error (JetStartStore.resumeStream): this "
                + "object no longer serves it; store.stream(\"" + account + "\", \"" + name + "\") gives the one that does";
    }

    /**
     * Whether {@link JetStartStore#resumeStream} has replaced this object by a new one (every call
     * on it then fails saying so; the store's {@code stream(account, name)} gives the new one).
     */
    public boolean isReplaced() {
        return replaced != null;
    }

    /** Throws naming the resume when {@link #markReplaced} has run. */
    void requireCurrent() {
        String gone = replaced;
        if (gone != null) {
            throw new IllegalStateException(gone);
        }
    }

    private void requireNotDeleted() {
        requireCurrent();
        if (deleted) {
            throw new IllegalStateException("stream '" + name + "' was deleted");
        }
    }

    /**
     * A read that failed on the files: when the stream was deleted (or replaced by a resume) while it
     * read, that is the answer, not damage. deleteStream marks the stream before it removes its files,
     * so a read that found a block gone sees the mark; under load a get racing a delete reported
     * "malformed or corrupt message ... NoSuchFileException" (StreamResumeTest).
     */
    private RuntimeException deletedMeanwhileOr(java.io.UncheckedIOException e) {
        requireNotDeleted();
        return e;
    }

    private <T> CompletableFuture<T> write(WriterLoop.Op op) {
        String gone = replaced;
        if (gone != null) {
            @SuppressWarnings("unchecked")
            CompletableFuture<T> f = (CompletableFuture<T>) op.done();
            f.completeExceptionally(new IllegalStateException(gone));
            return f;
        }
        if (writer == null) {
            @SuppressWarnings("unchecked")
            CompletableFuture<T> f = (CompletableFuture<T>) op.done();
            f.completeExceptionally(new IllegalStateException("stream '" + name + "' is read-only: " + readOnlyReason));
            return f;
        }
        if (writer.isWriterThread()) {
            @SuppressWarnings("unchecked")
            CompletableFuture<T> f = (CompletableFuture<T>) op.done();
            f.completeExceptionally(onOwnWriter(op.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT)));
            return f;
        }
        return writer.submit(op);
    }

    /**
     * A write that waits for this stream's writer, asked on that writer's own thread (a
     * {@link CommitListener} runs there): it would wait for itself for ever, so it is refused and
     * not queued.
     */
    private IllegalStateException onOwnWriter(String what) {
        return new IllegalStateException("stream '" + name + "': " + what + " waits for the stream's writer, and was asked on that "
                + "writer's own thread (from a CommitListener), where it would wait for itself; use publishAsync there, or "
                + "another thread");
    }

    /**
     * The committed message {@code seq}, checksum verified; empty when it is not live.
     *
     * @throws JetStreamApiException    400 / 10003 {@code bad request} for sequence 0, as nats-server's
     *                                  {@code MSG.GET} answers a request for sequence 0 (no stream has one)
     * @throws IllegalArgumentException for a negative sequence, which no request can carry
     */
    public Optional<StoredMessage> get(long seq) throws InterruptedException {
        requireNotDeleted();
        if (seq <= 0) {
            // A caller's mistake, said as the server says it, not an empty answer that reads as "deleted".
            if (seq < 0) {
                throw new IllegalArgumentException("sequence " + seq + " is negative");
            }
            throw JetStreamApiException.badRequest();
        }
        try {
            return reader.get(view(), seq);
        } catch (java.io.UncheckedIOException e) {
            throw deletedMeanwhileOr(e);
        }
    }

    /**
     * Test seam: message {@code seq} as a reader that took {@code view} earlier reads it (the
     * writer may have published newer views since, and rewritten or removed the view's blocks):
     * what {@link #get} does between taking its view and loading the block, held open.
     */
    Optional<StoredMessage> getOn(StreamView view, long seq) throws InterruptedException {
        return reader.get(view, seq);
    }

    /**
     * The last committed message on {@code subject} (wildcards allowed; an invalid filter such as
     * {@code a.>.b}: none, as the server).
     *
     * @throws JetStreamApiException 400 / 10003 {@code bad request} for a null or empty subject, as
     *                               nats-server answers a {@code last_by_subj} of {@code ""}
     */
    public Optional<StoredMessage> lastBySubject(String subject) throws InterruptedException {
        requireNotDeleted();
        if (subject == null || subject.isEmpty()) {
            throw JetStreamApiException.badRequest();
        }
        try {
            return reader.last(view(), new SubjectFilter(List.of(subject)));
        } catch (java.io.UncheckedIOException e) {
            throw deletedMeanwhileOr(e);
        }
    }

    /**
     * The first committed message at or after {@code fromSeq} matching {@code filter} (null or empty:
     * any; an invalid filter such as {@code a.>.b}: none, as the server).
     */
    public Optional<StoredMessage> next(long fromSeq, String filter) throws InterruptedException {
        requireNotDeleted();
        try {
            return reader.next(view(), fromSeq, new SubjectFilter(filter == null || filter.isEmpty() ? List.of() : List.of(filter)));
        } catch (java.io.UncheckedIOException e) {
            throw deletedMeanwhileOr(e);
        }
    }

    /**
     * Up to {@code max} committed messages at or after {@code fromSeq} matching {@code filter}
     * (null or empty: any), in sequence order, read in one pass over each block.
     */
    public List<StoredMessage> nextBatch(long fromSeq, String filter, int max) throws InterruptedException {
        requireNotDeleted();
        if (max <= 0) {
            throw new IllegalArgumentException("max must be positive, got " + max);
        }
        try {
            return reader.batch(view(), fromSeq, new SubjectFilter(filter == null || filter.isEmpty() ? List.of() : List.of(filter)), max);
        } catch (java.io.UncheckedIOException e) {
            throw deletedMeanwhileOr(e);
        }
    }

    /** The subjects of block {@code b} of a view of this stream, for counts by subject; null: read its messages ({@link StreamReads#subjectsOf}). */
    BlockSubjects subjectsOf(StreamView.Block b) throws InterruptedException {
        try {
            return reader.subjectsOf(b);
        } catch (java.io.UncheckedIOException e) {
            throw deletedMeanwhileOr(e);
        }
    }

    /** The live messages of block {@code b} in [lo, hi] matching {@code filter}, read message by message ({@link StreamReads#countIn}). */
    long countIn(StreamView.Block b, long lo, long hi, SubjectFilter filter) throws InterruptedException {
        try {
            return reader.countIn(b, lo, hi, filter);
        } catch (java.io.UncheckedIOException e) {
            throw deletedMeanwhileOr(e);
        }
    }

    /** As {@link #countIn}, handing {@code out} each counted message's subject ({@link StreamReads#subjectsIn}). */
    long subjectsIn(StreamView.Block b, long lo, long hi, SubjectFilter filter, java.util.function.Consumer<String> out)
            throws InterruptedException {
        try {
            return reader.subjectsIn(b, lo, hi, filter, out);
        } catch (java.io.UncheckedIOException e) {
            throw deletedMeanwhileOr(e);
        }
    }

    /** The first committed message at or after {@code fromSeq} matching any of the consumer's filters. */
    Optional<StoredMessage> nextMatching(long fromSeq, SubjectFilter filter) throws InterruptedException {
        return reader.next(view(), fromSeq, filter);
    }

    // ---- consumers -------------------------------------------------------------------------------

    /**
     * Creates a pull consumer from a config with nats-server's field names (durations in
     * nanoseconds), checked as the server checks it; the same config again returns the existing
     * consumer, another one under the same name is 10148 {@code consumer already exists}.
     * A config without {@code durable_name} is ephemeral: removed after {@code inactive_threshold}
     * (default 5 s) without a fetch or an ack.
     */
    public PullConsumer createConsumer(io.jetstart.core.meta.ConsumerConfig config) throws IOException, InterruptedException {
        java.util.Objects.requireNonNull(config, CONSUMER_CONFIG_REQUIRED);
        requireWritable();
        return consumers.create(config, false);
    }

    /**
     * {@link #createConsumer} from JSON text (the server's field names, as in its {@code meta.inf});
     * for a consumer by name, {@code ConsumerConfig.builder().durableName(name).build()}.
     */
    public PullConsumer createConsumer(String configJson) throws IOException, InterruptedException {
        if (configJson == null || !configJson.strip().startsWith("{")) {
            // A name here read as JSON was refused as "not valid JSON: Unrecognized token", which
            // did not say what the method takes.
            throw JetStreamApiException.invalidConfig("createConsumer(String) takes the consumer's config as JSON, got '"
                    + configJson + "'; for a consumer by name use createConsumer(ConsumerConfig.builder().durableName(\""
                    + configJson + "\").build())");
        }
        return createConsumer(ConsumerDefinitions.parse(configJson));
    }

    /** Creates the consumer, or updates it when it exists (the server's create-or-update action). */
    public PullConsumer createOrUpdateConsumer(io.jetstart.core.meta.ConsumerConfig config) throws IOException, InterruptedException {
        java.util.Objects.requireNonNull(config, CONSUMER_CONFIG_REQUIRED);
        requireWritable();
        return consumers.create(config, true);
    }

    /** Updates an existing consumer (10149 {@code consumer does not exist} otherwise). */
    public PullConsumer updateConsumer(io.jetstart.core.meta.ConsumerConfig config) throws IOException, InterruptedException {
        java.util.Objects.requireNonNull(config, CONSUMER_CONFIG_REQUIRED);
        requireWritable();
        return consumers.update(config);
    }

    /** Deletes a consumer and its directory (10014 {@code consumer not found} when absent). */
    public void deleteConsumer(String consumerName) throws IOException, InterruptedException {
        requireWritable();
        if (writer != null && writer.isWriterThread()) {
            // An interest stream's delete waits for the writer to remove what only it held.
            throw onOwnWriter("consumer delete");
        }
        consumers.delete(consumerName);
    }

    /**
     * A served pull consumer; 10014 when there is none of that name, and
     * {@link UnsupportedOperationException} naming the reason for one the runtime only reports (a
     * push consumer, a consumer of a read-only stream).
     */
    public PullConsumer consumer(String consumerName) {
        requireCurrent();
        return consumers.get(consumerName);
    }

    /**
     * The consumers whose files the stream's recovery found but could not restore (a damaged
     * {@code meta.inf}, an unreadable {@code o.dat}...), name → why, as they were when the store
     * opened. Neither served nor reported, as nats-server skips them: {@link #consumer} answers
     * 10014 for them; this says why, for a caller that wants to tell "not there" from "not readable".
     */
    public Map<String, String> unrestoredConsumers() {
        return consumers.unrestored();
    }

    /** CONSUMER.INFO of any consumer of the stream, served or only reported. */
    public ConsumerStatus consumerInfo(String consumerName) throws InterruptedException {
        return consumers.status(consumerName);
    }

    /** The names of the stream's consumers, sorted. */
    public List<String> consumerNames() {
        return consumers.names();
    }

    StreamConsumers consumers() {
        return consumers;
    }

    ConsumerCounters consumerTotals() {
        return consumerTotals;
    }

    /** The pull consumers served now (not those only reported). */
    public List<PullConsumer> servedConsumers() {
        return consumers.served();
    }

    private void requireWritable() {
        requireCurrent();
        if (writer == null) {
            throw new IllegalStateException("stream '" + name + "' is read-only: " + readOnlyReason);
        }
    }

    /**
     * A consumer acknowledged these messages. On an interest or work-queue stream each one that no
     * consumer still needs goes, with a tombstone through the stream's writer (nats-server's
     * {@code ackMsg}: {@code noInterest} asks every consumer's {@code needAck}). With
     * {@code barrier} the returned future completes once the writer has written every removal
     * asked for so far (its queue is in order, so an empty release behind them is enough), for the
     * {@code o.dat} that records these acks. Fails at once with the InterruptedException when an
     * interrupt stopped a read: none of {@code seqs} was handed on.
     */
    CompletableFuture<?> consumerAckedWritten(PullConsumer by, long[] seqs, boolean barrier) {
        if (config.retention() == StreamConfig.Retention.LIMITS || writer == null) {
            return CompletableFuture.completedFuture(null);
        }
        long[] gone = new long[seqs.length];
        int n = 0;
        for (long seq : seqs) {
            try {
                Optional<StoredMessage> m = reader.get(view(), seq);
                if (m.isPresent() && !consumers.needed(seq, m.get().subject())) {
                    gone[n++] = seq;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return CompletableFuture.failedFuture(e);
            }
        }
        if (n > 0 || barrier) {
            return writer.submit(new WriterLoop.Release(java.util.Arrays.copyOf(gone, n), new CompletableFuture<>()));
        }
        return CompletableFuture.completedFuture(null);
    }

    /**
     * A consumer goes away: on an interest stream, the messages no other consumer still needs go.
     * The returned future completes once the writer has written their removals (at once when there
     * are none).
     */
    CompletableFuture<?> consumerRemoved() {
        if (config.retention() != StreamConfig.Retention.INTEREST || writer == null) {
            return CompletableFuture.completedFuture(null);
        }
        List<Long> gone = new java.util.ArrayList<>();
        try {
            StreamView v = view();
            long at = v.firstSeq();
            SubjectFilter all = new SubjectFilter(List.of());
            // In batches: each read walks its block from the start, so one message a read made a
            // delete quadratic in a block's messages (20,000 left took 2.2 s; docs/benchmarks-passes.md).
            while (v.messages() > 0 && at <= v.lastSeq()) {
                List<StoredMessage> batch = reader.batch(v, at, all, REMOVAL_WALK_BATCH);
                if (batch.isEmpty()) {
                    break;
                }
                for (StoredMessage m : batch) {
                    if (!consumers.needed(m.seq(), m.subject())) {
                        gone.add(m.seq());
                    }
                }
                at = batch.getLast().seq() + 1;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        if (gone.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return writer.submit(new WriterLoop.Release(gone.stream().mapToLong(Long::longValue).toArray(), new CompletableFuture<>()));
    }

    /** The stream's writer (null when read-only), for the runtime's tests. */
    WriterLoop writer() {
        return writer;
    }

    void stop() throws InterruptedException {
        if (writer != null) {
            writer.stop();
        }
    }

    /** {@link #stop} without the wait: the writer is asked to end ({@link #awaitStop} waits for it). */
    void requestStop() {
        if (writer != null) {
            writer.requestStop();
        }
    }

    /** Waits for the writer {@link #requestStop} asked to end. */
    void awaitStop() throws InterruptedException {
        if (writer != null) {
            writer.awaitStop();
        }
    }

    private static <T> T await(CompletableFuture<T> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof CompletionException ce && ce.getCause() != null) {
                c = ce.getCause();
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw new IllegalStateException(c);
        }
    }
}
