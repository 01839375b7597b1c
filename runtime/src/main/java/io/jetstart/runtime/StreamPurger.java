package io.jetstart.runtime;

import io.jetstart.core.format.Records;
import io.jetstart.core.store.StoreException;
import io.jetstart.core.store.StreamMutator;
import io.jetstart.core.store.StreamStore;
import io.jetstart.core.store.SubjectFilter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A stream's purges, for its writer, on the writer's thread: all of it, up to a sequence, keep N,
 * by subject ({@code PurgeEx}), with the first blocks removed whole where they may be ({@link
 * WholeBlockPurge}), and what each purge tells the stream's consumers ({@link StreamPurge}, a
 * rollup's too), kept until the batch's view is published ({@link #tellPurges}). The writer keeps
 * the refusals (a sealed stream, {@code deny_purge}) and the acks.
 */
final class StreamPurger {
    private final StreamMutator state;
    private final WriterTail tail;
    private final IndexDbWriter indexDb;
    private final BlockReclaim reclaim;
    /** Hears each purge once its batch is published (the stream's consumers); null: nobody to tell. */
    private volatile java.util.function.Consumer<StreamPurge> purgeListener;
    /** The purges of the batch under way, told to {@link #purgeListener} once its view is published. */
    private final List<StreamPurge> purges = new ArrayList<>();
    /** Test seam: runs after each step of a purge that removes whole blocks. */
    private volatile Runnable afterPurgeStep;

    StreamPurger(StreamMutator state, WriterTail tail, IndexDbWriter indexDb, BlockReclaim reclaim) {
        this.state = state;
        this.tail = tail;
        this.indexDb = indexDb;
        this.reclaim = reclaim;
    }

    /**
     * Purges as {@code r} asks; the writer checked that the stream takes purges.
     *
     * @return the messages removed
     */
    long purge(PurgeRequest r) throws IOException, StoreException, InterruptedException {
        boolean all = r.subject() == null || r.subject().isEmpty() || r.subject().equals(">");
        if (all && r.upToSeq() > Records.TBIT) {
            // Checked before anything is removed: the tombstone that moves the stream could not hold it.
            throw new IllegalArgumentException("purge up to sequence " + r.upToSeq() + ": a record holds sequences below 2^62 only");
        }
        SubjectFilter filter = new SubjectFilter(all ? List.of() : List.of(r.subject()));
        long below;
        long skip = 0;
        if (r.upToSeq() > 0) {
            below = r.upToSeq();
        } else {
            below = Long.MAX_VALUE;
            if (r.keep() > 0) {
                // The newest keep live messages stay, with or without a subject (nats-server's PurgeEx counts
                // them on ">"; not Compact(last - keep + 1), which over deleted sequences kept fewer).
                long[] matching = {all ? state.messages() : 0};
                if (!all) {
                    state.forEachLive(state.firstSeq(), (seq, ts, subject, buf, ho, hl, po, pl, rl) -> {
                        if (filter.matches(subject)) {
                            matching[0]++;
                        }
                        return true;
                    });
                }
                if (r.keep() >= matching[0]) {
                    // Nothing removed, and the consumers are told all the same (the server's purgeLocked).
                    purged(r.subject() == null ? "" : r.subject(), true, 0, 0, -1);
                    return 0;
                }
                skip = matching[0] - r.keep();
            }
        }
        long limit = skip;
        long[] taken = {0};
        long[] lowest = {0};
        StreamStore.RemovalRule rule = (seq, ts, subject, rl) -> {
            if (seq >= below || (limit > 0 && taken[0] >= limit)) {
                return StreamStore.Decision.STOP;
            }
            if (!filter.matches(subject)) {
                return StreamStore.Decision.KEEP;
            }
            if (taken[0]++ == 0) {
                lowest[0] = seq;
            }
            return StreamStore.Decision.REMOVE;
        };
        WholeBlockPurge.Plan plan = all ? planWhole(r.upToSeq(), skip) : new WholeBlockPurge.PerMessage();
        long removed = 0;
        if (plan instanceof WholeBlockPurge.Whole w) {
            removed = removeWhole(w, rule);
        }
        removed += state.remove(rule, this::tombstone);
        if (all && r.upToSeq() > state.lastSeq() + 1) {
            skipTo(r.upToSeq());
        } else if (all && r.upToSeq() == 0 && r.keep() == 0) {
            // nats-server's purge (not PurgeEx's keep or Compact's sequence) sets first = last + 1 even when
            // it removed nothing: a stream that never held a message then reports first 1, last 0.
            state.purgedAll();
        }
        if (plan instanceof WholeBlockPurge.Whole && state.messages() == 0 && !tail.current().onlyTombstoneOf(state.lastSeq())) {
            // The emptied-stream rule ({@link BlockReclaim}): the last sequence's tombstone alone in a
            // new tail, so the block before it, all of whose messages the purge removed, can go too.
            if (tail.current().length() > 0) {
                tail.roll();
            }
            tail.current().appendTombstone(state.lastSeq(), state.lastTs());
        }
        if (plan instanceof WholeBlockPurge.Whole) {
            // The tombstones of the block the cut fell in made durable, then an index.db of the state
            // after the whole purge: a kill before it finds the index.db of removeWhole stale (its
            // tail has grown) and rebuilds from the files, the purge done up to where they say.
            tail.current().flush();
            tail.current().sync();
            purgeStep();
            tail.publishView();
            indexDb.write(tail.current());
            purgeStep();
        }
        // The server's PurgeEx purges all or compacts for no subject (or '>') without keep, else by subject.
        purged(r.subject() == null ? "" : r.subject(), !all || r.keep() > 0, removed, lowest[0], -1);
        return removed;
    }

    /** {@link WholeBlockPurge#plan} for a purge of the stream's oldest messages (up to {@code upTo}, or {@code skip} of them, or all). */
    private WholeBlockPurge.Plan planWhole(long upTo, long skip) throws IOException, StoreException, InterruptedException {
        List<StreamMutator.BlockSpan> spans = state.blocks();
        if (spans.size() < 2) {
            return new WholeBlockPurge.PerMessage();
        }
        return WholeBlockPurge.plan(spans, state.lastSeq(), upTo, skip, reclaim.strays(), reclaim.straysMayGo(),
                tail.current().rebuildFloor(), index -> reclaim.floorOf(index, false), first -> {
                    if (upTo == 0) {
                        return skip == 0 ? first.messages() : skip - wholeMessages(spans, first.index());
                    }
                    long[] n = {0};
                    state.forEachLive(Math.max(1, first.recordsFrom()), (seq, ts, s, buf, ho, hl, po, pl, rl) -> {
                        if (seq >= upTo) {
                            return false;
                        }
                        n[0]++;
                        return true;
                    });
                    return n[0];
                });
    }

    private static long wholeMessages(List<StreamMutator.BlockSpan> spans, long before) {
        long n = 0;
        for (StreamMutator.BlockSpan b : spans) {
            if (b.index() >= before) {
                break;
            }
            n += b.messages();
        }
        return n;
    }

    /**
     * The first part of a purge that removes whole blocks ({@link WholeBlockPurge}), in the order
     * that leaves, at a kill anywhere, the stream as before or purged up to a lower sequence:
     * <ol>
     *   <li>their messages are removed from the state without a tombstone and the blocks forgotten;</li>
     *   <li>the tail is synced (every write before the purge is durable), a view without them is
     *       published (a reader on an older view that finds a file gone reads again on it), and
     *       {@code index.db} is written without them: adopted after a kill, it says the stream
     *       purged up to them, their files being blocks it does not name (strays, which go later);</li>
     *   <li>their files go, lowest first ({@code .blk} then {@code .key}, strays below them too),
     *       and the directory is synced: a rebuild without {@code index.db} in between finds the
     *       stream purged up to the first file left.</li>
     * </ol>
     * The caller then writes the tombstones of the block the cut falls in, syncs them and writes
     * {@code index.db} again.
     *
     * @return the messages removed
     */
    private long removeWhole(WholeBlockPurge.Whole w, StreamStore.RemovalRule rule)
            throws IOException, StoreException, InterruptedException {
        long last = w.lastSeq();
        long removed = state.remove((seq, ts, subject, rl) -> seq > last ? StreamStore.Decision.STOP : rule.decide(seq, ts, subject, rl),
                StreamStore.RemovalSink.NONE);
        state.forgetFrontBlocks(w.blocks().length);
        tail.current().flush();
        tail.current().sync();
        tail.publishView();
        indexDb.write(tail.current());
        purgeStep();
        reclaim.removeFrontFiles(w.blocks(), w.cut(), this::purgeStep);
        return removed;
    }

    private void purgeStep() {
        Runnable hook = afterPurgeStep;
        if (hook != null) {
            hook.run();
        }
    }

    /** Test seam: {@code hook} runs after each step of a purge that removes whole blocks (each file removal included). */
    void afterPurgeStep(Runnable hook) {
        afterPurgeStep = hook;
    }

    /**
     * Keeps what a purge tells the stream's consumers ({@link StreamPurge}), for {@link #tellPurges}:
     * the first live message on {@code subject} is {@code subjectFirst} when the caller knows it
     * (a rollup: its own message), else looked for (-1).
     */
    void purged(String subject, boolean bySubject, long removed, long lowest, long subjectFirst)
            throws StoreException, InterruptedException {
        if (purgeListener == null) {
            return;
        }
        long first = state.messages() == 0 ? state.lastSeq() + 1 : state.firstSeq();
        long found = 0;
        if (!subject.isEmpty()) {
            found = subjectFirst;
            if (found < 0) {
                SubjectFilter f = new SubjectFilter(List.of(subject));
                long[] at = {0};
                state.forEachLive(first, (seq, ts, s, buf, ho, hl, po, pl, rl) -> {
                    if (f.matches(s)) {
                        at[0] = seq;
                        return false;
                    }
                    return true;
                });
                found = at[0];
            }
        }
        purges.add(new StreamPurge(subject, first, state.lastSeq(), found, bySubject ? removed > 1 : removed > 0,
                bySubject && removed == 1 ? lowest : 0));
    }

    /**
     * Tells the stream's consumers of this batch's purges, after its view is published (a consumer
     * told reads the stream as purged) and before its operations complete (a purge returns with its
     * consumers moved, as the server's does). Consumers only take their own locks here, none of
     * which is held around a wait for this writer.
     */
    void tellPurges(boolean published) {
        if (purges.isEmpty()) {
            return;
        }
        java.util.function.Consumer<StreamPurge> l = purgeListener;
        if (published && l != null) {
            for (StreamPurge p : purges) {
                try {
                    l.accept(p);
                } catch (RuntimeException e) {
                    // A consumer's bug must not stop the stream's writer; the purge itself is done.
                }
            }
        }
        purges.clear();
    }

    /** Set for a writable stream: hears each purge ({@link StreamPurge}) once its batch is published. */
    void listener(java.util.function.Consumer<StreamPurge> listener) {
        this.purgeListener = listener;
    }

    /**
     * The rest of nats-server's purge up to a sequence beyond the last ({@code Compact(seq)} →
     * {@code purgeLocked(seq)}, 2.10.27 and 2.15.1 alike): the stream, now empty, moves to first
     * {@code seq}, last {@code seq - 1}, so the next message gets {@code seq}. The server leaves a new
     * block whose only record is a tombstone for {@code seq - 1} with the last message's time, and an
     * {@code index.db} saying first {@code seq}, last {@code seq - 1}; restarted with or without that
     * {@code index.db} it reports the same (RuntimePurgeSeqIT). Here the same block follows the
     * blocks the purge's own tombstones went to (which go once emptied, {@link BlockReclaim#reclaim}).
     */
    private void skipTo(long seq) throws IOException {
        if (tail.current().length() > 0) {
            // Alone in its block: 2.10.x rebuilds a block of tombstones from its lowest one.
            tail.roll();
        }
        tail.current().appendTombstone(seq - 1, state.lastTs());
        state.skipTo(seq - 1);
    }

    /** A removal's tombstone ({@link WriterTail#tombstone}), as the store's removals call for one. */
    private void tombstone(long seq, long ts, String subject, int rl) {
        tail.tombstone(seq, ts);
    }
}
