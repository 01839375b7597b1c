package io.jetstart.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The streams a store knows, by account and name, each as the future of the stream served:
 * incomplete while it recovers (per-stream readiness), then served or failed. Also what the stream
 * listeners have been told of, and the bookkeeping of {@link JetStartStore#resumeStream} (the
 * streams a resume is recovering, and those a resume left FAILED).
 *
 * <p>The recovery's side ({@link #started}, {@link #handedOver}) is on every served stream's way:
 * named classes, no lambdas (package-info).
 */
final class StreamRegistry {
    private final Map<String, CompletableFuture<JetStartStream>> streams = new ConcurrentHashMap<>();
    /** Keys of the streams listeners have been told of: real streams only, never a name someone merely asked for. */
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    /**
     * The streams whose last {@link JetStartStore#resumeStream} failed (FAILED now, with why), each
     * with the write error that stopped it: a later resume may try again, unlike a stream the open's
     * recovery failed. Changed under the store's admin lock.
     */
    private final Map<String, String> resumeFailed = new ConcurrentHashMap<>();
    /**
     * Keys of the streams a {@link JetStartStore#resumeStream} is recovering: their incomplete future
     * is the resume's, not a name nobody has (see {@link #stream}). Added before that future is put,
     * removed once it is complete.
     */
    private final Set<String> resuming = ConcurrentHashMap.newKeySet();
    private final StoreListeners listeners;
    private volatile boolean recoveryDone;

    StreamRegistry(StoreListeners listeners) {
        this.listeners = listeners;
    }

    private static String key(String account, String name) {
        return account + "\u0000" + name;
    }

    /** A new, incomplete future for a stream's key (the {@link #streams} map's computeIfAbsent). */
    private static final class NewFuture implements java.util.function.Function<String, CompletableFuture<JetStartStream>> {
        static final NewFuture INSTANCE = new NewFuture();

        @Override
        public CompletableFuture<JetStartStream> apply(String key) {
            return new CompletableFuture<>();
        }
    }

    /** A handle's way to the stream's future now, after a resume replaced the one it was made with ({@link StreamHandle}). */
    private final class Current implements java.util.function.UnaryOperator<CompletableFuture<JetStartStream>> {
        private final String key;

        Current(String key) {
            this.key = key;
        }

        @Override
        public CompletableFuture<JetStartStream> apply(CompletableFuture<JetStartStream> replaced) {
            // Gone (deleted since): the handle keeps what it had, whose calls name the resume.
            return streams.getOrDefault(key, replaced);
        }
    }

    /** Whether the open's recovery has ended ({@link #recoveryEnded}). */
    boolean recoveryDone() {
        return recoveryDone;
    }

    /** A stream's recovery has started: known as recovering from this moment (per-stream readiness). */
    void started(String account, String name) {
        streams.computeIfAbsent(key(account, name), NewFuture.INSTANCE);
        tellKnown(account, name);
    }

    /** A stream's recovery has handed it over (or failed): its future, for the hand-over to complete. */
    CompletableFuture<JetStartStream> handedOver(String account, String name) {
        CompletableFuture<JetStartStream> f = streams.computeIfAbsent(key(account, name), NewFuture.INSTANCE);
        tellKnown(account, name);
        return f;
    }

    /** The open's recovery has ended: no stream it did not find will come ({@link #stream}'s note). */
    void recoveryEnded() {
        recoveryDone = true;
    }

    /** After {@link #recoveryEnded}: every future still incomplete is a name nobody has (10059). */
    void failUnfound() {
        for (CompletableFuture<JetStartStream> f : streams.values()) {
            f.completeExceptionally(JetStreamApiException.streamNotFound());
        }
    }

    /** See {@link JetStartStore#stream(String, String)}; the account is checked by the caller. */
    StreamHandle stream(String account, String name) {
        CompletableFuture<JetStartStream> f = streams.computeIfAbsent(key(account, name), NewFuture.INSTANCE);
        // NOTE: the store's recover() sets recoveryDone and then fails every future still open; this
        // thread puts its future and then reads recoveryDone. Either that loop sees the future or
        // this thread sees recoveryDone, so an await never waits for a recovery that has ended
        // (close() cancels the recovery and joins it, which runs that loop too). A resume's future
        // is put after its key is in resuming, and completed before it leaves: failed here, its
        // stream's writer ran with no future to reach it by.
        if (recoveryDone && !f.isDone() && !resuming.contains(key(account, name))) {
            f.completeExceptionally(JetStreamApiException.streamNotFound());
        }
        return new StreamHandle(account, name, f, new Current(key(account, name)));
    }

    /** The stream's future now; null when the store has none for it. */
    CompletableFuture<JetStartStream> future(String account, String name) {
        return streams.get(key(account, name));
    }

    /**
     * Adds a listener of the streams this store knows; it hears at once of every stream known so
     * far (possibly twice of one that appears meanwhile: listeners must be idempotent).
     */
    void addStreamListener(StreamListener l) {
        listeners.addStreamListener(l);
        boolean outer = listeners.enter();
        try {
            for (String k : known) {
                int cut = k.indexOf('\u0000');
                l.streamKnown(handle(k.substring(0, cut), k.substring(cut + 1)));
            }
        } finally {
            listeners.leave(outer);
        }
    }

    private void tellKnown(String account, String name) {
        if (known.add(key(account, name))) {
            listeners.streamKnown(handle(account, name));
        }
    }

    /** A handle on a stream already in {@link #streams}. */
    private StreamHandle handle(String account, String name) {
        return new StreamHandle(account, name, streams.computeIfAbsent(key(account, name), NewFuture.INSTANCE),
                new Current(key(account, name)));
    }

    /** A create has made and served the stream: {@code f} is its future, told to the listeners as a new stream. */
    void created(String account, String name, CompletableFuture<JetStartStream> f) {
        streams.put(key(account, name), f);
        known.remove(key(account, name));
        tellKnown(account, name);
    }

    /**
     * A new, incomplete future for the stream a resume recovers, told to the stream listeners (the
     * per-stream gauges follow it): seen {@code RECOVERING} from here on, a caller of {@link #stream}
     * waits for the new stream, and the housekeeper and the commit listeners no longer find the old one.
     */
    void resumeStarted(String account, String name) {
        resuming.add(key(account, name));
        streams.put(key(account, name), new CompletableFuture<>());
        known.remove(key(account, name));
        tellKnown(account, name);
    }

    /** The resume of the stream is over; whether it was still marked (its future may be incomplete). */
    boolean resumeEnded(String account, String name) {
        return resuming.remove(key(account, name));
    }

    /** The write error that stopped the stream a failed resume left FAILED; null for any other stream. */
    String resumeFailure(String account, String name) {
        return resumeFailed.get(key(account, name));
    }

    /** Whether a failed resume left the stream FAILED (its files remain; a resume or a delete may follow). */
    boolean failedByResume(String account, String name) {
        return resumeFailed.containsKey(key(account, name));
    }

    /** A resume failed: the stream stays FAILED, with the write error that first stopped it, and may be resumed again. */
    void resumeFailed(String account, String name, String oldError) {
        resumeFailed.put(key(account, name), oldError);
    }

    /** A resume served the stream again (or found it gone). */
    void resumeSucceeded(String account, String name) {
        resumeFailed.remove(key(account, name));
    }

    /** A resume found the stream's directory gone: its future {@code f} goes, unless replaced. */
    void vanished(String account, String name, CompletableFuture<JetStartStream> f) {
        streams.remove(key(account, name), f);
        resumeFailed.remove(key(account, name));
    }

    /** A delete removed the stream: it is forgotten and the stream listeners told (when they knew it). */
    void deleted(String account, String name) {
        resumeFailed.remove(key(account, name));
        streams.remove(key(account, name));
        if (known.remove(key(account, name))) {
            listeners.streamRemoved(account, name);
        }
    }

    /**
     * The served stream of {@code account > name} now, under the store's admin lock: {@code awaited}
     * unless a resume replaced it since it was awaited (or {@code awaited} is null, a stream a resume
     * left FAILED); null when a failed resume left it so.
     */
    JetStartStream current(String account, String name, JetStartStream awaited) {
        if (awaited != null && !awaited.isReplaced()) {
            return awaited;
        }
        CompletableFuture<JetStartStream> f = streams.get(key(account, name));
        if (f == null || !f.isDone()) {
            throw JetStreamApiException.streamNotFound();
        }
        if (f.isCompletedExceptionally() && resumeFailed.containsKey(key(account, name))) {
            return null;
        }
        if (f.isCompletedExceptionally()) {
            throw new StreamUnavailableException(account + " > " + name + ": " + causeOf(f));
        }
        return f.join();
    }

    /** Why a completed-exceptionally future failed. */
    static String causeOf(CompletableFuture<?> f) {
        try {
            f.join();
            return "";
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            return c.getMessage() != null ? c.getMessage() : c.toString();
        }
    }

    /** The streams served now (read-only ones included), in no particular order. */
    List<JetStartStream> served() {
        List<JetStartStream> out = new ArrayList<>();
        for (CompletableFuture<JetStartStream> f : streams.values()) {
            if (f.isDone() && !f.isCompletedExceptionally()) {
                out.add(f.join());
            }
        }
        return out;
    }

    /** How many streams are recovering, ready, read-only and failed, in that order. */
    StreamCounts states() {
        long recovering = 0;
        long ready = 0;
        long readOnly = 0;
        long failed = 0;
        for (CompletableFuture<JetStartStream> f : streams.values()) {
            if (!f.isDone()) {
                recovering++;
            } else if (f.isCompletedExceptionally()) {
                failed++;
            } else if (f.join().readOnlyReason().isPresent()) {
                readOnly++;
            } else {
                ready++;
            }
        }
        return new StreamCounts(recovering, ready, readOnly, failed);
    }
}
