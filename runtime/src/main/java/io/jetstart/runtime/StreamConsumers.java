package io.jetstart.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.crypto.ConsumerKeys;
import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.io.Interrupts;
import io.jetstart.core.meta.ConsumerConfig;
import io.jetstart.core.meta.ConsumerMeta;
import io.jetstart.core.meta.MetaException;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.store.ConsumerConfigRules;
import io.jetstart.core.store.ConsumerInfo;
import io.jetstart.core.store.ConsumerStateFile;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The consumers of one served stream: the pull consumers the runtime delivers, and those it only
 * reports (push consumers, consumers of a read-only stream), whose files it never touches. Owns
 * each consumer's directory {@code obs/<name>/}: {@code meta.inf}/{@code meta.sum} on create and
 * update, {@code o.dat} at most every 100 ms while the state changes (nats-server's flush cadence)
 * and on close, each written atomically.
 *
 * <p>In an encrypted stream (its keys opened with the operator's key) a consumer the runtime
 * creates is encrypted as nats-server's {@code writeConsumerMeta} makes it: {@code meta.key} first
 * (a random seed sealed under KEK(account, "stream.consumer"), the stream's cipher), then
 * {@code meta.inf} sealed with that seed ({@code meta.sum} over the sealed bytes), and every
 * {@code o.dat} sealed the same way ({@code encryptState}), each with a fresh random nonce. A
 * restored consumer is written as it was found: sealed with its own key, or plain.
 */
final class StreamConsumers {
    /** The logger of the recovery's lines and the writers' ({@code WriterLoop}): one place to grep. */
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("jetstart");
    private final JetStartStream stream;
    private final Path obsDir;
    private final Map<String, PullConsumer> served = new ConcurrentHashMap<>();
    private final Map<String, ConsumerStatus> reported = new ConcurrentHashMap<>();
    /** The keys of each served consumer that is encrypted; plain ones have none here. */
    private final Map<String, ConsumerKeys> sealed = new ConcurrentHashMap<>();
    private final StreamKeys keys;
    private final ReentrantLock admin = new ReentrantLock();
    /** Consumers whose last o.dat write failed (a full disk): said once, and again when one succeeds. */
    private final Set<String> unwritable = ConcurrentHashMap.newKeySet();
    /** Consumers whose delete is under way (under {@link #admin}): {@link #needed} leaves them out. */
    private final Set<String> deleting = ConcurrentHashMap.newKeySet();
    /** Set by {@link #closeAll} under {@link #admin}; from then on nothing is created, updated or deleted. */
    private boolean closed;
    /**
     * Its read lock is held around each o.dat write (writes of different consumers run together),
     * its write lock by {@link #delete} around the removal of the consumer's files. NOTE: a tick
     * takes the state to write before it writes, so a delete could fall between: it marked the
     * consumer deleted and listed its files, then the write put its temp file into the directory
     * and the directory's removal failed (DirectoryNotEmptyException, the consumer left half
     * removed and still listed). Now a write under way ends before the listing, and one after it
     * sees the consumer deleted and writes nothing.
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock files = new java.util.concurrent.locks.ReentrantReadWriteLock();
    /**
     * o.dat writes a tick has taken a state for and not yet ended ({@link OdatWrite}); a close waits
     * for none to be left before it takes each consumer's last state. NOTE: counted before the state
     * is taken, so a close that marked the consumer deleted either sees the count or makes the tick
     * take no state (both under the consumer's lock); a write that then finds its consumer deleted
     * gives its state back (dirty) for the close's last write.
     */
    private int writesUnderWay;
    private final ReentrantLock writesLock = new ReentrantLock();
    private final java.util.concurrent.locks.Condition writesEnded = writesLock.newCondition();
    /** Test seam: runs in {@link #delete} once a consumer's files are listed, before they are removed. Null in service. */
    private volatile Runnable afterListing;
    /** Test seam: writes each o.dat of {@link #tick} in place of the store's {@link ConsumerStateFlusher}. Null in service. */
    private volatile OdatWriter odatWriter;
    /** The consumers recovery found in the files but could not restore, with why (set once, at hand-over). */
    private volatile Map<String, String> unrestored = Map.of();
    /** Restored consumers whose meta.inf may be damaged (ConsumerInfo.doubt): reported, not delivered, and they hold interest. */
    private volatile java.util.Set<String> doubted = java.util.Set.of();
    /** Restored consumers nats-server would not restore at all ({@link ConsumerInfo#serverSkips()}). */
    private volatile java.util.Set<String> skipped = java.util.Set.of();

    /** Ticks run over this stream's consumers (the housekeeper's thread writes it), for a test. */
    private volatile long ticks;

    /** How {@link #tick} writes an o.dat (a test seam). */
    interface OdatWriter {
        void write(String consumer, Path file, byte[] bytes) throws IOException;
    }

    StreamConsumers(JetStartStream stream, Path streamDir, StreamKeys keys) {
        this.stream = stream;
        this.obsDir = streamDir.resolve("obs");
        this.keys = keys;
    }

    /**
     * Takes over the consumers recovery restored: pull consumers are served, others reported; and
     * keeps why the {@code unrestored} ones (name → reason) could not be, for {@link #unrestored()}.
     */
    void restore(List<ConsumerInfo> restored, Map<String, String> unrestored, String readOnlyReason) throws InterruptedException {
        this.unrestored = Map.copyOf(unrestored);
        java.util.Set<String> doubted = new java.util.TreeSet<>();
        for (ConsumerInfo info : restored) {
            if (info.doubt().isPresent()) {
                doubted.add(info.name());
            }
        }
        this.doubted = java.util.Set.copyOf(doubted);
        java.util.Set<String> skips = new java.util.TreeSet<>();
        for (ConsumerInfo info : restored) {
            if (info.serverSkips()) {
                skips.add(info.name());
            }
        }
        this.skipped = java.util.Set.copyOf(skips);
        if (holdsForUnrestored() && readOnlyReason == null) {
            java.util.Set<String> held = new java.util.TreeSet<>(unrestored.keySet());
            held.addAll(doubted);
            LOG.warn("{} > {}: messages are not removed by interest while consumer(s) {} could not be restored or may have a damaged "
                    + "meta.inf (their filters and ack floors are in those files); mend or move out their obs/ directories and "
                    + "reopen the store", stream.account(), stream.name(), String.join(", ", held));
        }
        for (ConsumerInfo info : restored) {
            ConsumerConfig config = info.config();
            String why = readOnlyReason != null ? "its stream is read-only: " + readOnlyReason
                    : info.doubt().isPresent()
                    ? "not delivered: " + info.doubt().get() + "; mend its meta.inf (or move its directory out) and reopen the store"
                    : !config.json().path("deliver_subject").asText("").isEmpty()
                    ? "push consumer (deliver subject '" + config.json().path("deliver_subject").asText() + "'): "
                    + "the embedded runtime delivers pull consumers only; its files are left as they are"
                    : ConsumerConfigRules.notServed(config).isPresent()
                    ? ConsumerConfigRules.notServed(config).get() + "; its files are left as they are"
                    : null;
            if (why == null) {
                Path dir = obsDir.resolve(info.name());
                ConsumerState file = null;
                ConsumerKeys ck = ConsumerKeys.PLAIN;
                try {
                    // Recovery's reader, with the keys recovery opened it with (meta.key, context "stream.consumer").
                    ck = keys.consumer(dir, DiskGate.unbounded());
                    file = ConsumerStateFile.read(dir.resolve("o.dat"), ck, DiskGate.unbounded());
                } catch (InterruptedIOException | ClosedByInterruptException e) {
                    // An interrupt (a deadline, a close) is not a consumer's fault: the hand-over
                    // stops, rather than serving the stream with this consumer reported lost.
                    throw Interrupts.cancelled(dir.resolve("o.dat"), e);
                } catch (DecryptionException e) {
                    why = "its keys or o.dat could not be opened again at hand-over: " + e.getMessage();
                } catch (IOException | FormatException e) {
                    why = "its o.dat could not be read again at hand-over: " + e;
                }
                if (why == null) {
                    PullConsumer c = new PullConsumer(stream, config, new ConsumerCounters(stream.consumerTotals()));
                    c.restore(info.delivered(), info.ackFloor(), file);
                    if (ck.encrypted()) {
                        sealed.put(info.name(), ck);
                    }
                    served.put(info.name(), c);
                    continue;
                }
            }
            reported.put(info.name(), new ConsumerStatus(stream.name(), info.name(), config, info.delivered(), info.ackFloor(),
                    info.numAckPending(), info.numRedelivered(), info.numPending(), 0, Optional.of(why), java.time.Duration.ZERO));
        }
    }

    PullConsumer create(ConsumerConfig requested, boolean mayUpdate) throws IOException, InterruptedException {
        StreamConfig sc = stream.config();
        ObjectNode meta = ConsumerDefinitions.complete(requested, sc, WriterLoop.wallNanos());
        if (!meta.path("deliver_subject").asText("").isEmpty()) {
            throw new UnsupportedOperationException("push consumers (deliver_subject) are not delivered by the embedded runtime; "
                    + "create a pull consumer");
        }
        String name = meta.path("Name").asText();
        admin.lockInterruptibly();
        try {
            requireOpen();
            PullConsumer existing = served.get(name);
            if (existing != null || reported.containsKey(name)) {
                ObjectNode old = existing != null ? existing.config().json() : reported.get(name).config().json();
                keepPause(old, meta);
                if (sameConfig(old, meta)) {
                    if (existing == null) {
                        throw notDelivered(name);
                    }
                    return existing;
                }
                if (!mayUpdate) {
                    throw ConsumerDefinitions.alreadyExists();
                }
                if (existing == null) {
                    throw notDelivered(name);
                }
                return update(existing, old, meta);
            }
            checkWorkQueue(name, ConsumerDefinitions.settings(parse(meta)).filters());
            ConsumerConfig config = parse(meta);
            Path dir = obsDir.resolve(name);
            boolean fresh = !Files.exists(dir);
            ConsumerKeys ck = ConsumerKeys.PLAIN;
            PullConsumer c;
            boolean written = false;
            try {
                if (keys.encrypted()) {
                    StreamKeys.NewConsumerKey nk = keys.newConsumer(name);
                    MetaFiles.writeConsumerKey(dir, nk.metaKey());
                    ck = nk.keys();
                }
                MetaFiles.writeConsumer(dir, stream.name(), name, ck.seal(bytes(meta)));
                c = new PullConsumer(stream, config, new ConsumerCounters(stream.consumerTotals()));
                c.start();
                // SetStarting writes the state at once, as the server does.
                AtomicFiles.write(dir.resolve("o.dat"), ck.seal(c.stateToWrite(WriterLoop.wallNanos(), true)));
                written = true;
            } finally {
                if (!written && fresh) {
                    // A full disk half-way left obs/<name> without a meta.inf: reported as a failed
                    // consumer at every later open.
                    UnmadeDirectory.remove(dir, MetaFiles.META_KEY, MetaFiles.META_INF, MetaFiles.META_SUM, "o.dat");
                }
            }
            // Its keys before it is listed: a tick that finds it among the served seals with them.
            if (ck.encrypted()) {
                sealed.put(name, ck);
            }
            served.put(name, c);
            stream.consumerChanged();
            return c;
        } finally {
            admin.unlock();
        }
    }

    PullConsumer update(ConsumerConfig requested) throws IOException, InterruptedException {
        StreamConfig sc = stream.config();
        ObjectNode meta = ConsumerDefinitions.complete(requested, sc, WriterLoop.wallNanos());
        String name = meta.path("Name").asText();
        admin.lockInterruptibly();
        try {
            requireOpen();
            PullConsumer existing = served.get(name);
            if (existing == null) {
                if (reported.containsKey(name)) {
                    throw notDelivered(name);
                }
                throw ConsumerDefinitions.doesNotExist();
            }
            ObjectNode old = existing.config().json();
            keepPause(old, meta);
            return update(existing, old, meta);
        } finally {
            admin.unlock();
        }
    }

    private PullConsumer update(PullConsumer c, ObjectNode old, ObjectNode meta) throws IOException {
        ConsumerDefinitions.checkUpdate(old, meta);
        meta.put("Created", old.path("Created").asText());
        ConsumerConfig config = parse(meta);
        checkWorkQueue(c.name(), ConsumerDefinitions.settings(config).filters());
        MetaFiles.writeConsumer(obsDir.resolve(c.name()), stream.name(), c.name(), keysOf(c.name()).seal(bytes(meta)));
        c.reconfigure(config);
        return c;
    }

    /**
     * A create or update of an existing consumer leaves its pause as it is, whatever the request
     * says (nats-server's {@code jsConsumerCreateRequest}: "don't allow updating the PauseUntil");
     * only {@link #pause} changes it. As the server's config struct orders it, the key comes after
     * {@code metadata}, where a {@code meta.inf} the server wrote has it.
     */
    private static void keepPause(ObjectNode old, ObjectNode meta) {
        if (old.has(PauseUntil.KEY)) {
            // In place where the request had it too (an ObjectNode keeps a replaced key's position).
            meta.set(PauseUntil.KEY, old.get(PauseUntil.KEY));
        } else {
            meta.remove(PauseUntil.KEY);
        }
    }

    /**
     * Pauses {@code c} until {@code until}, or resumes it ({@code null}): nats-server's
     * {@code $JS.API.CONSUMER.PAUSE}, which sets {@code pause_until} in UTC (or removes it) and
     * writes the {@code meta.inf} through its config update, so a server started on the files
     * restores the same pause. A time in the past is kept and pauses nothing, as the server keeps it.
     */
    void pause(PullConsumer c, java.time.Instant until) throws IOException, InterruptedException {
        admin.lockInterruptibly();
        try {
            requireOpen();
            if (served.get(c.name()) != c || c.isDeleted()) {
                throw ConsumerDefinitions.notFound();
            }
            ObjectNode meta = c.config().json();
            if (PauseUntil.of(until).set()) {
                meta.put(PauseUntil.KEY, io.jetstart.core.format.GoTime.format(until));
            } else {
                meta.remove(PauseUntil.KEY);
            }
            ConsumerConfig config = parse(meta);
            MetaFiles.writeConsumer(obsDir.resolve(c.name()), stream.name(), c.name(), keysOf(c.name()).seal(bytes(meta)));
            c.reconfigure(config);
        } finally {
            admin.unlock();
        }
    }

    /** A work-queue stream takes one unfiltered consumer, or filtered ones that do not overlap. */
    private void checkWorkQueue(String name, List<String> filters) {
        if (stream.config().retention() != StreamConfig.Retention.WORKQUEUE) {
            return;
        }
        List<List<String>> others = new ArrayList<>();
        served.forEach((n, c) -> {
            if (!n.equals(name)) {
                others.add(c.filters());
            }
        });
        reported.forEach((n, c) -> {
            // One the server skipped is not among its consumers: a create is not checked against it.
            if (!n.equals(name) && !skipped.contains(n)) {
                others.add(c.config().filterSubjects());
            }
        });
        if (others.isEmpty()) {
            return;
        }
        if (filters.isEmpty()) {
            throw ConsumerDefinitions.workQueueMultipleUnfiltered();
        }
        for (List<String> o : others) {
            if (!ConsumerConfigRules.overlaps(filters, o).isEmpty()) {
                throw ConsumerDefinitions.workQueueNotUnique();
            }
        }
    }

    void delete(String name) throws IOException, InterruptedException {
        admin.lockInterruptibly();
        try {
            requireOpen();
            PullConsumer c = served.get(name);
            if (c == null && !reported.containsKey(name)) {
                throw ConsumerDefinitions.notFound();
            }
            if (c != null) {
                c.markDeleted();
                // What its acks released before the delete is removed as the acks said (a work
                // queue's next consumer would be handed it again otherwise).
                awaitRemovals(c.releaseTaken());
            }
            // nats-server's order (consumer.go stopWithFlags: cleanupNoInterestMessages, then
            // store.Delete): the messages only this consumer still needed are removed, and written,
            // before its files go. The other way round a kill -9 between the two left messages no
            // consumer needs, which no startup walk removes (InterestCrashIT). From here on it needs
            // nothing: an ack of another consumer released meanwhile removes what only it held.
            deleting.add(name);
            if (doubted.contains(name)) {
                // Deleted on purpose: it no longer holds what the others' acks release.
                java.util.Set<String> left = new java.util.HashSet<>(doubted);
                left.remove(name);
                doubted = java.util.Set.copyOf(left);
            }
            awaitRemovals(stream.consumerRemoved());
            Path dir = obsDir.resolve(name);
            files.writeLock().lock();
            try {
                if (Files.isDirectory(dir)) {
                    List<Path> listed;
                    try (Stream<Path> walk = Files.walk(dir)) {
                        listed = walk.sorted(Comparator.reverseOrder()).toList();
                    }
                    Runnable seam = afterListing;
                    if (seam != null) {
                        seam.run();
                    }
                    for (Path p : listed) {
                        Files.delete(p);
                    }
                }
            } finally {
                files.writeLock().unlock();
            }
            // Listed until its files are gone, so a listing never names a consumer without them or the reverse.
            served.remove(name);
            reported.remove(name);
            // Last: a tick still writing it finds its keys, or no directory to write into (never a plain o.dat).
            sealed.remove(name);
            // A consumer created later under this name starts with its o.dat unwritten by nobody:
            // without this its first write logged "written again" for a failure it never had.
            unwritable.remove(name);
        } finally {
            deleting.remove(name);
            admin.unlock();
        }
    }

    /** Waits for the writer to write a deleted consumer's removals; a failed writer leaves them undone, as a kill would. */
    private static void awaitRemovals(java.util.concurrent.CompletableFuture<?> written) throws InterruptedException {
        try {
            written.get();
        } catch (java.util.concurrent.ExecutionException e) {
            // The stream's writer failed: its later writes fail the same way and say so; the delete goes on.
        }
    }

    /** The consumers the stream's recovery could not restore, name → why, as they were at the open. */
    Map<String, String> unrestored() {
        return unrestored;
    }

    PullConsumer get(String name) {
        PullConsumer c = served.get(name);
        if (c != null) {
            return c;
        }
        if (reported.containsKey(name)) {
            throw notDelivered(name);
        }
        throw ConsumerDefinitions.notFound();
    }

    ConsumerStatus status(String name) throws InterruptedException {
        PullConsumer c = served.get(name);
        if (c != null) {
            return c.status();
        }
        ConsumerStatus r = reported.get(name);
        if (r == null) {
            throw ConsumerDefinitions.notFound();
        }
        // Its pause as of now: the config says what a server would do with it, delivered or not.
        return new ConsumerStatus(r.stream(), r.name(), r.config(), r.delivered(), r.ackFloor(), r.numAckPending(),
                r.numRedelivered(), r.numPending(), r.numWaiting(), r.notDelivered(),
                PauseUntil.of(r.config()).remaining(WriterLoop.wallNanos()));
    }

    List<String> names() {
        List<String> out = new ArrayList<>(served.keySet());
        out.addAll(reported.keySet());
        out.sort(null);
        return out;
    }

    List<PullConsumer> served() {
        return List.copyOf(served.values());
    }

    /** Filters of every consumer, served and reported (interest retention asks all of them). */
    List<ConsumerStatus> reportedOnly() {
        return List.copyOf(reported.values());
    }

    private UnsupportedOperationException notDelivered(String name) {
        return new UnsupportedOperationException("consumer '" + name + "' of stream '" + stream.name()
                + "' is not delivered by the embedded runtime: " + reported.get(name).notDelivered().orElse(""));
    }

    /** Test seam: see {@link #afterListing}. */
    void afterListing(Runnable hook) {
        afterListing = hook;
    }

    /** Test seam: see {@link #odatWriter}. */
    void odatWriter(OdatWriter writer) {
        odatWriter = writer;
    }

    /** For a test: whether a delete waits for an o.dat write to finish. */
    boolean deleteWaitsForAWrite() {
        return files.hasQueuedThreads();
    }

    /**
     * The housekeeper's tick: ack-wait timers, inactive consumers; the o.dat writes due are added to
     * {@code writes}, for the housekeeper to hand to the flusher with those of other streams (they
     * run beside it; a consumer whose last write is still under way hands out nothing until it has
     * ended). Returns the earliest timer due.
     */
    long tick(long now, List<ConsumerStateFlusher.Job> writes) {
        ticks++;
        long due = Long.MAX_VALUE;
        for (PullConsumer c : served.values()) {
            if (c.tick(now)) {
                try {
                    delete(c.name());
                } catch (IOException | InterruptedException | RuntimeException e) {
                    // Tried again on the next tick; the consumer keeps working meanwhile.
                }
                continue;
            }
            due = Math.min(due, c.nextDue());
            writeStarted();
            byte[] state;
            try {
                state = c.stateToWriteAfterReleases(now, false);
            } catch (RuntimeException e) {
                writeEnded();
                throw e;
            }
            if (state != null) {
                writes.add(new OdatWrite(c, state));
            } else {
                writeEnded();
            }
        }
        return due;
    }

    /**
     * One consumer's o.dat write of a tick: under {@link #files}' read lock, unless the consumer was
     * deleted meanwhile (a delete, a close), whose state then goes back to dirty for the close's last
     * write. A failure (a full disk) leaves the state dirty for the next tick, said once.
     */
    private final class OdatWrite implements ConsumerStateFlusher.Job {
        private final PullConsumer c;
        private final byte[] state;

        OdatWrite(PullConsumer c, byte[] state) {
            this.c = c;
            this.state = state;
        }

        @Override
        public void run() throws InterruptedException {
            try {
                files.readLock().lockInterruptibly();
                try {
                    if (c.isDeleted()) {
                        c.markDirty();
                        return;
                    }
                    Path file = obsDir.resolve(c.name()).resolve("o.dat");
                    byte[] sealedState = keysOf(c.name()).seal(state);
                    OdatWriter w = odatWriter;
                    if (w != null) {
                        w.write(c.name(), file, sealedState);
                    } else {
                        stream.odatFlusher().write(file, sealedState);
                    }
                    if (unwritable.remove(c.name())) {
                        LOG.info("{} > {} > {}: o.dat written again", stream.account(), stream.name(), c.name());
                    }
                } catch (IOException e) {
                    if (unwritable.add(c.name())) {
                        // Once until it is written again: the tick tries every 100 ms or so.
                        LOG.warn("{} > {} > {}: o.dat not written ({}); its acks are kept in memory and written at the next "
                                + "tick that can", stream.account(), stream.name(), c.name(), e.getMessage());
                    }
                    c.markDirty();
                } finally {
                    files.readLock().unlock();
                }
            } catch (InterruptedException e) {
                c.markDirty();
                throw e;
            } finally {
                // The consumer's next state may be handed out now, and this stream's close may go on.
                c.odatWriteEnded();
                writeEnded();
            }
        }
    }

    private void writeStarted() {
        writesLock.lock();
        try {
            writesUnderWay++;
        } finally {
            writesLock.unlock();
        }
    }

    private void writeEnded() {
        writesLock.lock();
        try {
            if (--writesUnderWay == 0) {
                writesEnded.signalAll();
            }
        } finally {
            writesLock.unlock();
        }
    }

    /** Waits until no o.dat write of a tick is under way or waiting to run. */
    private void awaitWritesEnded() throws InterruptedException {
        writesLock.lockInterruptibly();
        try {
            while (writesUnderWay > 0) {
                writesEnded.await();
            }
        } finally {
            writesLock.unlock();
        }
    }

    /** nats-server's needAck over every consumer but those being deleted: does any still need message {@code seq}? */
    boolean needed(long seq, String subject) {
        for (PullConsumer c : served.values()) {
            if (!deleting.contains(c.name()) && c.needs(seq, subject)) {
                return true;
            }
        }
        boolean workQueue = stream.config().retention() == StreamConfig.Retention.WORKQUEUE;
        for (ConsumerStatus r : reported.values()) {
            if (workQueue && skipped.contains(r.name())) {
                // The server does not have it, so another consumer's ack removes what it matches
                // (both lines: OddConsumerConfigIT, W2); what only it matches stays, as nothing acks it.
                continue;
            }
            if (!deleting.contains(r.name()) && seq > r.ackFloor().streamSeq()
                    && new io.jetstart.core.store.SubjectFilter(r.config().filterSubjects()).matches(subject)) {
                return true;
            }
        }
        return holdsForUnrestored();
    }

    /**
     * On an interest stream, a consumer whose files could not be restored may still need any message:
     * its filter and ack floor are in the files that failed. nats-server skips such a consumer and
     * lets the others' acks remove what it needed; the runtime removes nothing by interest until the
     * consumer is mended (its files, then a reopen) or gone (its directory moved out, or `jetstart
     * repair`), so no message it might need is destroyed (the hostile-store campaign: a cut
     * obs/C1/meta.inf on 2.9.10's INT1, and the restored consumer's acks compacted 1.blk from 136,000
     * to 54,400 bytes).
     */
    private boolean holdsForUnrestored() {
        return (!unrestored.isEmpty() || !doubted.isEmpty()) && stream.config().retention() == StreamConfig.Retention.INTEREST;
    }

    /** Interest retention at publish: is any consumer's filter matching {@code subject}? */
    boolean interested(String subject) {
        for (PullConsumer c : served.values()) {
            if (c.matches(subject)) {
                return true;
            }
        }
        for (ConsumerStatus r : reported.values()) {
            if (new io.jetstart.core.store.SubjectFilter(r.config().filterSubjects()).matches(subject)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A purge of the stream, told by its writer (on its thread) once the purge is published: each
     * served consumer moves as nats-server's {@code consumer.purge} moves it ({@link PullConsumer#purged}).
     * Consumers only reported (push consumers) are left as they are, their files never written.
     */
    void purged(StreamPurge purge) {
        for (PullConsumer c : served.values()) {
            c.purged(purge);
        }
        // Their moved state is due in o.dat: the housekeeper must not sleep through it.
        stream.consumerChanged();
    }

    void signalAll() {
        for (PullConsumer c : served.values()) {
            c.signal();
        }
    }

    /**
     * On close (of this stream alone: a resume, a delete of the stream): stops fetches and consume
     * loops, then writes every changed o.dat, synced, together; returns the consumers whose o.dat
     * could not be written, each with why (a restart redelivers what they acknowledged since their
     * last write). The store's close runs {@link #closing} of every stream and their writes together.
     */
    List<String> closeAll() throws InterruptedException {
        List<String> unwritten = java.util.Collections.synchronizedList(new ArrayList<>());
        List<ConsumerStateFlusher.Job> writes = new ArrayList<>();
        closing(writes, unwritten);
        stream.odatFlusher().runTogether(writes);
        return new ArrayList<>(unwritten);
    }

    /**
     * The close up to its writes: stops fetches and consume loops, waits for the o.dat writes of a
     * tick, hands on the acks taken, and adds the last write of every consumer whose state changed
     * to {@code writes} (each adds to {@code unwritten}, naming the consumer, when it fails).
     *
     * NOTE: the flag is set and the consumers listed under {@link #admin}, so a create under way has
     * listed its consumer before (and is closed here with the rest) and a later one is refused; the
     * consumers are closed after the lock is let go (a consume loop being joined may be waiting for it).
     */
    void closing(List<ConsumerStateFlusher.Job> writes, List<String> unwritten) throws InterruptedException {
        List<PullConsumer> all;
        admin.lock();
        try {
            closed = true;
            all = List.copyOf(served.values());
        } finally {
            admin.unlock();
        }
        for (PullConsumer c : all) {
            c.markDeleted();
        }
        // A tick that took a state before markDeleted may be writing it now or about to: wait for
        // it here, so that the last write below is the last (a stream's resume reads it next), and
        // a deleteStream right after does not walk obs/ while a tick renames its temp file
        // (NoSuchFileException, the stream half deleted: StreamResumeTest). One that found its
        // consumer deleted gave its state back for the write below.
        awaitWritesEnded();
        // The acks taken before markDeleted go to the writer, and are written, before their o.dat
        // and before the writer's Stop (the caller's next step), which would refuse them.
        for (PullConsumer c : all) {
            awaitRemovals(c.releaseTaken());
        }
        for (PullConsumer c : all) {
            byte[] state = c.finalState();
            if (state != null) {
                writes.add(new LastWrite(c, state, unwritten));
            }
        }
    }

    /** A consumer's last o.dat write at a close, synced whatever the policy (the close makes every file durable). */
    private final class LastWrite implements ConsumerStateFlusher.Job {
        private final PullConsumer c;
        private final byte[] state;
        private final List<String> unwritten;

        LastWrite(PullConsumer c, byte[] state, List<String> unwritten) {
            this.c = c;
            this.state = state;
            this.unwritten = unwritten;
        }

        @Override
        public void run() {
            files.readLock().lock();
            try {
                stream.odatFlusher().writeSynced(obsDir.resolve(c.name()).resolve("o.dat"), keysOf(c.name()).seal(state));
            } catch (IOException e) {
                // The previous o.dat stays: a restart redelivers what this one would have acked.
                // Said, not swallowed: `consume --ack` on a full disk reported its acks done, exit 0.
                unwritten.add(stream.account() + " > " + stream.name() + " > " + c.name() + ": " + e.getMessage());
                LOG.warn("{} > {} > {}: o.dat not written at the close ({}); a restart redelivers what it acknowledged since "
                        + "its last write", stream.account(), stream.name(), c.name(), e.getMessage());
            } finally {
                files.readLock().unlock();
            }
        }
    }

    /** How many times the housekeeper ticked this stream's consumers. */
    long ticks() {
        return ticks;
    }

    /** Called under {@link #admin}: the store closed (or the stream was deleted), its files are no longer ours. */
    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("stream '" + stream.name() + "' is closed");
        }
    }

    /** The keys a served consumer's files are sealed with: its own, or plain. */
    private ConsumerKeys keysOf(String name) {
        return sealed.getOrDefault(name, ConsumerKeys.PLAIN);
    }

    private static boolean sameConfig(ObjectNode a, ObjectNode b) {
        ObjectNode x = a.deepCopy();
        ObjectNode y = b.deepCopy();
        x.remove("Created");
        y.remove("Created");
        // As text: a parsed meta.inf and a built one hold the same numbers in different node types.
        return x.toString().equals(y.toString());
    }

    private static ConsumerConfig parse(ObjectNode meta) {
        try {
            return ConsumerConfig.parse(bytes(meta));
        } catch (FormatException e) {
            throw JetStreamApiException.invalidConfig(e.getMessage());
        }
    }

    /** A consumer's meta.inf bytes, escaped as the server writes them (a filter's {@code >} as backslash-u003e). */
    private static byte[] bytes(ObjectNode meta) {
        return io.jetstart.core.meta.GoJsonWriter.write(meta);
    }

    static ConsumerMeta readMeta(Path dir, String stream) throws MetaException, java.io.InterruptedIOException {
        return MetaFiles.readConsumer(dir, stream, DiskGate.unbounded());
    }
}
