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
                // Repeating, and no sched.db: the server skips it ahead to its start.
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
        assertThat(s.problems().getLast().message()).startsWith("3 more schedules came due");
    }

    /** {@code msgs/sched.db} as nats-server's {@code MsgScheduling.encode} writes it: stamp, then (subject, next firing, seq). */
    private static void schedDb(Path dir, long stamp, Object... subjectNextSeq) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(17).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        head.put((byte) 1).putLong(subjectNextSeq.length / 3).putLong(stamp);
        out.write(head.array());
        for (int i = 0; i < subjectNextSeq.length; i += 3) {
            byte[] subject = ((String) subjectNextSeq[i]).getBytes(StandardCharsets.US_ASCII);
            out.write(subject.length & 0xff);
            out.write(subject.length >>> 8);
            out.write(subject);
            long next = (Long) subjectNextSeq[i + 1];
            uvarint(out, (next << 1) ^ (next >> 63));
            uvarint(out, (Long) subjectNextSeq[i + 2]);
        }
        java.nio.file.Files.write(dir.resolve("msgs").resolve("sched.db"), out.toByteArray());
    }

    private static void uvarint(java.io.ByteArrayOutputStream out, long v) {
        while (Long.compareUnsigned(v, 0x80) >= 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    /**
     * 2.15.1 fires a repeating schedule whose next firing, as sched.db keeps it, passed while it was
     * stopped: once, within a second of its start (RepeatingSchedulesOnServerIT). The warning names
     * it, its pattern, that time and its target.
     */
    @Test
    void aRepeatingScheduleWhoseNextFiringInSchedDbPassedIsNamedWithItsTarget() throws Exception {
        Path dir = stream(headers("Nats-Schedule: @every 5m", "Nats-Schedule-Target: t.out.1"),
                headers("Nats-Schedule: 0 0 * * * *", "Nats-Schedule-Target: t.out.2"));
        schedDb(dir, 4, "t.s.1", T0 + HOUR / 2, 2L, "t.s.2", T0 + HOUR, 3L);

        StreamStore s = open(dir, config(SCHEDULES), T0 + HOUR, ServerLine.NEWEST);

        assertThat(s.state().messages()).isEqualTo(3);
        assertThat(s.problems()).extracting(Problem::message).satisfiesExactly(
                m -> assertThat(m).startsWith("schedule t.s.1 (sequence 2, @every 5m) came due while nats-server was stopped "
                        + "(its next firing in sched.db, 2026-01-01T00:30:00Z, passed); it fires once within a second of its start, "
                        + "not once per missed firing: a new message on t.out.1, and the schedule stays"),
                m -> assertThat(m).startsWith("schedule t.s.2 (sequence 3, 0 0 * * * *) came due").contains("t.out.2"));
    }

    /**
     * Not due: its next firing ahead; no sched.db, or one that does not name it (the server then
     * scans and skips it ahead to its start: measured, no firing); a sched.db the server refuses;
     * on 2.12 (no repeating schedules); an entry whose sequence holds no repeating schedule the
     * server would fire.
     */
    @Test
    void aRepeatingScheduleIsNotNamedUnlessSchedDbHoldsItsPassedNextFiring() throws Exception {
        byte[] every = headers("Nats-Schedule: @every 5m", "Nats-Schedule-Target: t.out.1");

        Path ahead = stream(every);
        schedDb(ahead, 3, "t.s.1", T0 + 2 * HOUR, 2L);
        assertThat(open(ahead, config(SCHEDULES), T0 + HOUR, ServerLine.NEWEST).problems()).isEmpty();

        assertThat(open(stream(every), config(SCHEDULES), T0 + HOUR, ServerLine.NEWEST).problems()).isEmpty();

        Path other = stream(every);
        schedDb(other, 2, "t.other", T0, 1L);
        assertThat(open(other, config(SCHEDULES), T0 + HOUR, ServerLine.NEWEST).problems()).isEmpty();

        Path refused = stream(every);
        schedDb(refused, 3, "t.s.1", T0, 2L);
        byte[] b = java.nio.file.Files.readAllBytes(refused.resolve("msgs/sched.db"));
        b[0] = 2;
        java.nio.file.Files.write(refused.resolve("msgs/sched.db"), b);
        assertThat(open(refused, config(SCHEDULES), T0 + HOUR, ServerLine.NEWEST).problems()).isEmpty();

        Path passed = stream(every);
        schedDb(passed, 3, "t.s.1", T0, 2L);
        assertThat(open(passed, config(SCHEDULES), T0 + HOUR, ServerLine.V2_12).problems()).as("2.12 has no @every").isEmpty();
        assertThat(open(passed, config(SCHEDULES), T0 + HOUR, ServerLine.V2_14).problems()).hasSize(1);

        Path noTarget = stream(headers("Nats-Schedule: @every 5m"),
                headers("Nats-Schedule: @every 5m", "Nats-Schedule-Target: t.out.2", "Nats-Schedule-Time-Zone: UTC"));
        schedDb(noTarget, 4, "t.s.1", T0, 2L, "t.s.2", T0, 3L);
        assertThat(open(noTarget, config(SCHEDULES), T0 + HOUR, ServerLine.NEWEST).problems()).isEmpty();
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
