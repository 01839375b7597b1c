package io.jetstart.core.store;

import java.util.Locale;

/**
 * What nats-server does at start-up about a {@link Problem} (spec §3.5, §4.4-4.6, §5.2, §7.1),
 * where jetstart only reports. The repair plans from this, never from a problem's wording.
 *
 * <p>Design note: the action is the server's, not ours. jetstart's recovery never acts; {@code
 * jetstart repair} does the data-moving actions itself, through a quarantine, so that the server
 * finds nothing left to delete.
 */
public enum ServerAction {
    /** Nothing: the server starts with the files as they are (or the problem is jetstart's own limit). */
    NONE("nothing"),
    /** Rebuilds the stream (or the block) from its records, keeps the file, rewrites index.db later (§4.4 steps 11-13). */
    REBUILD("rebuilds the stream from its blocks and rewrites index.db later"),
    /**
     * Deletes the index file ({@code index.db}, §4.4 steps 3-9, 11, 14; a 2.9 {@code .idx} that does
     * not decode, §4.7), then rebuilds from the blocks.
     */
    DELETE_INDEX("deletes the index file and rebuilds from the blocks"),
    /**
     * Trusts an index file that jetstart does not (a 2.9 {@code .idx} whose block holds a bad record
     * or other records than it counts): the server would report messages it cannot read.
     */
    TRUSTS_INDEX("trusts this index file, which does not match its block, and reports what it says"),
    /** Writes a tombstone for the last sequence in a new block, so sequences never go backwards (§4.5 step 3). */
    WRITE_TOMBSTONE("writes a tombstone for the last sequence in a new block"),
    /**
     * Keeps the last sequence a failed {@code index.db} recorded past the blocks' without writing a
     * tombstone (2.11.x and 2.12.0-2.12.4 when the rebuild lost no data): it lasts only as long as
     * the server's next {@code index.db}, so a repair treats it as {@link #WRITE_TOMBSTONE} does.
     */
    KEEP_LAST_SEQUENCE("keeps index.db's last sequence without writing a tombstone"),
    /** Truncates the block at the problem's offset: everything after it is gone (§3.5). */
    TRUNCATE_BLOCK("truncates the block at this offset"),
    /** Deletes the block file (and its key file): an empty block or one with no usable record (§4.5). */
    DELETE_BLOCK("deletes the block file"),
    /** Skips the stream and leaves its files as they are (§7.1: meta files missing, mismatched, undecodable). */
    SKIP_STREAM("skips the stream and leaves its files"),
    /** Fails to open the store and removes the whole stream directory (§7.1, {@code os.RemoveAll}). */
    DELETE_STREAM_DIR("removes the stream directory"),
    /** Skips the consumer and leaves its files (its meta files cannot be read). */
    SKIP_CONSUMER("skips the consumer and leaves its files"),
    /** Deletes the consumer directory (2.12.4+, 2.11.12+; earlier lines start it without its state) (§5.2). */
    DELETE_CONSUMER_DIR("deletes the consumer directory (2.12.4+; older servers start it without its state)"),
    /**
     * Nothing at start-up: the fast path trusts {@code index.db} and never reads these bytes; the
     * damage surfaces when the messages are read (found only by {@code jetstart verify}).
     */
    FOUND_ON_READ("nothing at start-up (it trusts index.db); its first read of the block cuts the block at the damage");

    private final String description;

    ServerAction(String description) {
        this.description = description;
    }

    /** What the server does, as a phrase for tables and logs ("truncates the block at this offset"). */
    public String description() {
        return description;
    }

    /** The JSON name: {@code truncate_block}. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when the server removes or shortens a file or a directory at start-up. */
    public boolean destroys() {
        return this == DELETE_INDEX || this == TRUNCATE_BLOCK || this == DELETE_BLOCK || this == DELETE_STREAM_DIR
                || this == DELETE_CONSUMER_DIR;
    }
}
