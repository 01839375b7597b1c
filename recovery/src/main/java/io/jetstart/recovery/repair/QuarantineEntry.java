package io.jetstart.recovery.repair;

/**
 * One manifest line: bytes taken out of the store, and where they are kept.
 *
 * @param op          {@code truncate} (bytes cut from the end of a file), {@code remove} (a whole
 *                    file), {@code remove_dir} (an empty directory, after its files) or {@code add}
 *                    (a file the repair wrote: its bytes are kept too, so undo removes only that)
 * @param file        path relative to the store directory, with {@code /} separators
 * @param offset      where the bytes were in the file (0 for {@code remove})
 * @param length      how many bytes (0 for {@code remove_dir})
 * @param sha256      of those bytes, hex ("" for {@code remove_dir})
 * @param data        the copy, relative to the quarantine folder ("" for {@code remove_dir})
 * @param permissions POSIX permissions of the file or directory ({@code rw-------}), "" when unknown
 * @param mtimeNanos  last modification time before the change, Unix nanoseconds
 * @param stream      {@code <account> > <stream>} (and {@code > <consumer>})
 * @param reason      the problem and what nats-server would have done
 */
public record QuarantineEntry(int id, String op, String file, long offset, long length, String sha256, String data,
                              String permissions, long mtimeNanos, String stream, String reason) {
    static final String TRUNCATE = "truncate";
    static final String REMOVE = "remove";
    static final String REMOVE_DIR = "remove_dir";
    static final String ADD = "add";
}
