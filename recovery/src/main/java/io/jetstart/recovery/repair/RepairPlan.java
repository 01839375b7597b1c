package io.jetstart.recovery.repair;

import java.util.List;

/**
 * What a repair will change, and what it will not touch and why.
 *
 * @param steps   in order of execution; at most one step per file
 * @param refused streams (or files) left alone with the reason: the repair cannot make the server
 *                start with jetstart's state there (e.g. a stream jetstart cannot open either)
 * @param notes   damage nats-server does not act on at start-up, reported and left alone
 */
public record RepairPlan(List<RepairStep> steps, List<Refusal> refused, List<String> notes) {

    /** A stream (or consumer, {@code <account> > <stream> > <consumer>}) the repair leaves alone, and why. */
    public record Refusal(String stream, String reason) {
        @Override
        public String toString() {
            return stream + ": " + reason;
        }
    }

    public RepairPlan {
        steps = List.copyOf(steps);
        refused = List.copyOf(refused);
        notes = List.copyOf(notes);
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }
}
