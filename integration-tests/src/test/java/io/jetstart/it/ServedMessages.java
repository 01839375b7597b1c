package io.jetstart.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one comparison of what a store holds ({@code jetstart dump --json}: per stream, every live
 * message) with what a server serves (its message-get answers, per stream, in sequence order):
 * field by field, the fields both write the same way; and the one way the tests ask a server for
 * what it serves ({@link #served}).
 */
final class ServedMessages {
    /** The message fields compared: sequence, subject, body and headers (base64) and time. */
    static final List<String> FIELDS = List.of("seq", "subject", "data", "hdrs", "time");
    private static final int MAX_PROBLEMS = 20;

    private ServedMessages() {
    }

    /**
     * Every message {@code stream} serves, asked one sequence at a time from the first to the last
     * sequence of {@code state} (its stream info state; the requests pipelined, {@link JsApi#messages}),
     * in sequence order; sequences the server no longer holds are skipped.
     */
    static List<JsonNode> served(JsApi api, String stream, JsonNode state) throws IOException {
        List<Long> seqs = new ArrayList<>();
        long last = state.path("last_seq").asLong();
        for (long seq = state.path("first_seq").asLong(); seq > 0 && seq <= last; seq++) {
            seqs.add(seq);
        }
        return new ArrayList<>(api.messages(stream, seqs).values());
    }

    /**
     * Every difference between {@code dumpStreams} (what {@code writer} wrote) and {@code served},
     * at most {@value #MAX_PROBLEMS} per stream: a count that differs, then each field that does.
     */
    static List<String> differences(String writer, JsonNode dumpStreams, Map<String, List<JsonNode>> served) {
        List<String> problems = new ArrayList<>();
        for (JsonNode s : dumpStreams) {
            String name = s.path("name").asText();
            List<JsonNode> got = served.getOrDefault(name, List.of());
            List<JsonNode> written = new ArrayList<>();
            s.path("messages").forEach(written::add);
            if (got.size() != written.size()) {
                problems.add(name + ": " + writer + " wrote " + written.size() + " live messages, the server serves " + got.size());
            }
            int before = problems.size();
            for (int i = 0; i < Math.min(got.size(), written.size()) && problems.size() - before < MAX_PROBLEMS; i++) {
                for (String f : FIELDS) {
                    if (!written.get(i).path(f).asText("").equals(got.get(i).path(f).asText(""))) {
                        problems.add(name + " message " + i + ": " + f + " written " + written.get(i).path(f) + ", served "
                                + got.get(i).path(f));
                    }
                }
            }
        }
        return problems;
    }
}
