package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What the start tests compare between two runs of one store: reports without timings, events in order. */
final class SaidReports {
    private SaidReports() {
    }

    /** What a report says, without its timings (a record's arrays by their contents, not identity). */
    static List<String> said(RecoveryReport r) {
        List<String> out = new ArrayList<>();
        for (StreamReport s : r.streams()) {
            String state = s.state() == null ? "none" : s.state().toString().replaceAll("\\[J@[0-9a-f]+", "")
                    + Arrays.toString(s.state().deleted().toArray()) + Arrays.toString(s.state().lost().msgs());
            out.add(s.account() + "/" + s.name() + " " + s.outcome() + " " + state + " " + s.config() + " "
                    + s.consumers() + " " + s.problems() + " " + s.blockBytes());
        }
        out.add("skipped " + r.skipped());
        out.add("line " + r.serverLine());
        out.add("checksum " + r.checksum());
        return out;
    }

    /**
     * The listener heard RecoveryStarted first, once, with the whole plan's counts (though streams
     * ran before discovery ended), every stream's end once, and RecoveryFinished last.
     */
    static void heardTheWholePlanFirst(List<RecoveryEvent> events, RecoveryReport report, int streams) {
        assertThat(events.getFirst()).isInstanceOfSatisfying(RecoveryEvent.RecoveryStarted.class, s -> {
            assertThat(s.streams()).isEqualTo(streams);
            assertThat(s.blockBytes()).isEqualTo(report.streams().stream().mapToLong(StreamReport::blockBytes).sum());
        });
        assertThat(events.stream().filter(e -> e instanceof RecoveryEvent.RecoveryStarted)).hasSize(1);
        assertThat(events.stream().filter(e -> e instanceof RecoveryEvent.StreamFinished)).hasSize(streams);
        assertThat(events.getLast()).isInstanceOf(RecoveryEvent.RecoveryFinished.class);
    }
}
