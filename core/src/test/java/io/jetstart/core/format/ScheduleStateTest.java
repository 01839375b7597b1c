package io.jetstart.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ScheduleStateTest {
    /** 2.15.1's own file: one entry, sched.s.2 (@at 2126-01-01T00:00:00Z) at sequence 2, stamp last sequence + 1. */
    @Test
    void theFeaturesStoresSchedDbIsReadAsTheServerWroteIt() throws Exception {
        byte[] file = Files.readAllBytes(Fixtures.root().resolve("nats-2.15.1-features/store/jetstream/$G/streams/SCHED/msgs/sched.db"));

        ScheduleState s = ScheduleState.decode(file);

        assertThat(s.stamp()).isEqualTo(4);
        assertThat(s.entries()).containsExactly(new ScheduleState.Entry("sched.s.2", GoTime.parse("2126-01-01T00:00:00Z"), 2));
    }

    @Test
    void anotherVersionACountBeyondTheFileAndATruncatedEntryAreRefusedWithTheirOffset() throws Exception {
        byte[] file = Files.readAllBytes(Fixtures.root().resolve("nats-2.15.1-features/store/jetstream/$G/streams/SCHED/msgs/sched.db"));

        byte[] v2 = file.clone();
        v2[0] = 2;
        assertThatThrownBy(() -> ScheduleState.decode(v2)).isInstanceOf(FormatException.class).hasMessageContaining("version 2");
        byte[] many = file.clone();
        many[8] = 0x7f;
        assertThatThrownBy(() -> ScheduleState.decode(many)).isInstanceOf(FormatException.class).hasMessageContaining("exceeds");
        assertThatThrownBy(() -> ScheduleState.decode(Arrays.copyOf(file, file.length - 2))).isInstanceOf(FormatException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> ScheduleState.decode(new byte[0])).isInstanceOf(FormatException.class);
    }
}
