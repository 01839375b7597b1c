package io.jetstart.recovery;

/**
 * How far a running recovery is, at one instant.
 *
 * <p>Bytes are block bytes found by discovery. A stream's bytes count as done as it scans them
 * (rebuild path), and all at once when it finishes by any path: the fast path reads index.db,
 * not its blocks, and a failed or cancelled stream has nothing left to do.
 *
 * @param streamsFailed      finished streams that failed or were cancelled, so far
 * @param restoringMessages  streams started whose messages are not back yet
 * @param restoringConsumers streams whose messages are back and whose consumers are being restored
 * @param elapsedNanos       since discovery finished (0 before)
 * @param slowest            the stream running longest, or null when none runs
 */
public record Progress(int streamsTotal, int streamsDone, int streamsFailed, long bytesTotal, long bytesDone,
                       int restoringMessages, int restoringConsumers, long elapsedNanos, RunningStream slowest) {

    /** Before discovery: nothing known yet. */
    public static final Progress NOT_STARTED = new Progress(0, 0, 0, 0, 0, 0, 0, 0, null);

    public int streamsRemaining() {
        return Math.max(0, streamsTotal - streamsDone);
    }

    public long bytesRemaining() {
        return Math.max(0, bytesTotal - bytesDone);
    }

    /** Bytes per second since discovery, 0 when nothing is measured yet. */
    public double bytesPerSecond() {
        return elapsedNanos <= 0 ? 0 : bytesDone * 1e9 / elapsedNanos;
    }

    /** Estimated nanoseconds left at the average rate so far, or -1 when there is no rate yet. */
    public long etaNanos() {
        if (bytesRemaining() == 0) {
            return streamsRemaining() == 0 ? 0 : -1;
        }
        double rate = bytesPerSecond();
        return rate <= 0 ? -1 : (long) (bytesRemaining() / rate * 1e9);
    }

    /**
     * A stream started and not finished.
     *
     * @param scannedBytes block bytes read so far (rebuild path only)
     * @param runningNanos since its start event was seen
     */
    public record RunningStream(String account, String stream, long blockBytes, long scannedBytes, long runningNanos) {
    }
}
