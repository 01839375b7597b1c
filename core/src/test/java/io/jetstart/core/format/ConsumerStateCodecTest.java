package io.jetstart.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ConsumerStateCodecTest {
    private static final long SEC = 1_000_000_000L;

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static byte[] bytes(ByteWriter w) {
        return w.toByteArray();
    }

    // ---- spec §9.7 ----

    @Test
    void specVectorWithOnePendingDecodesToItsStatedState() throws Exception {
        ConsumerState s = ConsumerStateCodec.decode(hex("16 02 01 01 02 02 01 82 c4 9f d5 0c 01 01 02 00"));
        assertThat(s.version()).isEqualTo(2);
        assertThat(s.ackFloor()).isEqualTo(new SequencePair(1, 1));
        assertThat(s.delivered()).isEqualTo(new SequencePair(2, 2));
        assertThat(s.baseSeconds()).isEqualTo(1_700_000_001L);
        assertThat(s.pending()).containsExactly(new ConsumerState.Pending(2, 2, (1_700_000_001L - 1) * SEC));
        assertThat(s.redelivered()).isEmpty();
    }

    @Test
    void specVectorWithOnePendingIsWhatTheEncoderWrites() {
        ConsumerState s = new ConsumerState(2, new SequencePair(2, 2), new SequencePair(1, 1), 1_700_000_001L,
                List.of(new ConsumerState.Pending(2, 2, 1_700_000_000L * SEC)), List.of());
        assertThat(ConsumerStateCodec.encode(s)).isEqualTo(hex("16 02 01 01 02 02 01 82 c4 9f d5 0c 01 01 02 00"));
    }

    @Test
    void specVectorWithoutPendingRoundTrips() throws Exception {
        byte[] file = hex("16 02 05 0a 05 0a 00 00");
        ConsumerState s = ConsumerStateCodec.decode(file);
        assertThat(s.ackFloor()).isEqualTo(new SequencePair(5, 10));
        assertThat(s.delivered()).isEqualTo(new SequencePair(5, 10));
        assertThat(s.pending()).isEmpty();
        assertThat(s.baseSeconds()).isZero();
        assertThat(ConsumerStateCodec.encode(s)).isEqualTo(file);
    }

    // ---- spec §9.10, real server bytes ----

    @Test
    void realMax1ConsumerFileDecodesToTheSpecState() throws Exception {
        byte[] file = read("nats-2.15.1-small", "MAX1", "C0");
        assertThat(file).isEqualTo(hex("16 02 fa 01 c2 03 fa 01 c2 03 00 00"));
        ConsumerState s = ConsumerStateCodec.decode(file);
        assertThat(s.ackFloor()).isEqualTo(new SequencePair(250, 450));
        assertThat(s.delivered()).isEqualTo(new SequencePair(250, 450));
        assertThat(s.pending()).isEmpty();
        assertThat(s.redelivered()).isEmpty();
    }

    @Test
    void realLim1C1FileDecodesToTheSpecState() throws Exception {
        byte[] file = read("nats-2.15.1-small", "LIM1", "C1");
        assertThat(file).hasSize(145);
        assertThat(HexFormat.of().formatHex(file, 0, 15)).isEqualTo("160232326464" + "2c84c7b6b00d090902");
        ConsumerState s = ConsumerStateCodec.decode(file);
        assertThat(s.ackFloor()).isEqualTo(new SequencePair(50, 50));
        assertThat(s.delivered()).isEqualTo(new SequencePair(100, 100));
        assertThat(s.baseSeconds()).isEqualTo(1_795_609_026L);
        assertThat(s.pending()).hasSize(44);
        assertThat(s.pending().get(0)).isEqualTo(new ConsumerState.Pending(59, 59, (1_795_609_026L - 1) * SEC));
        assertThat(file[file.length - 1]).isZero();
        assertThat(s.redelivered()).isEmpty();
    }

    @Test
    void everyFixtureConsumerFileReencodesByteForByte() throws Exception {
        List<Path> files = allConsumerFiles();
        // The -small stores, upbench, the encrypted, -s2 and -lines stores (testdata/README.md).
        assertThat(files).hasSize(44);
        for (Path f : files) {
            byte[] original = Files.readAllBytes(f);
            assertThat(ConsumerStateCodec.encode(ConsumerStateCodec.decode(original))).as("%s", f).isEqualTo(original);
        }
    }

    @Test
    void everyFixtureConsumerFileAgreesWithWhatTheServerReported() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        int checked = 0;
        for (String fixture : Fixtures.SMALL) {
            var oracle = mapper.readTree(Fixtures.root().resolve(fixture).resolve("oracle.json").toFile());
            for (var stream : oracle.get("streams")) {
                for (var consumer : stream.get("consumers")) {
                    Path f = Fixtures.streamDir(Fixtures.root().resolve(fixture), stream.get("name").asText())
                            .resolve("obs").resolve(consumer.get("name").asText()).resolve("o.dat");
                    ConsumerState s = ConsumerStateCodec.decode(Files.readAllBytes(f));
                    String where = fixture + " " + f;
                    assertThat(s.ackFloor()).as(where).isEqualTo(pair(consumer.get("ack_floor")));
                    assertThat(s.delivered()).as(where).isEqualTo(pair(consumer.get("delivered")));
                    assertThat(s.pending()).as(where).hasSize(consumer.get("num_ack_pending").asInt());
                    assertThat(s.redelivered()).as(where).hasSize(consumer.get("num_redelivered").asInt());
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(15);
    }

    private static SequencePair pair(JsonNode n) {
        return new SequencePair(n.get("consumer_seq").asLong(), n.get("stream_seq").asLong());
    }

    // ---- §5.1 decoding rules ----

    @Test
    void emptyFileMeansNoState() throws Exception {
        assertThat(ConsumerStateCodec.decode(new byte[0])).isSameAs(ConsumerState.EMPTY);
        assertThat(ConsumerState.EMPTY.isEmpty()).isTrue();
    }

    @Test
    void oneByteFileIsCorrupt() {
        assertThatThrownBy(() -> ConsumerStateCodec.decode(hex("16"))).isInstanceOf(FormatException.class);
    }

    @Test
    void wrongMagicIsCorruptAndSaysWhatWasFound() {
        assertThatThrownBy(() -> ConsumerStateCodec.decode(hex("0b 02 00 00 00 00 00 00")))
                .isInstanceOf(FormatException.class).hasMessageContaining("magic 22").hasMessageContaining("found 11");
    }

    @Test
    void unknownVersionIsUnsupportedAtOffsetOne() {
        assertThatThrownBy(() -> ConsumerStateCodec.decode(hex("16 03 00 00 00 00 00 00")))
                .isInstanceOf(FormatException.class).hasMessageContaining("unsupported version: 3")
                .satisfies(e -> assertThat(((FormatException) e).offset()).isEqualTo(1));
    }

    @Test
    void truncatedFloorsAreCorrupt() {
        assertThatThrownBy(() -> ConsumerStateCodec.decode(hex("16 02 05 0a 05")))
                .isInstanceOf(FormatException.class).hasMessageContaining("Delivered.Stream");
    }

    @Test
    void version1DeliveredIsMovedBackByTheAckFloor() throws Exception {
        // v1 stored delivered as "next to deliver" relative to the floor.
        ConsumerState s = ConsumerStateCodec.decode(hex("16 01 05 0a 03 04 00 00"));
        assertThat(s.version()).isEqualTo(1);
        assertThat(s.delivered()).isEqualTo(new SequencePair(3 + 5 - 1, 4 + 10 - 1));
    }

    @Test
    void version1DeliveredIsUntouchedWhenTheFloorIsAtMostOne() throws Exception {
        ConsumerState s = ConsumerStateCodec.decode(hex("16 01 01 00 03 04 00 00"));
        assertThat(s.delivered()).isEqualTo(new SequencePair(3, 4));
    }

    @Test
    void version1PendingHasNoConsumerSeqAndAddsTheBase() throws Exception {
        byte[] file = bytes(new ByteWriter().u8(22).u8(1).uvarint(0).uvarint(0).uvarint(3).uvarint(3)
                .uvarint(1).varint(1000).uvarint(2).varint(-5).uvarint(0));
        ConsumerState s = ConsumerStateCodec.decode(file);
        assertThat(s.pending()).containsExactly(new ConsumerState.Pending(2, 0, (1000 - 5) * SEC));
    }

    @Test
    void ackFloorStreamWithBit63IsCorrupt() {
        byte[] file = bytes(new ByteWriter().u8(22).u8(2).uvarint(1).uvarint(1L << 63).uvarint(1).uvarint(1).uvarint(0).uvarint(0));
        assertThatThrownBy(() -> ConsumerStateCodec.decode(file)).isInstanceOf(FormatException.class).hasMessageContaining("bit 63");
    }

    @Test
    void deliveredStreamWithBit63IsCorrupt() {
        byte[] file = bytes(new ByteWriter().u8(22).u8(2).uvarint(1).uvarint(1).uvarint(1).uvarint(-1L).uvarint(0).uvarint(0));
        assertThatThrownBy(() -> ConsumerStateCodec.decode(file)).isInstanceOf(FormatException.class).hasMessageContaining("bit 63");
    }

    @Test
    void pendingStreamSequenceZeroIsCorrupt() {
        byte[] file = bytes(new ByteWriter().u8(22).u8(2).uvarint(0).uvarint(0).uvarint(1).uvarint(1)
                .uvarint(1).varint(100).uvarint(0).uvarint(1).varint(0).uvarint(0));
        assertThatThrownBy(() -> ConsumerStateCodec.decode(file)).isInstanceOf(FormatException.class)
                .hasMessageContaining("stream sequence 0");
    }

    @Test
    void truncatedPendingListIsCorrupt() {
        byte[] full = hex("16 02 01 01 02 02 01 82 c4 9f d5 0c 01 01 02 00");
        byte[] cut = Arrays.copyOf(full, 13);
        assertThatThrownBy(() -> ConsumerStateCodec.decode(cut)).isInstanceOf(FormatException.class);
    }

    @Test
    void redeliveryEntriesWithZeroDeltaOrZeroCountAreSkipped() throws Exception {
        byte[] file = bytes(new ByteWriter().u8(22).u8(2).uvarint(10).uvarint(10).uvarint(20).uvarint(20).uvarint(0)
                .uvarint(4).uvarint(0).uvarint(3).uvarint(2).uvarint(0).uvarint(5).uvarint(2).uvarint(6).uvarint(7));
        ConsumerState s = ConsumerStateCodec.decode(file);
        assertThat(s.redelivered()).containsExactly(new ConsumerState.Redelivery(15, 2), new ConsumerState.Redelivery(16, 7));
    }

    @Test
    void truncatedRedeliveryTailYieldsFewerEntries() throws Exception {
        byte[] file = bytes(new ByteWriter().u8(22).u8(2).uvarint(10).uvarint(10).uvarint(20).uvarint(20).uvarint(0)
                .uvarint(3).uvarint(1).uvarint(2).uvarint(2).uvarint(3).uvarint(3));
        byte[] cut = Arrays.copyOf(file, file.length - 1);
        ConsumerState s = ConsumerStateCodec.decode(cut);
        assertThat(s.redelivered()).containsExactly(new ConsumerState.Redelivery(11, 2), new ConsumerState.Redelivery(12, 3));
    }

    @Test
    void missingRedeliveryCountReadsAsNone() throws Exception {
        ConsumerState s = ConsumerStateCodec.decode(hex("16 02 05 0a 05 0a 00"));
        assertThat(s.redelivered()).isEmpty();
        assertThat(s.delivered()).isEqualTo(new SequencePair(5, 10));
    }

    @Test
    void repeatedPendingSequenceKeepsTheLastEntryAsTheServersMapDoes() throws Exception {
        byte[] file = bytes(new ByteWriter().u8(22).u8(2).uvarint(0).uvarint(0).uvarint(9).uvarint(9)
                .uvarint(2).varint(100).uvarint(3).uvarint(3).varint(1).uvarint(3).uvarint(4).varint(2).uvarint(0));
        ConsumerState s = ConsumerStateCodec.decode(file);
        assertThat(s.pending()).containsExactly(new ConsumerState.Pending(3, 4, 98 * SEC));
    }

    @Test
    void pendingCountOf2To40IsRefusedBeforeAllocating() {
        byte[] file = bytes(new ByteWriter().u8(22).u8(2).uvarint(0).uvarint(0).uvarint(1).uvarint(1)
                .uvarint(1L << 40).varint(100).uvarint(1).uvarint(1).varint(0).uvarint(0));
        assertThatThrownBy(() -> ConsumerStateCodec.decode(file)).isInstanceOf(FormatException.class)
                .hasMessageContaining("numPending " + (1L << 40)).hasMessageContaining("remain");
    }

    @Test
    void pendingCountWithBit63ReadsAsNoEntriesAsGoIntConversionDoes() throws Exception {
        byte[] file = bytes(new ByteWriter().u8(22).u8(2).uvarint(0).uvarint(0).uvarint(1).uvarint(1)
                .uvarint(1L << 63).varint(100).uvarint(0));
        ConsumerState s = ConsumerStateCodec.decode(file);
        assertThat(s.pending()).isEmpty();
        assertThat(s.baseSeconds()).isEqualTo(100);
    }

    @Test
    void pendingTimestampBeyondInt64NanosIsCorrupt() {
        byte[] file = bytes(new ByteWriter().u8(22).u8(2).uvarint(0).uvarint(0).uvarint(1).uvarint(1)
                .uvarint(1).varint(Long.MAX_VALUE / 2).uvarint(1).uvarint(1).varint(0).uvarint(0));
        assertThatThrownBy(() -> ConsumerStateCodec.decode(file)).isInstanceOf(FormatException.class)
                .hasMessageContaining("does not fit");
    }

    // ---- encoder invariants ----

    @Test
    void encoderRefusesAnAckFloorAboveDelivered() {
        ConsumerState s = new ConsumerState(2, new SequencePair(5, 5), new SequencePair(6, 5), 0, List.of(), List.of());
        assertThatThrownBy(() -> ConsumerStateCodec.encode(s)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AckFloor.Consumer 6");
        ConsumerState t = new ConsumerState(2, new SequencePair(5, 5), new SequencePair(5, 6), 0, List.of(), List.of());
        assertThatThrownBy(() -> ConsumerStateCodec.encode(t)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AckFloor.Stream 6");
    }

    @Test
    void encoderRefusesPendingAtOrBelowTheFloorOrAboveDelivered() {
        for (long seq : new long[] {5, 4, 11}) {
            ConsumerState s = new ConsumerState(2, new SequencePair(10, 10), new SequencePair(5, 5), 100,
                    List.of(new ConsumerState.Pending(seq, 6, 0)), List.of());
            assertThatThrownBy(() -> ConsumerStateCodec.encode(s)).as("seq %d", seq)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sequence " + seq);
        }
    }

    @Test
    void encoderAcceptsPendingAtDelivered() throws Exception {
        ConsumerState s = new ConsumerState(2, new SequencePair(10, 10), new SequencePair(5, 5), 100,
                List.of(new ConsumerState.Pending(10, 10, 99 * SEC)), List.of(new ConsumerState.Redelivery(10, 3)));
        ConsumerState back = ConsumerStateCodec.decode(ConsumerStateCodec.encode(s));
        assertThat(back).isEqualTo(s);
    }

    @Test
    void baseSecondsRoundsHalfUpAsGoRoundDoes() {
        assertThat(ConsumerStateCodec.baseSecondsAt(Instant.ofEpochSecond(100, 499_999_999))).isEqualTo(100);
        assertThat(ConsumerStateCodec.baseSecondsAt(Instant.ofEpochSecond(100, 500_000_000))).isEqualTo(101);
    }

    // ---- helpers ----

    private static byte[] read(String fixture, String stream, String consumer) throws IOException {
        return Files.readAllBytes(Fixtures.streamDir(Fixtures.root().resolve(fixture), stream)
                .resolve("obs").resolve(consumer).resolve("o.dat"));
    }

    /** Every o.dat of the plain fixtures (an encrypted fixture's o.dat is sealed: see core.crypto's tests). */
    static List<Path> allConsumerFiles() throws IOException {
        List<Path> out = new java.util.ArrayList<>();
        for (String name : Fixtures.plainNames()) {
            try (Stream<Path> walk = Files.walk(Fixtures.root().resolve(name))) {
                walk.filter(p -> p.getFileName().toString().equals("o.dat")).forEach(out::add);
            }
        }
        return out.stream().sorted().toList();
    }
}
