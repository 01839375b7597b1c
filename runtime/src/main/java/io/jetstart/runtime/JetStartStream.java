package io.jetstart.runtime;

import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * One served stream. Thread-safe: writes go to the stream's single writer ({@link WriterLoop}),
 * reads use the view the writer last published and never wait for it.
 */
public final class JetStartStream {
    private final String account;
    private final String name;
    private final WriterLoop writer;
    private final StreamView readOnlyView;
    private final String readOnlyReason;
    private final StreamReads reader;
    private volatile StreamConfig config;

    JetStartStream(String account, String name, StreamConfig config, WriterLoop writer, StreamView readOnlyView,
                   String readOnlyReason, StreamReads reader) {
        this.account = account;
        this.name = name;
        this.config = config;
        this.writer = writer;
        this.readOnlyView = readOnlyView;
        this.readOnlyReason = readOnlyReason;
        this.reader = reader;
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

    /** Why this stream is served read-only (empty when it is writable). */
    public Optional<String> readOnlyReason() {
        return Optional.ofNullable(readOnlyReason);
    }

    /** The committed state: messages, bytes, first/last sequence and time, deleted count, subjects. */
    public StreamView info() {
        return view();
    }

    /** Operations waiting for this stream's writer (0 for a read-only stream). */
    public int queued() {
        return writer == null ? 0 : writer.queued();
    }

    private StreamView view() {
        return writer == null ? readOnlyView : writer.view();
    }

    /** Publishes and waits for the ack; a refusal is a {@link JetStreamApiException} with the server's code. */
    public PublishAck publish(String subject, Headers headers, byte[] payload) throws InterruptedException {
        return await(publishAsync(subject, headers, payload));
    }

    public PublishAck publish(String subject, byte[] payload) throws InterruptedException {
        return publish(subject, Headers.EMPTY, payload);
    }

    /** Hands the message to the writer; the future completes once it is committed (per the sync policy). */
    public CompletableFuture<PublishAck> publishAsync(String subject, Headers headers, byte[] payload) {
        CompletableFuture<PublishAck> f = new CompletableFuture<>();
        if (writer == null) {
            f.completeExceptionally(new IllegalStateException("stream '" + name + "' is read-only: " + readOnlyReason));
            return f;
        }
        if (subject == null || subject.isEmpty()) {
            f.completeExceptionally(new IllegalArgumentException("subject is required"));
            return f;
        }
        Headers h = headers == null ? Headers.EMPTY : headers;
        return writer.submit(new WriterLoop.Publish(subject, WriterLoop.utf8(subject), h, h.encode(), payload, f));
    }

    /** Removes message {@code seq}, leaving a tombstone; {@link JetStreamApiException} 10057 if it is not there. */
    public void delete(long seq) throws InterruptedException {
        await(write(new WriterLoop.Delete(seq, new CompletableFuture<>())));
    }

    /** Purges as nats-server's purge request does; returns how many messages were removed. */
    public long purge(PurgeRequest request) throws InterruptedException {
        return await(write(new WriterLoop.Purge(request, new CompletableFuture<>())));
    }

    /** Syncs the stream's blocks and rewrites its {@code index.db} now. */
    public void flush() throws InterruptedException {
        await(write(new WriterLoop.Flush(new CompletableFuture<>())));
    }

    void update(StreamConfig newConfig, byte[] metaInf) throws InterruptedException {
        await(write(new WriterLoop.Update(newConfig, metaInf, new CompletableFuture<>())));
        this.config = newConfig;
    }

    private <T> CompletableFuture<T> write(WriterLoop.Op op) {
        if (writer == null) {
            @SuppressWarnings("unchecked")
            CompletableFuture<T> f = (CompletableFuture<T>) op.done();
            f.completeExceptionally(new IllegalStateException("stream '" + name + "' is read-only: " + readOnlyReason));
            return f;
        }
        return writer.submit(op);
    }

    /** The committed message {@code seq}, checksum verified; empty when it is not live. */
    public Optional<StoredMessage> get(long seq) throws InterruptedException {
        return reader.get(view(), seq);
    }

    /** The last committed message on {@code subject} (wildcards allowed). */
    public Optional<StoredMessage> lastBySubject(String subject) throws InterruptedException {
        return reader.last(view(), new SubjectFilter(List.of(subject)));
    }

    /** The first committed message at or after {@code fromSeq} matching {@code filter} (null or empty: any). */
    public Optional<StoredMessage> next(long fromSeq, String filter) throws InterruptedException {
        return reader.next(view(), fromSeq, new SubjectFilter(filter == null || filter.isEmpty() ? List.of() : List.of(filter)));
    }

    void stop() throws InterruptedException {
        if (writer != null) {
            writer.stop();
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
