package io.jetstart.core.store;

import io.jetstart.core.lines.ServerLine;
import java.util.List;

/**
 * A stream config's {@code first_seq} at the open, the last of the start-up limits. nats-server
 * 2.10+ ({@code newFileStoreWithCreated}, after max_msgs, max_bytes, max_age and the per-subject
 * limit) purges the whole stream, not only what lies below it, when the stream's first sequence is
 * below {@code first_seq}, and 2.10 (to 2.10.27) also when it is at it
 * ({@link ServerLine#purgesAtConfiguredFirstSeq}); the purge leaves no message, the first the larger
 * of {@code first_seq} and the last + 1, the last then at least {@code first_seq} - 1 and the last
 * time as it was ({@code fs.purge(cfg.FirstSeq)}). 2.9 has no {@code first_seq}
 * ({@link ServerLine#appliesConfiguredFirstSeq}).
 *
 * <p>Design note: only a read-only open reports that purge. A stream that goes to a writer keeps
 * its messages at and above {@code first_seq} on every line and loses only those below it, as
 * before: the runtime destroys no message a server line keeps (2.14+ keep a stream whose first is
 * at {@code first_seq}), and removing below it already gives the first that no line purges again
 * but 2.10, of which the runtime warns instead. A stream created with {@code first_seq} only gets
 * a first below it from a config changed on disk.
 */
final class ConfiguredFirstSeq {
    private ConfiguredFirstSeq() {
    }

    static void apply(StreamStore s, StreamStore.RemovalSink sink, ServerLine line, boolean forWriter)
            throws StoreException, InterruptedException {
        long fseq = s.config.firstSeq();
        // Below 0 is 2^63 or more, unsigned: beyond the sequences read here (the runtime serves such a stream read-only).
        if (fseq <= 0) {
            return;
        }
        if (forWriter) {
            removeBelow(s, sink, fseq);
            return;
        }
        if (!line.appliesConfiguredFirstSeq()) {
            return;
        }
        boolean atFirst = s.firstSeq == fseq && line.purgesAtConfiguredFirstSeq();
        if (s.firstSeq >= fseq && !atFirst) {
            return;
        }
        if (s.msgs > 0) {
            String why = atFirst
                    ? "nats-server " + line + " removes its messages at every start while its first message is at first_seq " + fseq
                      + " (2.10.28+ and 2.11.2+ keep them)"
                    : "its first sequence " + s.firstSeq + " is below first_seq " + fseq + ", so nats-server " + line
                      + " purges the whole stream at its start, the messages at and above first_seq too";
            s.problems.add(Problem.warning(s.dir.resolve("meta.inf"), "stream '" + s.account + " > " + s.name + "': " + why + ": "
                    + s.msgs + " messages (" + s.firstSeq + ".." + s.lastSeq + ") go, and its first becomes "
                    + Math.max(fseq, s.lastSeq + 1)));
        }
        purge(s, fseq);
    }

    /** The writer's open: the messages below {@code fseq} go (each tombstoned by the writer), the rest stays. */
    private static void removeBelow(StreamStore s, StreamStore.RemovalSink sink, long fseq) throws StoreException, InterruptedException {
        if (fseq <= s.firstSeq) {
            return;
        }
        s.removeOldest(List.copyOf(s.blocks), (seq, ts, subj, rl) ->
                seq < fseq ? StreamStore.Decision.REMOVE : StreamStore.Decision.STOP, sink, MissingBlocks.At.upTo("first_seq", fseq - 1));
        if (s.msgs == 0 && s.lastSeq < fseq - 1) {
            s.lastSeq = fseq - 1;
            s.lastTs = 0;
            s.firstSeq = fseq;
            s.firstTs = 0;
        }
    }

    /**
     * The server's {@code purge(fseq)} on the in-memory state: every block emptied (none is read, so a
     * missing one is no matter), the subject totals cleared. Its lost data stays, as the server's
     * {@code fs.ld} does.
     */
    private static void purge(StreamStore s, long fseq) {
        for (BlockState b : s.blocks) {
            b.empty();
            b.firstTs = 0;
            b.heldEmpty = false;
        }
        s.msgs = 0;
        s.bytes = 0;
        s.psim.clear();
        s.firstSeq = s.lastSeq + 1;
        s.firstTs = 0;
        if (fseq > s.firstSeq) {
            // The last time stays: the purge sets the last sequence only.
            s.firstSeq = fseq;
            s.lastSeq = fseq - 1;
        }
    }
}
