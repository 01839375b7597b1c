package io.jetstart.core.format;

import static io.jetstart.core.format.TestBytes.hex;
import static io.jetstart.core.format.TestBytes.seal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Spec §9.5 vectors and the §4.4 checks, in Go's order. */
class IndexDbCodecTest {
    private static final String STREAM = "TEST";
    private static final long T1 = 1_700_000_000_000_000_000L;
    private static final long T2 = T1 + 1;
    private static final byte[] B2_CHECKSUM = hex("dc c8 8b e1 45 a2 58 ed");
    private static final byte[] B1_CHECKSUM = hex("8d a3 42 4d 91 61 43 b5");
    private static final byte[] PURGE_TOMBSTONE_CHECKSUM = hex("dd ef 81 47 f4 fc ea a2");

    private static final String V3_B1_B2 = """
            0b 03
            02 62 01
            80 80 d0 e2 c6 bf ce 97 2f
            02 82 80 d0 e2 c6 bf ce 97 2f
            01 03 66 6f 6f 02 01 01
            01
            01 62 01 00 02 02 00 00 00
            01 dc c8 8b e1 45 a2 58 ed
            ea 93 d9 24 4c 25 d0 38
            """;

    /** Msgs 2, Bytes 98, First 1 @T1, Last 2 @T2, "foo" total 2 in block 1, lmb 1. */
    private static IndexDb b1AndB2(int version) {
        return new IndexDb(version, 2, 98, 1, T1, 2, T2,
                List.of(new IndexDb.Subject("foo", 2, 1, 1)),
                List.of(new IndexDb.Block(1, 98, 1, T1, 2, T2, 0, 0, new SequenceSet())),
                1, B2_CHECKSUM);
    }

    private static IndexDb b1Only(int version) {
        return new IndexDb(version, 1, 38, 1, T1, 1, T1,
                List.of(new IndexDb.Subject("foo", 1, 1, 1)),
                List.of(new IndexDb.Block(1, 38, 1, T1, 1, T1, 0, 0, new SequenceSet())),
                1, B1_CHECKSUM);
    }

    private static IndexDb emptyAfterPurge() {
        return new IndexDb(3, 0, 0, 6, 0, 5, T1, List.of(),
                List.of(new IndexDb.Block(1, 0, 6, 0, 5, T1, 0, 0, new SequenceSet())),
                1, PURGE_TOMBSTONE_CHECKSUM);
    }

    @Test
    void encodesVersion3AsTheSpecVector() {
        byte[] file = IndexDbCodec.encode(STREAM, b1AndB2(3), 3);

        assertThat(file).hasSize(59);
        assertThat(hex(file)).isEqualTo(hex(hex(V3_B1_B2)));
    }

    @Test
    void encodesVersion1WithoutTtlsOrSchedules() {
        byte[] file = IndexDbCodec.encode(STREAM, b1AndB2(1), 1);

        String expectedBody = V3_B1_B2.replace("0b 03", "0b 01")
                .replace("01 62 01 00 02 02 00 00 00", "01 62 01 00 02 02 00")
                .replace("ea 93 d9 24 4c 25 d0 38", "");
        assertThat(file).hasSize(57);
        assertThat(hex(file)).isEqualTo(hex(hex(expectedBody + "f4 3d 18 57 c5 79 e5 e7")));
    }

    @Test
    void encodesVersion2WithTtlsButNoSchedules() {
        byte[] file = IndexDbCodec.encode(STREAM, b1AndB2(2), 2);

        String expectedBody = V3_B1_B2.replace("0b 03", "0b 02")
                .replace("01 62 01 00 02 02 00 00 00", "01 62 01 00 02 02 00 00")
                .replace("ea 93 d9 24 4c 25 d0 38", "");
        assertThat(file).hasSize(58);
        assertThat(hex(file)).isEqualTo(hex(hex(expectedBody + "19 87 37 97 5a 43 68 3c")));
    }

    @Test
    void encodesVersion4WithTheSameBodyAsVersion3WhenEveryTotalExceedsOne() {
        byte[] file = IndexDbCodec.encode(STREAM, b1AndB2(4), 4);

        String expected = V3_B1_B2.replace("0b 03", "0b 04").replace("ea 93 d9 24 4c 25 d0 38", "78 87 64 76 3f 52 1a 0f");
        assertThat(hex(file)).isEqualTo(hex(hex(expected)));
    }

    @Test
    void version3OmitsTheLastBlockOfASubjectWithOneMessage() {
        byte[] file = IndexDbCodec.encode(STREAM, b1Only(3), 3);

        assertThat(hex(file)).isEqualTo(hex(hex("0b 03 01 26 01 80 80 d0 e2 c6 bf ce 97 2f 01 80 80 d0 e2 c6 bf ce 97 2f"
                + " 01 03 66 6f 6f 01 01 01 01 26 01 00 01 00 00 00 00 01 8d a3 42 4d 91 61 43 b5 25 f2 cc 6c 38 b9 ba 34")));
    }

    @Test
    void version4AlwaysWritesTheLastBlockOfASubject() {
        byte[] file = IndexDbCodec.encode(STREAM, b1Only(4), 4);

        assertThat(hex(file)).isEqualTo(hex(hex("0b 04 01 26 01 80 80 d0 e2 c6 bf ce 97 2f 01 80 80 d0 e2 c6 bf ce 97 2f"
                + " 01 03 66 6f 6f 01 01 01 01 01 26 01 00 01 00 00 00 00 01 8d a3 42 4d 91 61 43 b5 a6 ad c5 30 68 24 bc 6e")));
    }

    @Test
    void encodesTheEmptyStreamAfterAPurgeAsTheSpecVector() {
        byte[] file = IndexDbCodec.encode(STREAM, emptyAfterPurge(), 3);

        assertThat(file).hasSize(52);
        assertThat(hex(file)).isEqualTo(hex(hex("""
                0b 03 00 00 06 00 05 80 80 d0 e2 c6 bf ce 97 2f 00 01 01 00 06 00 05 80 80 d0 e2 c6 bf ce 97 2f
                00 00 00 01 dd ef 81 47 f4 fc ea a2 65 c2 15 42 45 d2 f4 a7
                """)));
    }

    @Test
    void decodesEveryVersionBackToTheStateItWasEncodedFrom() throws FormatException {
        for (int version = 1; version <= 4; version++) {
            assertThat(IndexDbCodec.decode(STREAM, IndexDbCodec.encode(STREAM, b1AndB2(version), version)))
                    .as("version %d", version).isEqualTo(b1AndB2(version));
            assertThat(IndexDbCodec.decode(STREAM, IndexDbCodec.encode(STREAM, b1Only(version), version)))
                    .as("version %d", version).isEqualTo(b1Only(version));
        }
    }

    @Test
    void decodesTheEmptyStreamWithAbsoluteBlockTimes() throws FormatException {
        IndexDb db = IndexDbCodec.decode(STREAM, IndexDbCodec.encode(STREAM, emptyAfterPurge(), 3));

        assertThat(db).isEqualTo(emptyAfterPurge());
        assertThat(db.blocks().getFirst().lastTs()).isEqualTo(T1);
        assertThat(db.blocks().getFirst().msgs()).isZero();
    }

    @Test
    void version3ReaderTakesTheFirstBlockAsLastWhenTotalIsOne() throws FormatException {
        IndexDb state = new IndexDb(3, 1, 38, 1, T1, 1, T1,
                List.of(new IndexDb.Subject("foo", 1, 7, 9)),
                List.of(new IndexDb.Block(7, 38, 1, T1, 1, T1, 0, 0, null)), 7, B1_CHECKSUM);

        IndexDb back = IndexDbCodec.decode(STREAM, IndexDbCodec.encode(STREAM, state, 3));

        assertThat(back.subjects()).containsExactly(new IndexDb.Subject("foo", 1, 7, 7));
        assertThat(IndexDbCodec.decode(STREAM, IndexDbCodec.encode(STREAM, state, 4)).subjects())
                .containsExactly(new IndexDb.Subject("foo", 1, 7, 9));
    }

    @Test
    void keepsTtlsFromVersion2AndSchedulesFromVersion3() throws FormatException {
        IndexDb state = new IndexDb(4, 2, 98, 1, T1, 2, T2, List.of(),
                List.of(new IndexDb.Block(1, 98, 1, T1, 2, T2, 5, 6, null)), 1, B2_CHECKSUM);

        assertThat(blockOf(state, 1)).extracting(IndexDb.Block::ttls, IndexDb.Block::schedules).containsExactly(0L, 0L);
        assertThat(blockOf(state, 2)).extracting(IndexDb.Block::ttls, IndexDb.Block::schedules).containsExactly(5L, 0L);
        assertThat(blockOf(state, 3)).extracting(IndexDb.Block::ttls, IndexDb.Block::schedules).containsExactly(5L, 6L);
        assertThat(blockOf(state, 4)).extracting(IndexDb.Block::ttls, IndexDb.Block::schedules).containsExactly(5L, 6L);
    }

    private static IndexDb.Block blockOf(IndexDb state, int version) throws FormatException {
        return IndexDbCodec.decode(STREAM, IndexDbCodec.encode(STREAM, state, version)).blocks().getFirst();
    }

    @Test
    void roundTripsABlockWithADeletedMapAndNegativeTimeDeltas() throws FormatException {
        SequenceSet deleted = new SequenceSet();
        deleted.add(5);
        deleted.add(7);
        deleted.add(5000);
        IndexDb state = new IndexDb(3, 5000 - 3 + 1 + 10 - 3, 1234, 3, T1, 6010, T2 + 99,
                List.of(new IndexDb.Subject("a.b", 5, 1, 2), new IndexDb.Subject("a.c", 1, 2, 2)),
                List.of(new IndexDb.Block(1, 1000, 3, T1, 5000, T1 + 50, 0, 0, deleted),
                        new IndexDb.Block(2, 234, 6001, 0, 6010, T2 + 99, 1, 2, null)),
                2, B2_CHECKSUM);

        byte[] file = IndexDbCodec.encode(STREAM, state, 3);
        IndexDb back = IndexDbCodec.decode(STREAM, file);

        assertThat(back).isEqualTo(state);
        assertThat(back.blocks().get(0).msgs()).isEqualTo(5000 - 3 + 1 - 3);
        assertThat(IndexDbCodec.encode(STREAM, back, 3)).isEqualTo(file);
    }

    @Test
    void encodesTheDeletedMapAsInTheSpecExample() {
        SequenceSet deleted = new SequenceSet();
        deleted.add(5);
        deleted.add(7);
        IndexDb state = new IndexDb(3, 8, 800, 1, T1, 10, T1,
                List.of(), List.of(new IndexDb.Block(1, 800, 1, T1, 10, T1, 0, 0, deleted)), 1, B2_CHECKSUM);

        byte[] file = IndexDbCodec.encode(STREAM, state, 3);

        // The block entry ends "numDeleted 2, ttls 0, schedules 0" and the 276 bytes of §9.8 follow.
        String dmap = "16 02 01000000 02000000 0000000000000000 a000000000000000" + "00".repeat(248) + "0100";
        assertThat(hex(file)).contains(hex(hex("020000" + dmap + "01" + hex(B2_CHECKSUM))));
    }

    @Test
    void blockMessageCountClampsAtZero() {
        SequenceSet deleted = new SequenceSet();
        deleted.addRange(10, 12);

        assertThat(new IndexDb.Block(1, 0, 10, 0, 11, 0, 0, 0, deleted).msgs()).isZero();
        assertThat(new IndexDb.Block(1, 0, 10, 0, 9, 0, 0, 0, null).msgs()).isZero();
        assertThat(new IndexDb.Block(1, 0, 10, 0, 20, 0, 0, 0, deleted).msgs()).isEqualTo(8);
    }

    // ---- §4.4 steps 3-9, in order ----

    @Test
    void refusesAFileShorterThan32BytesWithGoText() {
        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, new byte[0]))
                .isInstanceOf(FormatException.class).hasMessage("Stream state too short (0 bytes)");
        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, new byte[31]))
                .isInstanceOf(FormatException.class).hasMessage("Stream state too short (31 bytes)");
    }

    @Test
    void refusesAChecksumMismatchNamingStoredAndComputedHashes() {
        byte[] file = hex(V3_B1_B2);
        file[5] ^= 1;

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, file))
                .isInstanceOf(FormatException.class)
                .hasMessageStartingWith("at offset 51: Stream state checksum did not match (stored ea93d9244c25d038, computed ");
    }

    @Test
    void refusesAFileSealedForAnotherStream() {
        assertThatThrownBy(() -> IndexDbCodec.decode("OTHER", hex(V3_B1_B2)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("Stream state checksum did not match");
    }

    @Test
    void checksIntegrityBeforeTheMagic() {
        byte[] file = hex(V3_B1_B2);
        file[0] = 12;

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, file))
                .isInstanceOf(FormatException.class).hasMessageContaining("checksum did not match");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0c 03", "0b 00", "0b 05", "16 02"})
    void refusesAWrongMagicOrVersionWithGoText(String header) {
        byte[] body = TestBytes.body(hex(V3_B1_B2));
        byte[] h = hex(header);
        body[0] = h[0];
        body[1] = h[1];

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, body)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("Stream state magic and version mismatch (expected magic 11 and version 1..4, found magic "
                        + (h[0] & 0xff) + " and version " + (h[1] & 0xff) + ")");
    }

    @Test
    void refusesASubjectLengthThatRunsPastTheBodyWithGoText() {
        byte[] body = TestBytes.body(hex(V3_B1_B2));
        body[25] = 0x7f; // the length of "foo"

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, body)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("Stream state bad subject len (127)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a..b", ".ab", "ab.", "a b", "a\tb", "a\u0000b", "a.>.b", "\uFFFD", "a\nb"})
    void refusesASubjectNatsServerWouldRejectWithGoText(String subject) {
        byte[] s = subject.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] body = withSubjectBytes(s);

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, body)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("Stream state corrupt subject detected");
    }

    @Test
    void refusesASubjectThatIsNotUtf8() {
        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, withSubjectBytes(hex("61 ff 62")))))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("Stream state corrupt subject detected (61ff62)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo.>", ">", "*", "a.*.c", "ünïcode.ok", "x"})
    void acceptsSubjectsNatsServerAccepts(String subject) throws FormatException {
        byte[] s = subject.getBytes(java.nio.charset.StandardCharsets.UTF_8);

        IndexDb db = IndexDbCodec.decode(STREAM, seal(STREAM, withSubjectBytes(s)));

        assertThat(db.subjects().getFirst().subject()).isEqualTo(subject);
    }

    /** The v3 B1‖B2 body with "foo" replaced by {@code subject}. */
    private static byte[] withSubjectBytes(byte[] subject) {
        ByteWriter w = new ByteWriter();
        byte[] v3 = TestBytes.body(hex(V3_B1_B2));
        w.bytes(v3, 0, 25).uvarint(subject.length).bytes(subject).bytes(v3, 29, v3.length - 29);
        return w.toByteArray();
    }

    @Test
    void skipsAZeroLengthSubjectWithoutReadingItsFieldsAsGoDoes() throws FormatException {
        // numSubjects 2: a zero length, then "foo".
        ByteWriter w = new ByteWriter();
        byte[] v3 = TestBytes.body(hex(V3_B1_B2));
        w.bytes(v3, 0, 24).u8(2).u8(0).bytes(v3, 25, v3.length - 25);

        IndexDb db = IndexDbCodec.decode(STREAM, seal(STREAM, w.toByteArray()));

        assertThat(db.subjects()).containsExactly(new IndexDb.Subject("foo", 2, 1, 1));
    }

    @Test
    void namesTheBlockEntryWhenOneOfItsVarintsIsBad() {
        // Two blocks declared; the second entry is cut short by an overlong varint.
        ByteWriter w = new ByteWriter();
        byte[] v3 = TestBytes.body(hex(V3_B1_B2));
        w.bytes(v3, 0, 32).u8(2).bytes(v3, 33, 9);
        w.bytes(hex("ff ff ff ff ff ff ff ff ff ff 01"));
        w.bytes(v3, 42, v3.length - 42);

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, w.toByteArray())))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("Stream state block entry 2 of 2: uvarint block index longer than 10 bytes");
    }

    @Test
    void reportsABadDeletedMapWithGoText() {
        SequenceSet deleted = new SequenceSet();
        deleted.add(5);
        IndexDb state = new IndexDb(3, 9, 800, 1, T1, 10, T1,
                List.of(), List.of(new IndexDb.Block(1, 800, 1, T1, 10, T1, 0, 0, deleted)), 1, B2_CHECKSUM);
        byte[] body = TestBytes.body(IndexDbCodec.encode(STREAM, state, 3));
        int dmapAt = indexOf(body, hex("16 02 01 00 00 00"));
        body[dmapAt] = 0x17;

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, body)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("Stream state error decoding avl dmap: block entry 1 (block 1): sequence set magic");
    }

    @Test
    void refusesANumDeletedThatDisagreesWithTheDeletedMap() {
        SequenceSet deleted = new SequenceSet();
        deleted.add(5);
        IndexDb state = new IndexDb(3, 9, 800, 1, T1, 10, T1,
                List.of(), List.of(new IndexDb.Block(1, 800, 1, T1, 10, T1, 0, 0, deleted)), 1, B2_CHECKSUM);
        byte[] body = TestBytes.body(IndexDbCodec.encode(STREAM, state, 3));
        int dmapAt = indexOf(body, hex("16 02 01 00 00 00"));
        body[dmapAt - 3] = 2; // numDeleted, before ttls and schedules

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, body)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("declares numDeleted 2 but its dmap holds 1 sequences");
    }

    @Test
    void refusesAMissingLastChecksumWithGoText() {
        byte[] body = TestBytes.body(hex(V3_B1_B2));
        byte[] cut = java.util.Arrays.copyOf(body, body.length - 1);

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, cut)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("Stream state has no checksum present (need 8 bytes for the last block checksum, 7 remain)");
    }

    @Test
    void reportsABadSummaryVarintAsAMissingChecksumLikeGo() {
        byte[] body = TestBytes.body(hex(V3_B1_B2));
        byte[] bad = body.clone();
        for (int i = 2; i < 14; i++) {
            bad[i] = (byte) 0xff;
        }

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, bad)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("Stream state has no checksum present (uvarint Msgs longer than 10 bytes)");
    }

    @Test
    void refusesBytesAfterTheLastChecksum() {
        byte[] body = TestBytes.body(hex(V3_B1_B2));
        byte[] longer = java.util.Arrays.copyOf(body, body.length + 2);

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, longer)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("Stream state has 2 unexpected bytes after the last block checksum");
    }

    @Test
    void refusesAHugeBlockCountWithoutSizingAListByIt() {
        // numBlocks = 2^63 - 1: the first entry decodes, the second runs out of bytes.
        ByteWriter w = new ByteWriter();
        byte[] v3 = TestBytes.body(hex(V3_B1_B2));
        w.bytes(v3, 0, 32).uvarint(Long.MAX_VALUE).bytes(v3, 33, v3.length - 33);

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, w.toByteArray())))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("Stream state block entry 2 of 9223372036854775807");
    }

    @Test
    void refusesAHugeSubjectCountWithoutSizingAListByIt() {
        ByteWriter w = new ByteWriter();
        byte[] v3 = TestBytes.body(hex(V3_B1_B2));
        w.bytes(v3, 0, 24).uvarint(-1L).bytes(v3, 25, v3.length - 25);

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, w.toByteArray())))
                .isInstanceOf(FormatException.class);
    }

    @Test
    void refusesADeletedMapOf0x7fffffffNodesBeforeAllocating() {
        SequenceSet deleted = new SequenceSet();
        deleted.add(5);
        IndexDb state = new IndexDb(3, 9, 800, 1, T1, 10, T1,
                List.of(), List.of(new IndexDb.Block(1, 800, 1, T1, 10, T1, 0, 0, deleted)), 1, B2_CHECKSUM);
        byte[] body = TestBytes.body(IndexDbCodec.encode(STREAM, state, 3));
        int dmapAt = indexOf(body, hex("16 02 01 00 00 00"));
        LittleEndian.putU32(body, dmapAt + 2, 0x7fff_ffffL);

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, body)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("Stream state error decoding avl dmap")
                .hasMessageContaining("declares 2147483647 nodes");
    }

    @Test
    void refusesABlockIndexAboveUint32() {
        ByteWriter w = new ByteWriter();
        byte[] v3 = TestBytes.body(hex(V3_B1_B2));
        w.bytes(v3, 0, 33).uvarint(1L << 32).bytes(v3, 34, v3.length - 34);

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, w.toByteArray())))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("block entry 1 of 1: block index 4294967296 exceeds the uint32 block index range");
    }

    @Test
    void refusesALastBlockIndexAboveUint32EvenWhenItLooksNegative() {
        ByteWriter w = new ByteWriter();
        byte[] v3 = TestBytes.body(hex(V3_B1_B2));
        w.bytes(v3, 0, 42).uvarint(-1L).bytes(v3, 43, 8);

        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, seal(STREAM, w.toByteArray())))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("last block index 18446744073709551615 exceeds the uint32 block index range");
    }

    // ---- encoder refusals ----

    @Test
    void encoderRefusesVersionsOutsideOneToFour() {
        assertThatThrownBy(() -> IndexDbCodec.encode(STREAM, b1AndB2(3), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IndexDbCodec.encode(STREAM, b1AndB2(3), 5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encoderRefusesASubjectTheReaderWouldReject() {
        IndexDb state = new IndexDb(3, 2, 98, 1, T1, 2, T2, List.of(new IndexDb.Subject("a..b", 2, 1, 1)),
                b1AndB2(3).blocks(), 1, B2_CHECKSUM);

        assertThatThrownBy(() -> IndexDbCodec.encode(STREAM, state, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a..b");
    }

    @Test
    void encoderWritesASubjectWithAFullWildcardBeforeItsEndWhichTheReaderThenRejectsAsNatsServerDoes() {
        // nats-server 2.10.27 and 2.15.1 store a publish on m.>.a, write it into index.db, and at the next start
        // reject that file ("Stream state corrupt subject detected") and rebuild from the blocks.
        IndexDb state = new IndexDb(3, 2, 98, 1, T1, 2, T2, List.of(new IndexDb.Subject("a.>.b", 2, 1, 1)),
                b1AndB2(3).blocks(), 1, B2_CHECKSUM);

        byte[] file = IndexDbCodec.encode(STREAM, state, 3);

        assertThat(IndexDbCodec.canHold("a.>.b")).isTrue();
        assertThatThrownBy(() -> IndexDbCodec.decode(STREAM, file))
                .isInstanceOf(FormatException.class).hasMessageContaining("Stream state corrupt subject detected");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a..b", ".ab", "ab.", "a b", "a\tb", "a\u0000b", "\uFFFD", "a.>..b"})
    void noStoredMessageHasTheOtherSubjectsTheReaderRejects(String subject) {
        assertThat(IndexDbCodec.canHold(subject)).isFalse();
    }

    @Test
    void encoderRefusesAStateWithoutBlocksThatWouldBeTooShort() {
        IndexDb state = new IndexDb(3, 0, 0, 0, 0, 0, 0, List.of(), List.of(), 0, new byte[8]);

        assertThatThrownBy(() -> IndexDbCodec.encode(STREAM, state, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shorter than 32");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("needle not found");
    }
}
