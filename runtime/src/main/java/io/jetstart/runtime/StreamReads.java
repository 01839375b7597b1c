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
 */
final class StreamReads {
    private final MessageReader reader;

    StreamReads(MessageReader reader) {
        this.reader = reader;
    }

    Optional<StoredMessage> get(StreamView view, long seq) throws InterruptedException {
        return switch (reader.read(view, seq)) {
            case MessageRead.Found f -> Optional.of(f.message());
            case MessageRead.Absent a -> Optional.empty();
            case MessageRead.Damaged d -> throw damaged(d.damage());
        };
    }

    /** The first live message with sequence ≥ {@code from} whose subject matches {@code filter}. */
    Optional<StoredMessage> next(StreamView view, long from, SubjectFilter filter) throws InterruptedException {
        Search s = new Search(filter, true);
        reader.forEach(view, from, s);
        return s.result();
    }

    /** The live message with the highest sequence whose subject matches {@code filter}. */
    Optional<StoredMessage> last(StreamView view, SubjectFilter filter) throws InterruptedException {
        List<StreamView.Block> blocks = view.blocks();
        for (int i = blocks.size() - 1; i >= 0; i--) {
            Search s = new Search(filter, false);
            reader.forEachIn(blocks.get(i), 0, s);
            Optional<StoredMessage> found = s.result();
            if (found.isPresent() || s.damage != null) {
                return found;
            }
        }
        return Optional.empty();
    }

    /**
     * Up to {@code max} live messages with sequence ≥ {@code from} whose subject matches
     * {@code filter}, in sequence order, in one walk (the KV view's keys, history and watch). A
     * live message withheld before the batch is full fails the read: it could belong in it.
     */
    List<StoredMessage> batch(StreamView view, long from, SubjectFilter filter, int max) throws InterruptedException {
        Collect c = new Collect(filter, max);
        reader.forEach(view, from, c);
        if (c.damage != null) {
            throw damaged(c.damage);
        }
        return c.found;
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
