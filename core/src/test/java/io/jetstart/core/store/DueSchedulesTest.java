package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.write.StreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A one-time schedule ({@code @at}) whose time passed while the server was stopped: 2.15.1 fires it
 * about a second after its start (measured, docs/compatibility.md), so the report warns, naming the
 * schedule, its time and its target; the state stays the files'.
 */
class DueSchedulesTest {
    /** 2026-01-01T00:00:00Z. */
    private static final long T0 = 1_767_225_600_000_000_000L;
    private static final long HOUR = 3_600_000_000_000L;
    private static final byte[] PAYLOAD = "body".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    private int streams;

    private static StreamConfig config(String extra) throws Exception {
        return StreamConfig.parse(("{\"name\":\"T\",\"subjects\":[\"t.>\"],\"retention\":\"limits\",\"max_msgs\":-1,"
                + "\"max_bytes\":-1,\"max_age\":0,\"discard\":\"old\",\"storage\":\"file\",\"num_replicas\":1,"
                + "\"allow_msg_ttl\":true" + extra + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] headers(String... lines) {
        return ("NATS/1.0\r\n" + String.join("\r\n", lines) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Stream T: t.plain, then one message per header block given, on t.s.1, t.s.2, ..., stored at T0.
     * Its {@code index.db} is v2, which carries no schedule count (this writer counts none in v3+
     * either), so every block is read; the real store below has the server's counts.
     */
    private Path stream(byte[]... schedules) throws Exception {
        Path dir = tmp.resolve("gen" + streams++).resolve("T");
        try (StreamWriter w = new StreamWriter(dir, "T", 4096, 2)) {
            w.append("t.plain".getBytes(StandardCharsets.US_ASCII), null, PAYLOAD, T0);
            for (int i = 0; i < schedules.length; i++) {
                w.append(("t.s." + (i + 1)).getBytes(StandardCharsets.US_ASCII), schedules[i], PAYLOAD, T0 + i + 1);
            }
        }
        return dir;
    }

    private static StreamStore open(Path dir, StreamConfig config, long now, ServerLine line) throws Exception {
        StoreContext ctx = new StoreContext(DiskGate.unbounded(), new BlockBuffers(1), BlockWork.sequential(),
                RecordHashSource.chosen(), () -> now, StoreContext.ScanProgress.NONE);
        return StreamOpener.open("$G", dir.getFileName().toString(), dir, config, ctx, line);
    }

    private static final String SCHEDULES = ",\"allow_msg_schedules\":true";

    @Test
    void aScheduleDueWhileTheServerWasStoppedIsNamedWithItsTargetAndTheStateIsTheFiles() throws Exception {
        Path dir = stream(headers("Nats-Schedule: @at 2026-01-01T00:30:00Z", "Nats-Schedule-Target: t.out.1"));

        StreamStore s = open(dir, config(SCHEDULES), T0 + HOUR, ServerLine.NEWEST);

        assertThat(s.state().messages()).isEqualTo(2);
        assertThat(s.state().lastSeq()).isEqualTo(2);
        assertThat(s.problems()).singleElement().extracting(Problem::message).asString()
                .startsWith("schedule t.s.1 (sequence 2, @at 2026-01-01T00:30:00Z) came due while nats-server was stopped")
                .contains("a new message on t.out.1 and the schedule removed");
    }

    @Test
    void aScheduleNotYetDueAndOneTheServerWouldNotFireAreNotNamed() throws Exception {
        Path dir = stream(
                headers("Nats-Schedule: @at 2026-01-01T02:00:00Z", "Nats-Schedule-Target: t.out.1"),
                // The scheduler drops these without firing: no target; a time zone with @at.
                headers("Nats-Schedule: @at 2026-01-01T00:30:00Z"),
                headers("Nats-Schedule: @at 2026-01-01T00:30:00Z", "Nats-Schedule-Target: t.out.3", "Nats-Schedule-Time-Zone: UTC"),
                // Repeating: what it does after a stop was not measured.
                headers("Nats-Schedule: @every 1m", "Nats-Schedule-Target: t.out.4"));

        StreamStore s = open(dir, config(SCHEDULES), T0 + HOUR, ServerLine.NEWEST);

        assertThat(s.problems()).isEmpty();
    }

    @Test
    void withoutAllowMsgSchedulesOrOnALineBefore212NothingIsRead() throws Exception {
        byte[] due = headers("Nats-Schedule: @at 2026-01-01T00:30:00Z", "Nats-Schedule-Target: t.out.1");

        assertThat(open(stream(due), config(""), T0 + HOUR, ServerLine.NEWEST).problems()).isEmpty();
        // 2.10 rebuilds from the blocks (it reads index.db v1 only), which counts the schedule: still no warning.
        assertThat(open(stream(due), config(SCHEDULES), T0 + HOUR, ServerLine.V2_10).problems()).extracting(Problem::message)
                .isNotEmpty().noneMatch(m -> m.contains("schedule"));
    }

    @Test
    void anAtTimeWithAnOffsetAndAFractionIsReadAsGoReadsRfc3339() throws Exception {
        Path dir = stream(headers("Nats-Schedule: @at 2026-01-01T00:30:00.5+01:00", "Nats-Schedule-Target: t.out.1"));

        StreamStore s = open(dir, config(SCHEDULES), T0 + HOUR, ServerLine.NEWEST);

        assertThat(s.problems()).singleElement().extracting(Problem::message).asString()
                .contains("@at 2025-12-31T23:30:00.5Z");
    }

    @Test
    void beyondTenDueSchedulesTheRestAreCounted() throws Exception {
        byte[][] due = new byte[13][];
        for (int i = 0; i < due.length; i++) {
            due[i] = headers("Nats-Schedule: @at 2026-01-01T00:30:00Z", "Nats-Schedule-Target: t.out." + i);
        }

        StreamStore s = open(stream(due), config(SCHEDULES), T0 + HOUR, ServerLine.NEWEST);

        assertThat(s.problems()).hasSize(DueSchedules.MAX_NAMED + 1);
        assertThat(s.problems().getLast().message()).startsWith("3 more one-time schedules came due");
    }

    /** The real 2.15.1 store: its one live schedule, sched.s.2, is due in 2126. */
    @Test
    void theFeaturesStoresScheduleIsNamedOnlyOnceItsTimeHasPassed() throws Exception {
        Path dir = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-features", tmp), "SCHED");
        StreamConfig config = MetaFiles.readStream(dir, DiskGate.unbounded()).config();
        long in2127 = 4_954_435_200_000_000_000L;

        assertThat(open(dir, config, T0, ServerLine.NEWEST).problems()).isEmpty();
        assertThat(open(dir, config, in2127, ServerLine.NEWEST).problems()).singleElement().extracting(Problem::message).asString()
                .startsWith("schedule sched.s.2 (sequence 2, @at 2126-01-01T00:00:00Z)").contains("sched.out.2");
    }
}
