package io.jetstart.core.store;

import java.util.List;

/**
 * What a writer's open kept for the markers nats-server's first age check after a start proposes
 * ({@link StartUpExpiry}): the subjects whose last message expired while the store was closed, in
 * the order the server proposes their markers, and the sequences of those messages whose marker
 * the stream would store, by a report's reckoning ({@link MarkerRoom}). A writer stores the markers
 * and its publish path decides; a stream served read-only drops those messages instead, as
 * {@code recover} reports them gone.
 */
record StartUpMarkers(List<String> subjects, List<Long> wouldStore) {
    static final StartUpMarkers NONE = new StartUpMarkers(List.of(), List.of());

    StartUpMarkers {
        subjects = List.copyOf(subjects);
        wouldStore = List.copyOf(wouldStore);
    }
}
