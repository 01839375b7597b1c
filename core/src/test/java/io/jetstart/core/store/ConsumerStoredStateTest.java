package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * o.dat has no checksum, so a damaged one can decode to a state nats-server never writes: an ack
 * floor above delivered, or a pending ack outside (ack floor, delivered]. Such a state is kept as
 * read (the server would keep it too) but never silently.
 */
class ConsumerStoredStateTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"nats-2.9.10-small", "nats-2.10.27-small", "nats-2.15.1-small"})
    void realConsumerStatesRaiseNoProblem(String fixture) throws Exception {
        Path copy = Fixtures.copy(fixture, tmp);
        for (Path stream : Fixtures.streamDirs(copy)) {
            StreamStore s = open(stream);
            try (var consumers = Files.list(stream.resolve("obs"))) {
                for (Path c : consumers.toList()) {
                    assertThat(ConsumerLoader.load(s, c.getFileName().toString()).problems()).as("%s", c).isEmpty();
                }
            }
        }
    }

    @Test
    void anAckFloorAboveDeliveredIsKeptAndReported() throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "MAX1");
        Path odat = stream.resolve("obs/C0/o.dat");
        Files.write(odat, new ByteWriter().u8(22).u8(2).uvarint(250).uvarint(450).uvarint(250).uvarint(386).uvarint(0).uvarint(0)
                .toByteArray());

        RestoredConsumer c = ConsumerLoader.load(open(stream), "C0");

        assertThat(c.ackFloor().streamSeq()).isEqualTo(450);
        assertThat(c.delivered().streamSeq()).isEqualTo(386);
        assertThat(c.problems()).singleElement().satisfies(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(p.file()).isEqualTo(odat);
            assertThat(p.message()).contains("ack floor 250/450 is ahead of delivered 250/386");
        });
    }

    @Test
    void aPendingAckPastDeliveredIsKeptAndReported() throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), "LIM1");
        Path odat = stream.resolve("obs/C1/o.dat");
        // floor 50, delivered 100, pending 51 (inside) and 150 (past delivered)
        Files.write(odat, new ByteWriter().u8(22).u8(2).uvarint(50).uvarint(50).uvarint(100).uvarint(100)
                .uvarint(2).varint(1_800_000_000L).uvarint(1).uvarint(1).varint(0).uvarint(100).uvarint(100).varint(0)
                .uvarint(0).toByteArray());

        RestoredConsumer c = ConsumerLoader.load(open(stream), "C1");

        assertThat(c.pending).containsKeys(51L, 150L);
        assertThat(c.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(odat);
            assertThat(p.message()).startsWith("1 pending entries beyond the delivered stream sequence 100");
        });
    }

    private static StreamStore open(Path stream) throws Exception {
        return StreamOpener.open("$G", stream.getFileName().toString(), stream,
                MetaFiles.readStream(stream, DiskGate.unbounded()).config(), StoreContext.singleThreaded());
    }
}
