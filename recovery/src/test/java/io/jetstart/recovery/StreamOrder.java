package io.jetstart.recovery;

import java.util.ArrayList;
import java.util.List;

/** The order in which a run's streams started and finished, as its listener heard it. */
final class StreamOrder {
    private StreamOrder() {
    }

    /** "start S1", "end S1", ... for each StreamStarted and StreamFinished of {@code events}, in their order. */
    static List<String> startsAndEnds(List<RecoveryEvent> events) {
        List<String> order = new ArrayList<>();
        for (RecoveryEvent e : events) {
            if (e instanceof RecoveryEvent.StreamStarted st) {
                order.add("start " + st.stream());
            } else if (e instanceof RecoveryEvent.StreamFinished f) {
                order.add("end " + f.report().name());
            }
        }
        return order;
    }
}
