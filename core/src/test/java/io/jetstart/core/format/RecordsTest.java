package io.jetstart.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.hash.HashKeys;
import io.jetstart.core.hash.HighwayHash64;
import io.jetstart.core.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("both-hashes")
class RecordsTest {
    static final long T1 = 1_700_000_000_000_000_000L;
    static final long T2 = T1 + 1;
    static final byte[] FOO = ascii("foo");
    static final byte[] HELLO = ascii("hello");
    static final byte[] X_HEADER = ascii("NATS/1.0\r\nX: 1\r\n\r\n");
    static final String RECORD_A = "26000000 0100000000000000 0000000000000000 0300 666f6f 68656c6c6f 618d1fc063955e98";
    static final String RECORD_B1 = "26000000 0100000000000000 00002a36fe9c9717 0300 666f6f 68656c6c6f 8da3424d916143b5";
    static final String RECORD_B2 = "3c000080 0200000000000000 01002a36fe9c9717 0300 666f6f 12000000"
            + " 4e4154532f312e300d0a583a20310d0a0d0a 68656c6c6f dcc88be145a258ed";
    static final String TOMBSTONE_1_BLOCK_2 = "1e000000 0100000000000040 00002a36fe9c9717 0000 39e7a6f6ad6b61ce";
    static final String SKIP_3 = "1e000000 0300000000000080 01002a36fe9c9717 0000 7c1ae1754a3fc986";
    static final String PURGE_TOMBSTONE_5 = "1e000000 0500000000000040 00002a36fe9c9717 0000 ddef8147f4fceaa2";

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static HighwayHash64 block(String stream, long n) {
        return new HighwayHash64(HashKeys.forBlock(stream, n));
    }

    @Test
    void writesRecordAOfSpec92ByteForByte() {
        ByteWriter out = new ByteWriter();
        int rl = Records.writeMessage(out, block("TEST", 1), 1, 0, FOO, null, HELLO);
        assertThat(rl).isEqualTo(38);
        assertThat(out.toByteArray()).isEqualTo(hex(RECORD_A));
    }

    @Test
    void writesBlockB1B2OfSpec93ByteForByte() {
        ByteWriter out = new ByteWriter();
        HighwayHash64 h = block("TEST", 1);
        assertThat(Records.writeMessage(out, h, 1, T1, FOO, new byte[0], HELLO)).isEqualTo(38);
        assertThat(Records.writeMessage(out, h, 2, T2, FOO, X_HEADER, HELLO)).isEqualTo(60);
        assertThat(out.toByteArray()).hasSize(98).isEqualTo(hex(RECORD_B1 + RECORD_B2));
    }

    @Test
    void arrayFastPathWritesTheSameBytesAsTheByteWriter() {
        int rl = Records.messageLength(3, X_HEADER.length, 5);
        assertThat(rl).isEqualTo(60);
        byte[] dst = new byte[3 + rl];
        assertThat(Records.writeMessage(dst, 3, block("TEST", 1), 2, T2, FOO, X_HEADER, HELLO)).isEqualTo(60);
        assertThat(Arrays.copyOfRange(dst, 3, dst.length)).isEqualTo(hex(RECORD_B2));
        byte[] a = new byte[38];
        Records.writeMessage(a, 0, block("TEST", 1), 1, 0, FOO, new byte[0], HELLO);
        assertThat(a).isEqualTo(hex(RECORD_A));
    }

    @Test
    void writesTheSpecialRecordsOfSpec94ByteForByte() {
        ByteWriter tomb = new ByteWriter();
        assertThat(Records.writeTombstone(tomb, block("TEST", 2), 1, T1)).isEqualTo(30);
        assertThat(tomb.toByteArray()).isEqualTo(hex(TOMBSTONE_1_BLOCK_2));
        ByteWriter skip = new ByteWriter();
        assertThat(Records.writeSkip(skip, block("TEST", 1), 3, T2)).isEqualTo(30);
        assertThat(skip.toByteArray()).isEqualTo(hex(SKIP_3));
        ByteWriter purge = new ByteWriter();
        Records.writeTombstone(purge, block("TEST", 1), 5, T1);
        assertThat(purge.toByteArray()).isEqualTo(hex(PURGE_TOMBSTONE_5));
    }

    @Test
    void readsRecordB2WithItsHeadersAndVerifiedChecksum() throws Exception {
        byte[] b = hex(RECORD_B1 + RECORD_B2);
        MessageRecord r = Records.read(b, 38, b.length, block("TEST", 1));
        assertThat(r).isEqualTo(new MessageRecord(2, T2, FOO, X_HEADER, HELLO, 60, MessageRecord.Kind.MESSAGE));
        MessageRecord a = Records.read(b, 0, b.length, block("TEST", 1));
        assertThat(a.headers()).isEmpty();
        assertThat(a.rawLength()).isEqualTo(38);
    }

    @Test
    void readsTombstonesAndSkipsWithFlagBitsStripped() throws Exception {
        byte[] t = hex(TOMBSTONE_1_BLOCK_2);
        assertThat(Records.read(t, 0, t.length, block("TEST", 2)))
                .isEqualTo(new MessageRecord(1, T1, new byte[0], new byte[0], new byte[0], 30, MessageRecord.Kind.TOMBSTONE));
        byte[] s = hex(SKIP_3);
        assertThat(Records.read(s, 0, s.length, block("TEST", 1)))
                .isEqualTo(new MessageRecord(3, T2, new byte[0], new byte[0], new byte[0], 30, MessageRecord.Kind.ERASED_OR_SKIP));
    }

    @Test
    void aRecordCheckedWithAnotherBlocksKeyFailsNamingStoredAndComputedChecksums() {
        byte[] t = hex(TOMBSTONE_1_BLOCK_2);
        assertThatThrownBy(() -> Records.read(t, 0, t.length, block("TEST", 1)))
                .isInstanceOf(FormatException.class)
                .hasMessageStartingWith("at offset 0: invalid checksum: stored 39e7a6f6ad6b61ce computed ");
    }

    @Test
    void aFlippedPayloadBitFailsTheChecksumAtTheRecordsOffset() {
        byte[] b = hex(RECORD_B1 + RECORD_B2);
        b[38 + 60 - 9] ^= 1;
        assertThatThrownBy(() -> Records.read(b, 38, b.length, block("TEST", 1)))
                .isInstanceOfSatisfying(FormatException.class, e -> {
                    assertThat(e.offset()).isEqualTo(38);
                    assertThat(e.reason()).startsWith("invalid checksum: stored dcc88be145a258ed computed ");
                });
    }

    @Test
    void aTruncatedHeaderIsReportedWithTheBytesThatRemain() {
        byte[] b = hex(RECORD_A);
        assertThatThrownBy(() -> Records.read(b, 20, b.length, block("TEST", 1)))
                .isInstanceOfSatisfying(FormatException.class, e -> {
                    assertThat(e.offset()).isEqualTo(20);
                    assertThat(e.reason()).isEqualTo("truncated record header: 18 bytes remain");
                });
    }

    @Test
    void aRecordClaimingTwoGibibytesIsRejectedBeforeAnyAllocation() {
        byte[] b = hex(RECORD_A);
        LittleEndian.putU32(b, 0, 0xffff_ffffL);
        assertThatThrownBy(() -> Records.read(b, 0, b.length, block("TEST", 1)))
                .isInstanceOfSatisfying(FormatException.class,
                        e -> assertThat(e.reason()).isEqualTo("sanity check failed (rl 2147483647 > 33554432)"));
    }

    @Test
    void aRecordRunningPastTheEndIsRejected() {
        byte[] b = hex(RECORD_A);
        assertThatThrownBy(() -> Records.read(b, 0, b.length - 1, block("TEST", 1)))
                .isInstanceOfSatisfying(FormatException.class,
                        e -> assertThat(e.reason()).isEqualTo("sanity check failed (rl 38 > the 37 bytes that remain)"));
    }

    @Test
    void aRecordShorterThanThirtyBytesIsRejected() {
        byte[] b = hex(RECORD_A);
        LittleEndian.putU32(b, 0, 29);
        assertThatThrownBy(() -> Records.read(b, 0, b.length, block("TEST", 1)))
                .isInstanceOfSatisfying(FormatException.class, e -> assertThat(e.reason()).contains("rl 29 too short"));
    }

    @Test
    void aSubjectLongerThanTheRecordIsRejected() {
        byte[] b = hex(RECORD_A);
        LittleEndian.putU16(b, 20, 9);
        assertThatThrownBy(() -> Records.read(b, 0, b.length, block("TEST", 1)))
                .isInstanceOfSatisfying(FormatException.class, e -> assertThat(e.reason()).contains("subject length 9"));
    }

    @Test
    void aHeaderLengthBeyondTheRecordIsRejected() {
        byte[] b = hex(RECORD_B2);
        LittleEndian.putU32(b, 25, 24);
        assertThatThrownBy(() -> Records.read(b, 0, b.length, block("TEST", 1)))
                .isInstanceOfSatisfying(FormatException.class,
                        e -> assertThat(e.reason()).startsWith("invalid header length 24: only 23 bytes"));
    }

    @Test
    void theWriterSetsTheHeaderBitOnlyForNonEmptyHeaders() {
        ByteWriter empty = new ByteWriter();
        ByteWriter none = new ByteWriter();
        Records.writeMessage(empty, block("S", 1), 7, 1, FOO, new byte[0], HELLO);
        Records.writeMessage(none, block("S", 1), 7, 1, FOO, null, HELLO);
        assertThat(empty.toByteArray()).isEqualTo(none.toByteArray());
        assertThat(LittleEndian.u32(none.array(), 0) & Records.HBIT).isZero();
    }

    @Test
    void theWriterRejectsRecordsOverThirtyTwoMebibytes() {
        byte[] payload = new byte[Records.MAX_RECORD_LENGTH - 22 - 3 - 8 + 1];
        assertThatThrownBy(() -> Records.writeMessage(new ByteWriter(), block("S", 1), 1, 0, FOO, null, payload))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("33554433");
        assertThat(Records.messageLength(3, 0, payload.length - 1)).isEqualTo(Records.MAX_RECORD_LENGTH);
    }

    @Test
    void theWriterRejectsSubjectsOver65535Bytes() {
        assertThatThrownBy(() -> Records.writeMessage(new ByteWriter(), block("S", 1), 1, 0, new byte[65536], null, HELLO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65536");
    }

    @Test
    void theWriterRejectsSequencesUsingTheFlagBits() {
        assertThatThrownBy(() -> Records.writeTombstone(new ByteWriter(), block("S", 1), Records.TBIT | 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Records.writeMessage(new ByteWriter(), block("S", 1), Records.EBIT, 0, FOO, null, HELLO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void erasedRecordsKeepTheirLengthAndRoundTrip() throws Exception {
        byte[] body = new byte[106];
        new java.util.Random(1).nextBytes(body);
        ByteWriter out = new ByteWriter();
        assertThat(Records.writeErased(out, block("S", 1), 97, 136, body)).isEqualTo(136);
        byte[] b = out.toByteArray();
        assertThat(Records.read(b, 0, b.length, block("S", 1)))
                .isEqualTo(new MessageRecord(97, 0, new byte[0], new byte[0], body, 136, MessageRecord.Kind.ERASED_OR_SKIP));
        assertThatThrownBy(() -> Records.writeErased(new ByteWriter(), block("S", 1), 97, 136, new byte[105]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- real server bytes (§9.10) ----

    private static byte[] lim1Block(Path tmp) throws Exception {
        Path fixture = Fixtures.copy("nats-2.15.1-small", tmp);
        return Files.readAllBytes(Fixtures.streamDir(fixture, "LIM1").resolve("msgs/1.blk"));
    }

    @Test
    void decodesTheSpec910Lim1Records(@TempDir Path tmp) throws Exception {
        byte[] blk = lim1Block(tmp);
        HighwayHash64 h = block("LIM1", 1);
        MessageRecord first = Records.read(blk, 0, blk.length, h);
        assertThat(first.seq()).isEqualTo(1);
        assertThat(first.ts()).isEqualTo(1795609025923754695L);
        assertThat(first.subject()).isEqualTo(ascii("lim1.0"));
        assertThat(first.headers()).isEmpty();
        assertThat(first.payload()).hasSize(100).startsWith(ascii("s1:m1:hijk"));
        assertThat(first.rawLength()).isEqualTo(136);

        MessageRecord withHeaders = Records.read(blk, 6664, blk.length, h);
        assertThat(withHeaders.seq()).isEqualTo(50);
        assertThat(withHeaders.rawLength()).isEqualTo(162);
        assertThat(withHeaders.subject()).isEqualTo(ascii("lim1.1"));
        assertThat(withHeaders.headers()).isEqualTo(ascii("NATS/1.0\r\nX-Seq:50\r\n\r\n"));
        assertThat(withHeaders.payload()).hasSize(100).startsWith(ascii("s1:m50:fghi"));

        MessageRecord erased = Records.read(blk, 13082, blk.length, h);
        assertThat(erased.kind()).isEqualTo(MessageRecord.Kind.ERASED_OR_SKIP);
        assertThat(erased.seq()).isEqualTo(97);
        assertThat(erased.ts()).isZero();
        assertThat(erased.subject()).isEmpty();
        assertThat(erased.payload()).hasSize(106).startsWith(hex("3628c36f0a02"));

        MessageRecord tomb = Records.read(blk, 136540, blk.length, h);
        assertThat(tomb).isEqualTo(new MessageRecord(97, 1795609025941064224L, new byte[0], new byte[0], new byte[0], 30,
                MessageRecord.Kind.TOMBSTONE));
    }

    /** Every {@code .blk} under a fixture copy, with its stream name and block index. */
    record BlockFile(Path path, String stream, long index) {
    }

    static List<BlockFile> blockFiles(Path fixtureCopy) throws Exception {
        List<BlockFile> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(fixtureCopy)) {
            for (Path p : walk.filter(f -> f.getFileName().toString().endsWith(".blk")).sorted().toList()) {
                String name = p.getFileName().toString();
                out.add(new BlockFile(p, p.getParent().getParent().getFileName().toString(),
                        Long.parseLong(name.substring(0, name.length() - 4))));
            }
        }
        return out;
    }

    @Test
    void everyRecordOfEveryFixtureBlockReEncodesToTheSameBytes(@TempDir Path tmp) throws Exception {
        int blocks = 0;
        // Encrypted fixtures are skipped: their files are ciphertext (checked through core.crypto in
        // StreamKeysRealStoresTest and EncryptedStoreTest).
        for (String name : Fixtures.plainNames()) {
            for (BlockFile bf : blockFiles(Fixtures.copy(name, tmp))) {
                byte[] raw = Files.readAllBytes(bf.path());
                if (Fixtures.brokenBy210Erase(bf.path())) {
                    continue; // no records to read: see S2RealStoresTest
                }
                // Sealed blocks of the s2 fixtures hold their records compressed.
                byte[] blk = io.jetstart.core.compress.BlockCompression.plaintext(raw, raw.length, 64 << 20);
                HighwayHash64 h = block(bf.stream(), bf.index());
                ByteWriter out = new ByteWriter(blk.length);
                int off = 0;
                while (off < blk.length) {
                    MessageRecord r = Records.read(blk, off, blk.length, h);
                    int rl = switch (r.kind()) {
                        case MESSAGE -> Records.writeMessage(out, h, r.seq(), r.ts(), r.subject(), r.headers(), r.payload());
                        case TOMBSTONE -> Records.writeTombstone(out, h, r.seq(), r.ts());
                        case ERASED_OR_SKIP -> r.ts() != 0 && r.rawLength() == Records.EMPTY_RECORD_LENGTH
                                ? Records.writeSkip(out, h, r.seq(), r.ts())
                                : Records.writeErased(out, h, r.seq(), r.rawLength(), r.payload());
                    };
                    assertThat(rl).as("%s offset %d", bf.path(), off).isEqualTo(r.rawLength());
                    off += rl;
                }
                assertThat(out.toByteArray()).as(bf.path().toString()).isEqualTo(blk);
                blocks++;
            }
        }
        // The -small stores, upbench, the encrypted, -s2, -lines and -features stores (testdata/README.md).
        assertThat(blocks).isEqualTo(57);
    }
}
