package io.jetstart.core.layout;

import io.jetstart.core.io.DiskGate;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a JetStream store holds: every stream directory of every account, with block sizes,
 * consumers and encryption signs, and every entry that was deliberately passed over.
 *
 * @param jetstreamDir the {@code <store_dir>/jetstream} directory that was scanned
 * @param streams      accounts in name order, streams in name order within each (Go's
 *                     {@code os.ReadDir} order, i.e. by the UTF-8 bytes of the name)
 * @param skipped      entries that are not streams, each as {@code "<relative path>: <reason>"}
 */
public record StoreLayout(Path jetstreamDir, List<StreamDir> streams, List<String> skipped) {
    public StoreLayout {
        Objects.requireNonNull(jetstreamDir, "jetstreamDir");
        streams = List.copyOf(streams);
        skipped = List.copyOf(skipped);
    }

    /**
     * Scans a store. Accepts either the configured {@code store_dir} (which contains
     * {@code jetstream/}) or the {@code jetstream} directory itself. Lists and stats only; each
     * directory listing is one {@link DiskGate} operation.
     *
     * @throws IOException if neither path holds a JetStream store (the message names both paths
     *                     tried), if the jetstream directory cannot be listed, or on interruption
     */
    public static StoreLayout discover(Path storeDir, DiskGate gate) throws IOException {
        return new LayoutScanner(gate).scan(storeDir);
    }

    /**
     * Told of discovery's progress, on the discovering thread, so that a caller can start on the
     * first streams while discovery goes on (the recovery's pipelined start). What it is told is
     * what {@link #discover} then returns, in the same order.
     */
    public interface Sink {
        /** Tells nothing. */
        Sink NONE = new Sink() {
            @Override
            public void listed(List<String> names) {
            }

            @Override
            public void found(StreamDir stream) {
            }
        };

        /**
         * The names of a listing of the accounts (the jetstream directory) or of an account's
         * {@code streams/} folder, in discovery's order, every entry whatever it turns out to be;
         * told before any stream of it is found.
         */
        void listed(List<String> names);

        /** A stream, as {@link #discover} lists it, in its order, as soon as it is found. */
        void found(StreamDir stream);
    }

    /** {@link #discover}, telling {@code sink} of each listing and each stream as discovery goes. */
    public static StoreLayout discover(Path storeDir, DiskGate gate, Sink sink) throws IOException {
        return new LayoutScanner(gate, sink).scan(storeDir);
    }

    /**
     * A stream found by name, before the rest of the store is discovered.
     *
     * @param stream       as {@link #discover} describes it
     * @param listedBefore how many entries of the store's {@code streams/} folders (any account,
     *                     whatever they are) sort before it by account, then name
     *                     ({@link String#compareTo}): at least as many as the discovered streams
     *                     that sort before it
     */
    public record Found(StreamDir stream, int listedBefore) {
        public Found {
            Objects.requireNonNull(stream, "stream");
        }
    }

    /**
     * The streams named {@code names}, in any account, without looking into any other stream's
     * directory (a listing of the jetstream dir, of each account and of its {@code streams/}, then
     * the named streams' own directories as {@link #discover} scans them). A name that is no stream
     * of the store is not in the result; nothing is recorded as skipped.
     *
     * @throws IOException as {@link #discover}
     */
    public static List<Found> findNamed(Path storeDir, DiskGate gate, Set<String> names) throws IOException {
        return new LayoutScanner(gate).scanNamed(storeDir, names);
    }

    /**
     * What {@link #findSmall} found.
     *
     * @param streams the streams chosen, as {@link #discover} describes them, in the order chosen
     * @param bytes   their block bytes together
     * @param seen    how many streams of the store (within the names asked for) the walk saw, as
     *                discovery will find them when every file it lists can be stat'ed
     */
    public record Small(List<Found> streams, long bytes, int seen) {
        /** Nothing found (a store too large to look at this way). */
        public static final Small NONE = new Small(List.of(), 0, 0);

        public Small {
            streams = List.copyOf(streams);
        }
    }

    /**
     * Streams of at most {@code maxBytes} of blocks whose blocks together are surely at most
     * {@code sharePercent} % of the store's (of the streams named {@code only}; empty: all), found
     * before the store is discovered: each stream's {@code msgs/} is listed by name, the streams
     * with the fewest block files are scanned as {@link #discover} scans them and single blocks of
     * the others are stat'ed, so that the store's block bytes known so far, a lower bound of its
     * total, grow by a few large blocks rather than by a stat of every block. A stream is chosen,
     * smallest first among those seen, once {@code sharePercent} % of the bytes known covers it
     * and those chosen before it. At most 64 blocks are stat'ed, and a store with more than 32
     * entries in its {@code streams/} folders is not looked into ({@link Small#NONE}): the walk is
     * repeated by discovery, which must stay one listing per directory on a store of many streams.
     * As {@link #findNamed}, this assumes the store does not change until discovery has run, and
     * that a {@code msgs/} it can list it can also stat in.
     *
     * @throws IOException as {@link #discover}
     */
    public static Small findSmall(Path storeDir, DiskGate gate, Set<String> only, long maxBytes, int sharePercent)
            throws IOException {
        return new SmallStreamScan(gate).scan(storeDir, only, maxBytes, sharePercent);
    }
}
