package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.SequencePair;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A consumer whose {@code o.dat} is empty (2.10 rewrites it in place, so a stop can leave it at 0
 * bytes) or missing. {@code MAX1} keeps sequences 201–1000 and its {@code C0} delivers all.
 * nats-server reads an empty file as a zero state on every line (the file exists, so the deliver
 * policy is not used); a missing one starts from the deliver policy, and only 2.14+ stores that
 * start as the ack floor too. Checked on real 2.10.27 and 2.15.1 by EmptyOdatIT.
 */
class EmptyOrMissingOdatTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(ServerLine.class)
    void anEmptyOdatIsAZeroStateOnEveryLine(ServerLine line) throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.10.27-small", tmp), "MAX1");
        Files.write(stream.resolve("obs/C0/o.dat"), new byte[0]);
        StreamStore s = open(stream);

        RestoredConsumer c = ConsumerLoader.load(s, "C0", line);
        ConsumerInfo info = ConsumerSettlement.settle(s, List.of(c), line).getFirst();

        assertThat(info.delivered()).isEqualTo(new SequencePair(0, 0));
        assertThat(info.ackFloor()).isEqualTo(new SequencePair(0, 0));
        assertThat(info.numPending()).isEqualTo(800);
        assertThat(info.problems()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(ServerLine.class)
    void aMissingOdatStartsFromTheDeliverPolicyWithTheAckFloorStoredOnlyFrom214(ServerLine line) throws Exception {
        Path stream = Fixtures.streamDir(Fixtures.copy("nats-2.10.27-small", tmp), "MAX1");
        Files.delete(stream.resolve("obs/C0/o.dat"));
        StreamStore s = open(stream);

        RestoredConsumer c = ConsumerLoader.load(s, "C0", line);
        ConsumerInfo info = ConsumerSettlement.settle(s, List.of(c), line).getFirst();

        boolean from214 = line == ServerLine.V2_14 || line == ServerLine.V2_15;
        assertThat(info.delivered()).isEqualTo(new SequencePair(0, 200));
        assertThat(info.ackFloor()).isEqualTo(new SequencePair(0, from214 ? 200 : 0));
        assertThat(info.numPending()).isEqualTo(800);
        assertThat(info.problems()).isEmpty();
    }

    private static StreamStore open(Path stream) throws Exception {
        return StreamOpener.open("$G", stream.getFileName().toString(), stream,
                MetaFiles.readStream(stream, DiskGate.unbounded()).config(), StoreContext.singleThreaded());
    }
}
