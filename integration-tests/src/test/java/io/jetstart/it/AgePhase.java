package io.jetstart.it;

import java.util.Optional;

/**
 * A max_age phase of {@link RuntimeModelIT}: max_age set to 2 or 3 s, and messages expiring on both
 * sides while the model goes on around them. The phase places its steps so that no message can
 * expire while a step runs: which step an expiry falls before would otherwise depend on each
 * side's timer, not on the operations.
 *
 * <ol>
 *   <li>max_age set; a wait until everything stored before has expired on both sides (both empty);</li>
 *   <li>a first segment of steps, then a sleep until shortly before they could expire, then a second segment;</li>
 *   <li>a wait until the first segment's messages have expired on both sides, the second's not yet
 *       (or, when the wait ran too close to their expiry, until those have gone as well), and the
 *       states compared there;</li>
 *   <li>a third segment, on a stream whose oldest messages expired (expectations, ids and reads
 *       after an expiry); a wait until everything has expired; max_age removed.</li>
 * </ol>
 *
 * A segment stops early when its next step could meet an expiry: within {@link #MARGIN_MILLIS}
 * of the age of the oldest message it may hold (the run then draws differently from a faster
 * machine's; that is all). Message ids start a new epoch ({@link ModelDraws#newEpoch}) with the
 * phase, for the third segment and after it: ids out of the window are dropped by each side's own
 * timer.
 */
final class AgePhase {
    /**
     * No step starts closer than this to the expiry of a message the stream may hold. Neither side
     * expires a message early (both remove what is older than max_age by their clock), so this only
     * covers how long a step takes on a loaded machine.
     */
    static final long MARGIN_MILLIS = 300;
    /**
     * Between the first two segments: the second runs just before the first's messages could expire,
     * so that after those have expired (each side's expiry may run up to a second late) the third
     * segment still has time before the second's expire: with 3 s, about a second.
     */
    private static final long BETWEEN_SEGMENTS_MILLIS = 700;
    /** Past a message's age before its expiry is awaited: a side's stamp comes after the step started. */
    private static final long PAST_MILLIS = 100;

    private final ModelRun run;
    private final ModelDraws draws;
    private final ModelServerSide server;
    private final ModelRuntimeSide runtime;
    private final String context;
    private final long maxAge;
    /** Wall-clock millis when the first step that may have stored a still live message started; MAX_VALUE for none. */
    private long oldest = Long.MAX_VALUE;
    /** As {@link #oldest}, for the last segment's steps only. */
    private long segmentOldest;
    /** Wall-clock millis when the last step that may have stored a message ended. */
    private long newest;

    AgePhase(ModelRun run, ModelDraws draws, ModelServerSide server, ModelRuntimeSide runtime, String context) {
        this.run = run;
        this.draws = draws;
        this.server = server;
        this.runtime = runtime;
        this.maxAge = 2_000 + 1_000L * draws.random().nextInt(2);
        this.context = context + " (max_age " + maxAge + " ms)";
    }

    Optional<String> run() throws Exception {
        ModelLimits before = draws.limits();
        draws.newEpoch();
        long updated = System.currentTimeMillis();
        Optional<String> d = run.step(context, draws.update(before.withMaxAge(maxAge)), server, runtime, draws);
        if (d.isPresent() || draws.limits().maxAgeMillis() != maxAge) {
            return d;
        }
        run.sleep(updated + maxAge + PAST_MILLIS - System.currentTimeMillis());
        d = run.settle(context, maxAge, server, runtime);
        d = d.isPresent() ? d : segment(3 + draws.random().nextInt(6));
        if (d.isPresent()) {
            return d;
        }
        boolean firstStored = oldest != Long.MAX_VALUE;
        long firstNewest = newest;
        run.sleep(maxAge - BETWEEN_SEGMENTS_MILLIS);
        d = segment(3 + draws.random().nextInt(6));
        if (d.isPresent()) {
            return d;
        }
        if (firstStored) {
            // The first segment's messages expire; the second's stay, unless the wait reaches their age.
            d = expire(firstNewest);
            if (d.isPresent()) {
                return d;
            }
            oldest = segmentOldest;
            if (oldest != Long.MAX_VALUE && System.currentTimeMillis() > oldest + maxAge - MARGIN_MILLIS) {
                d = expire(newest);
                if (d.isPresent()) {
                    return d;
                }
                oldest = Long.MAX_VALUE;
            }
        }
        draws.newEpoch();
        d = segment(3 + draws.random().nextInt(8));
        d = d.isPresent() ? d : expire(newest);
        if (d.isPresent()) {
            return d;
        }
        d = run.step(context + " ended", draws.update(draws.limits().withMaxAge(0)), server, runtime, draws);
        draws.newEpoch();
        return d;
    }

    /** Up to {@code steps} drawn steps, stopping before one that could meet an expiry. */
    private Optional<String> segment(int steps) throws Exception {
        segmentOldest = Long.MAX_VALUE;
        for (int i = 0; i < steps; i++) {
            long start = System.currentTimeMillis();
            if (oldest != Long.MAX_VALUE && start > oldest + maxAge - MARGIN_MILLIS) {
                run.note("segment stopped after " + i + " steps: the next could meet an expiry");
                return Optional.empty();
            }
            String step = draws.operation(runtime.stream());
            Optional<String> d = run.step(context, step, server, runtime, draws);
            if (d.isPresent()) {
                return d;
            }
            if (step.startsWith("pub ")) {
                oldest = Math.min(oldest, start);
                segmentOldest = Math.min(segmentOldest, start);
                newest = System.currentTimeMillis();
            }
        }
        return Optional.empty();
    }

    /** Waits until what was stored up to {@code until} has expired on both sides, and compares. */
    private Optional<String> expire(long until) throws Exception {
        run.sleep(until + maxAge + PAST_MILLIS - System.currentTimeMillis());
        return run.settle(context, maxAge, server, runtime);
    }
}
