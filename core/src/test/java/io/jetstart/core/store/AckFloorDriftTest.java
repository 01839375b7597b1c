package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.ByteWriter;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The edge of 2.10's {@code checkAckFloor} ({@link AckFloorDrift}): on the real {@code FLOOR}
 * stream (first sequence 201), a floor more than 50 behind is raised to 200 (the stream half of the
 * delivered pair, at least first - 1), one 50 behind is not, and no other line raises it at all.
 */
class AckFloorDriftTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "floor {0}, as {1}: reported {2}")
    @CsvSource({"150, 2.10, 200", "151, 2.10, 151", "170, 2.10, 170", "150, 2.15, 150", "150, 2.9, 150", "150, 2.12, 150"})
    void onlyTwoTenRaisesAFloorMoreThanFiftyBehindTheFirstSequence(long floor, String line, long reported) throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.10.27-lines", tmp), "FLOOR");
        // C2 delivered nothing on the server; give it delivered 180/180 (below the first sequence, as
        // the messages after it were never fetched), the floor under test, nothing pending.
        Files.write(stream.resolve("obs/C2/o.dat"), new ByteWriter().u8(22).u8(2).uvarint(floor).uvarint(floor).uvarint(180)
                .uvarint(180).uvarint(0).uvarint(0).toByteArray());
        ServerLine l = ServerLine.parse(line);
        StreamStore s = StreamOpener.open("$G", "FLOOR", stream, MetaFiles.readStream(stream, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded(), l);
        assertThat(s.firstSeq()).isEqualTo(201);

        ConsumerInfo c = ConsumerSettlement.settle(s, List.of(ConsumerLoader.load(s, "C2", l)), l).get(0);

        assertThat(c.ackFloor().streamSeq()).isEqualTo(reported);
        assertThat(c.ackFloor().consumerSeq()).as("the consumer half is the delivered one when raised")
                .isEqualTo(reported == floor ? floor : 180);
    }
}
