package io.jetstart.runtime;

import io.jetstart.core.store.MessageRead;
import io.jetstart.core.store.MessageReader;
import io.jetstart.core.store.MessageView;
import io.jetstart.core.store.RecordDamage;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * The runtime's three reads (by sequence, next matching, last matching) over core's verified
 * {@link MessageReader}: only messages whose checksum holds are handed out, and a live message
 * that cannot be handed out where the answer depends on it is an {@link UncheckedIOException}
 * naming the file and offset (nats-server answers such a read with an error, never with bytes).
 *
 * <p>NOTE: the writer removes the files of the first blocks once they hold no live message
 * ({@link BlockReclaimer}), after it published a view in which they hold none. A reader still on an
 * older view can then find one of those files gone while it looks for a message that view calls
 * live: the read is done again, whole, on the writer's newest view (which no longer sends it
 * there), so the answer is the one of a state the stream was in, never an I/O error and never a
 * mix of two states. A file gone under the newest view is damage, reported as before. The same
 * holds for a block the writer rewrote without the records of removed messages ({@link BlockCompactor}):
 * a message an older view calls live and whose record is no longer there is read again on the
 * newest view, where it is not live.
 */
final class StreamReads {
    private final MessageReader reader;
    /** The writer's newest view, or null for a view that no writer replaces (a snapshot, a read-only stream). */
    private final java.util.function.Supplier<StreamView> newest;
    /** The blocks' subjects, for counts by subject ({@link #subjectsOf}). */
    private final SubjectIndex subjects;

    StreamReads(MessageReader reader, SubjectIndexCache subjects) {
        this(reader, subjects, null);
    }

    StreamReads(MessageReader reader, SubjectIndexCache subjects, java.util.function.Supplier<StreamView> newest) {
        this.reader = reader;
        this.newest = newest;
        this.subjects = new SubjectIndex(reader, subjects);
    }

    /**
     * The subjects of block {@code b}'s records through its last sequence, from memory or from a
     * walk of its records' subjects (no checksum, no payload); null when the block must be read
     * message by message ({@link SubjectIndex#of}).
     */
    BlockSubjects subjectsOf(StreamView.Block b) throws InterruptedException {
        return subjects.of(b);
    }

    Optional<StoredMessage> get(StreamView view, long seq) throws InterruptedException {
        while (true) {
            MessageRead r = reader.read(view, seq);
            if (r instanceof MessageRead.Found f) {
                return Optional.of(f.message());
            }
            if (r instanceof MessageRead.Damaged d) {
                StreamView again = readAgainOn(view, d.damage());
                if (again == null) {
                    throw damaged(d.damage());
                }
                view = again;
                continue;
            }
            return Optional.empty();
        }
    }

    /** The first live message with sequence ≥ {@code from} whose subject matches {@code filter}. */
    Optional<StoredMessage> next(StreamView view, long from, SubjectFilter filter) throws InterruptedException {
        while (true) {
            Search s = new Search(filter, true);
            reader.forEach(view, from, s);
            StreamView again = s.damage == null ? null : readAgainOn(view, s.damage);
            if (again == null) {
                return s.result();
            }
            view = again;
        }
    }

    /** The live message with the highest sequence whose subject matches {@code filter}. */
    Optional<StoredMessage> last(StreamView view, SubjectFilter filter) throws InterruptedException {
        while (true) {
            Search found = lastIn(view, filter);
            if (found == null) {
                return Optional.empty();
            }
            StreamView again = found.damage == null ? null : readAgainOn(view, found.damage);
            if (again == null) {
                return found.result();
            }
            view = again;
        }
    }

    /** The search of the last block from the end that answers, or null when none does. */
    private Search lastIn(StreamView view, SubjectFilter filter) throws InterruptedException {
        List<StreamView.Block> blocks = view.blocks();
        for (int i = blocks.size() - 1; i >= 0; i--) {
            Search s = new Search(filter, false);
            reader.forEachIn(blocks.get(i), 0, s);
            if (s.found != null || s.damage != null) {
                return s;
            }
        }
        return null;
    }

    /**
     * The writer's newest view when {@code damage} is a block file that is gone and that view no
     * longer sends a read there (the writer removed the block after emptying it), else null: the
     * damage stands. A file gone under a block that still holds live messages is damage however
     * many views the writer publishes meanwhile, so the read is not done again for ever.
     */
    private StreamView readAgainOn(StreamView view, RecordDamage damage) {
        if (newest == null) {
            return null;
        }
        if (damage.kind() == RecordDamage.Kind.MISSING) {
            // A compaction (BlockCompactor) drops the records of messages removed before it, after
            // publishing a view without them: a reader on an older view that still calls one live
            // finds no record. Read again on the newest view when it no longer calls it live; a
            // record missing under a message still live there is damage.
            StreamView v = newest.get();
            if (v == view) {
                return null;
            }
            StreamView.Block b = v.blockFor(damage.seq());
            return b != null && b.isLive(damage.seq()) ? null : v;
        }
        if (damage.kind() != RecordDamage.Kind.UNREADABLE || java.nio.file.Files.exists(damage.file())) {
            return null;
        }
        StreamView v = newest.get();
        if (v == view) {
            return null;
        }
        for (StreamView.Block b : v.blocks()) {
            if (b.messages() > 0 && damage.file().equals(b.file())) {
                return null;
            }
        }
        return v;
    }

    /**
     * Up to {@code max} live messages with sequence ≥ {@code from} whose subject matches
     * {@code filter}, in sequence order, in one walk (the KV view's keys, history and watch). A
     * live message withheld before the batch is full fails the read: it could belong in it.
     */
    List<StoredMessage> batch(StreamView view, long from, SubjectFilter filter, int max) throws InterruptedException {
        while (true) {
            Collect c = new Collect(filter, max);
            reader.forEach(view, from, c);
            if (c.damage == null) {
                return c.found;
            }
            StreamView again = readAgainOn(view, c.damage);
            if (again == null) {
                throw damaged(c.damage);
            }
            view = again;
        }
    }

    /**
     * The live messages of block {@code b} in [lo, hi] whose subject matches {@code filter}, read
     * through the verified reader in one walk of the block (a block {@link #subjectsOf} cannot walk
     * by subject). A live message withheld in the range fails the count, as a read of it would.
     */
    long countIn(StreamView.Block b, long lo, long hi, SubjectFilter filter) throws InterruptedException {
        return subjectsIn(b, lo, hi, filter, null);
    }

    /**
     * As {@link #countIn}, handing {@code out} (when given: a count alone makes no subject strings)
     * the subject of each message counted, for a count by subject ({@link NumPending#subjectsFrom}).
     */
    long subjectsIn(StreamView.Block b, long lo, long hi, SubjectFilter filter, java.util.function.Consumer<String> out)
            throws InterruptedException {
        long[] n = {0};
        RecordDamage[] damage = {null};
        reader.forEachIn(b, lo, new FilteredVisitor(filter) {
            @Override
            public boolean message(MessageView m) {
                if (m.seq() > hi) {
                    return false;
                }
                n[0]++;
                if (out != null) {
                    out.accept(m.subject());
                }
                return true;
            }

            @Override
            public void damaged(RecordDamage d) {
                if (d.messages() > 0 && d.seq() <= hi && damage[0] == null) {
                    damage[0] = d;
                }
            }
        });
        if (damage[0] != null) {
            throw damaged(damage[0]);
        }
        return n[0];
    }

    /** Collects the wanted messages of a walk until {@code max}; remembers the first withheld live one. */
    private static final class Collect extends FilteredVisitor {
        private final int max;
        private final List<StoredMessage> found = new java.util.ArrayList<>();
        private RecordDamage damage;

        Collect(SubjectFilter filter, int max) {
            super(filter);
            this.max = max;
        }

        @Override
        public boolean message(MessageView m) {
            found.add(m.toMessage());
            return found.size() < max && damage == null;
        }

        @Override
        public void damaged(RecordDamage d) {
            if (d.messages() > 0 && damage == null) {
                damage = d;
            }
        }
    }

    /**
     * Finds the first (or last) wanted message of a walk. A live message withheld before the first
     * match (or after the last) could have been the answer, so it fails the search.
     */
    private static final class Search extends FilteredVisitor {
        private final boolean first;
        private StoredMessage found;
        private RecordDamage damage;

        Search(SubjectFilter filter, boolean first) {
            super(filter);
            this.first = first;
        }

        @Override
        public boolean message(MessageView m) {
            found = m.toMessage();
            if (!first) {
                // A later match: damage before it no longer decides the answer.
                damage = null;
            }
            return !first;
        }

        @Override
        public void damaged(RecordDamage d) {
            if (d.messages() > 0 && damage == null && (!first || found == null)) {
                damage = d;
            }
        }

        Optional<StoredMessage> result() {
            if (damage != null) {
                throw StreamReads.damaged(damage);
            }
            return Optional.ofNullable(found);
        }
    }

    /** A walk that the reader shows only messages whose subject matches {@code filter}. */
    private abstract static class FilteredVisitor implements MessageReader.Visitor {
        private final SubjectFilter filter;

        FilteredVisitor(SubjectFilter filter) {
            this.filter = filter;
        }

        @Override
        public final boolean filtersSubjects() {
            return true;
        }

        @Override
        public final boolean wants(String subject) {
            return filter.matches(subject);
        }
    }

    static UncheckedIOException damaged(RecordDamage d) {
        return new UncheckedIOException(new IOException("malformed or corrupt message in " + d.file()
                + (d.offset() >= 0 ? " at offset " + d.offset() : "") + ": " + d.reason()));
    }
}
