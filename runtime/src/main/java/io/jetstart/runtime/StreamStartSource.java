package io.jetstart.runtime;

import io.jetstart.core.store.StartPosition;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.store.SubjectFilter;
import java.util.Optional;

/**
 * A served stream as {@link StartPosition} reads it: the committed view taken once, so the rule
 * sees one first and last sequence, and messages read through the stream's verified reader.
 */
final class StreamStartSource implements StartPosition.Source<RuntimeException> {
    private final JetStartStream stream;
    private final StreamView view;

    StreamStartSource(JetStartStream stream) {
        this.stream = stream;
        this.view = stream.view();
    }

    @Override
    public long firstSeq() {
        return view.firstSeq();
    }

    @Override
    public long lastSeq() {
        return view.lastSeq();
    }

    @Override
    public long lastMatching(String filter) throws InterruptedException {
        return stream.lastBySubject(filter).map(StoredMessage::seq).orElse(0L);
    }

    @Override
    public void forEachMatching(long fromSeq, SubjectFilter filter, StartPosition.Visitor visitor) throws InterruptedException {
        long at = fromSeq;
        long last = view.lastSeq();
        while (at <= last) {
            Optional<StoredMessage> m = stream.nextMatching(at, filter);
            if (m.isEmpty() || m.get().seq() > last || !visitor.visit(m.get().seq(), m.get().timestamp(), m.get().subject())) {
                return;
            }
            at = m.get().seq() + 1;
        }
    }
}
