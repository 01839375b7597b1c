package io.jetstart.core.format;

import static io.jetstart.core.format.TestBytes.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec §4.7 and §9.10: 2.9 per-block {@code .idx} files. */
class LegacyIndexCodecTest {
    private static final String MAX1_IDX = """
            16 01 a0 06 80 d2 06 c9 01 c2 d6 b0 b0 8f de a3 eb 31 e8 07 fc c3 b9 f0 8f de a3 eb 31 00
            ea 4b 5c bd 05 1f 07 a1
            """;
    private static final byte[] CHECKSUM = hex("ea 4b 5c bd 05 1f 07 a1");

    @TempDir
    Path tmp;

    @Test
    void decodesMax1WrittenBy2910() throws FormatException {
        LegacyIndex idx = LegacyIndexCodec.decode(hex(MAX1_IDX));

        assertThat(idx.version()).isEqualTo(1);
        assertThat(idx.msgs()).isEqualTo(800);
        assertThat(idx.bytes()).isEqualTo(108_800);
        assertThat(idx.firstSeq()).isEqualTo(201);
        assertThat(idx.firstTs()).isEqualTo(1795607459222918561L);
        assertThat(idx.lastSeq()).isEqualTo(1000);
        assertThat(idx.lastTs()).isEqualTo(1795607459290099966L);
        assertThat(idx.deleted().isEmpty()).isTrue();
        assertThat(idx.dmapLength()).isZero();
        assertThat(hex(idx.lastChecksum())).isEqualTo("ea4b5cbd051f07a1");
    }

    @Test
    void max1FixtureFileIsTheSpecVectorAndItsChecksumEndsTheBlock() throws Exception {
        Path msgs = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "MAX1").resolve("msgs");
        byte[] file = Files.readAllBytes(msgs.resolve("1.idx"));
        byte[] block = Files.readAllBytes(msgs.resolve("1.blk"));

        assertThat(hex(file)).isEqualTo(hex(hex(MAX1_IDX)));
        assertThat(LegacyIndexCodec.decode(file).lastChecksum()).isEqualTo(Arrays.copyOfRange(block, block.length - 8, block.length));
    }

    @Test
    void everyIdxAgreesWithItsServersOracle() throws Exception {
        Path fixture = Fixtures.copy("nats-2.9.10-small", tmp);
        JsonNode oracle = new ObjectMapper().readTree(fixture.resolve("oracle.json").toFile());
        int checked = 0;
        for (JsonNode stream : oracle.get("streams")) {
            String name = stream.get("name").asText();
            JsonNode state = stream.get("state");
            LegacyIndex idx = LegacyIndexCodec.decode(
                    Files.readAllBytes(Fixtures.streamDir(fixture, name).resolve("msgs").resolve("1.idx")));

            assertThat(idx.msgs()).as(name).isEqualTo(state.get("messages").asLong());
            assertThat(idx.bytes()).as(name).isEqualTo(state.get("bytes").asLong());
            assertThat(idx.firstSeq()).as(name).isEqualTo(state.get("first_seq").asLong());
            assertThat(idx.lastSeq()).as(name).isEqualTo(state.get("last_seq").asLong());
            assertThat(idx.firstTs()).as(name).isEqualTo(nanos(state.get("first_ts").asText()));
            assertThat(idx.lastTs()).as(name).isEqualTo(nanos(state.get("last_ts").asText()));
            List<Long> deleted = new ArrayList<>();
            idx.deleted().forEach(deleted::add);
            List<Long> expected = new ArrayList<>();
            if (state.has("deleted")) {
                state.get("deleted").forEach(n -> expected.add(n.asLong()));
            }
            assertThat(deleted).as(name).containsExactlyInAnyOrderElementsOf(expected);
            checked++;
        }
        assertThat(checked).isEqualTo(3);
    }

    private static long nanos(String rfc3339) {
        Instant i = Instant.parse(rfc3339);
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Test
    void keepsTheUnsortedOrderGoWroteItsDeletesIn() throws Exception {
        Path msgs = Fixtures.streamDir(Fixtures.copy("nats-2.9.10-small", tmp), "LIM1").resolve("msgs");

        LegacyIndex idx = LegacyIndexCodec.decode(Files.readAllBytes(msgs.resolve("1.idx")));

        // The file lists deltas 96, 193, 484, 678, 290, ... from first seq 1 (Go map order).
        assertThat(idx.deletedFileOrder()).containsExactly(97, 194, 485, 679, 291, 388, 582, 776, 873, 970);
        assertThat(idx.deleted().size()).isEqualTo(10);
    }

    @Test
    void everyIdxAndFssInEveryFixtureRoundTripsByteForByte() throws Exception {
        int idxCount = 0;
        int fssCount = 0;
        // Encrypted fixtures are skipped: their files are ciphertext (checked through core.crypto in
        // StreamKeysRealStoresTest and EncryptedStoreTest).
        for (String name : Fixtures.plainNames()) {
            Path fixture = Fixtures.copy(name, tmp);
            for (Path file : IndexDbRealStoresTest.filesNamed(fixture, ".idx")) {
                byte[] bytes = Files.readAllBytes(file);
                assertThat(LegacyIndexCodec.encode(LegacyIndexCodec.decode(bytes))).as(file.toString()).isEqualTo(bytes);
                idxCount++;
            }
            for (Path file : IndexDbRealStoresTest.filesNamed(fixture, ".fss")) {
                String stream = file.getParent().getParent().getFileName().toString();
                long block = Long.parseLong(file.getFileName().toString().replace(".fss", ""));
                byte[] bytes = Files.readAllBytes(file);
                assertThat(LegacySubjectStateCodec.encode(stream, block, LegacySubjectStateCodec.decode(stream, block, bytes)))
                        .as(file.toString()).isEqualTo(bytes);
                fssCount++;
            }
        }
        // The -small stores, upbench and the -lines stores (testdata/README.md).
        assertThat(idxCount).as(".idx files").isEqualTo(6);
        assertThat(fssCount).as(".fss files").isEqualTo(6);
    }

    @Test
    void version1DeleteListStopsAtAZeroEntry() throws FormatException {
        // first 10, last 14, msgs 2, dmapLen 3; deltas 2, 0, 3: the 0 ends the list, 13 is never read.
        ByteWriter w = new ByteWriter();
        w.u8(22).u8(1).uvarint(2).uvarint(200).uvarint(10).varint(0).uvarint(14).varint(0).uvarint(3)
                .bytes(CHECKSUM).uvarint(2).uvarint(0).uvarint(3);

        LegacyIndex idx = LegacyIndexCodec.decode(w.toByteArray());

        assertThat(idx.deletedFileOrder()).containsExactly(12);
        assertThat(idx.dmapLength()).isEqualTo(3);
    }

    @Test
    void version1DeleteListEndsQuietlyAtTheEndOfTheFile() throws FormatException {
        // Go counted a delete below the first seq in dmapLen but did not write it (lazy cleanup).
        ByteWriter w = new ByteWriter();
        w.u8(22).u8(1).uvarint(3).uvarint(300).uvarint(10).varint(0).uvarint(14).varint(0).uvarint(2)
                .bytes(CHECKSUM).uvarint(2);

        LegacyIndex idx = LegacyIndexCodec.decode(w.toByteArray());

        assertThat(idx.deletedFileOrder()).containsExactly(12);
        assertThat(LegacyIndexCodec.encode(idx)).isEqualTo(w.toByteArray());
    }

    @Test
    void ignoresStaleBytesOfAnEarlierLongerWrite() throws FormatException {
        byte[] file = Arrays.copyOf(hex(MAX1_IDX), 38 + 5);

        assertThat(LegacyIndexCodec.decode(file)).isEqualTo(LegacyIndexCodec.decode(hex(MAX1_IDX)));
    }

    @Test
    void version2CarriesAnAvlDeletedMap() throws FormatException {
        SequenceSet deleted = new SequenceSet();
        deleted.add(12);
        deleted.add(5000);
        LegacyIndex idx = new LegacyIndex(2, 10_000 - 10 + 1 - 2, 1234, 10, 5, 10_000, 6, deleted, CHECKSUM);

        byte[] file = LegacyIndexCodec.encode(idx);

        assertThat(LegacyIndexCodec.decode(file)).isEqualTo(idx);
        assertThat(file[1]).isEqualTo((byte) 2);
        assertThat(file.length).isEqualTo(2 + 2 + 2 + 1 + 1 + 2 + 1 + 1 + 8 + SequenceSetCodec.encodedLength(deleted));
    }

    @Test
    void version1WritesDeletesAscendingWhenNoFileOrderIsGiven() throws FormatException {
        SequenceSet deleted = new SequenceSet();
        deleted.add(300);
        deleted.add(12);
        LegacyIndex idx = new LegacyIndex(1, 100 - 10 + 1 - 2, 1, 10, 0, 100, 0, deleted, CHECKSUM);

        byte[] file = LegacyIndexCodec.encode(idx);

        assertThat(hex(Arrays.copyOfRange(file, file.length - 3, file.length))).isEqualTo("02a202");
        assertThat(LegacyIndexCodec.decode(file)).isEqualTo(idx);
    }

    @Test
    void refusesAnAccountingInconsistentFile() {
        byte[] file = hex(MAX1_IDX);
        file[2] = (byte) 0xa1; // msgs 801

        assertThatThrownBy(() -> LegacyIndexCodec.decode(file))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("accounting inconsistent: msgs 801 but lastSeq - firstSeq + 1 - dmapLen = 1000 - 201 + 1 - 0 = 800");
    }

    @Test
    void refusesABadHeader() {
        assertThatThrownBy(() -> LegacyIndexCodec.decode(hex("16")))
                .isInstanceOf(FormatException.class).hasMessageContaining("bad index file");
        assertThatThrownBy(() -> LegacyIndexCodec.decode(hex("16 03 00")))
                .isInstanceOf(FormatException.class).hasMessageContaining("bad index file");
        assertThatThrownBy(() -> LegacyIndexCodec.decode(hex("0b 01 00")))
                .isInstanceOf(FormatException.class).hasMessageContaining("bad index file");
    }

    @Test
    void refusesEveryTruncationBeforeTheChecksumEnds() {
        byte[] file = hex(MAX1_IDX);
        for (int len = 0; len < file.length; len++) {
            int n = len;
            Throwable t = catchThrowable(() -> LegacyIndexCodec.decode(Arrays.copyOf(file, n)));

            assertThat(t).as("length %d", len).isInstanceOf(FormatException.class);
            assertThat(t.getMessage()).as("length %d", len).containsAnyOf("bad index file", "short index file");
        }
    }

    @Test
    void anAccountingInconsistentFileIsRefusedAtItsMsgsField() {
        byte[] file = hex(MAX1_IDX);
        file[2] = (byte) 0xa1; // msgs 801

        Throwable t = catchThrowable(() -> LegacyIndexCodec.decode(file));

        assertThat(t).isInstanceOf(FormatException.class);
        assertThat(((FormatException) t).offset()).isEqualTo(2);
    }

    /**
     * 2.9's readIndexInfo sets msgs, bytes and the first sequence before it finds the file short or
     * its accounting off, and its rebuild then skips the records below that first sequence.
     */
    @Test
    void theFirstSequence29ReadsBeforeAFailureIsThatOfEveryTruncationPastIt() {
        byte[] file = hex(MAX1_IDX);
        // 16 01 | a0 06 msgs | 80 d2 06 bytes | c9 01 first 201 (ends at offset 9) | ...
        for (int len = 0; len < file.length; len++) {
            assertThat(LegacyIndexCodec.firstSeqBeforeFailure(Arrays.copyOf(file, len))).as("length %d", len)
                    .isEqualTo(len < 9 ? 0 : 201);
        }
        byte[] counts = hex(MAX1_IDX);
        counts[2] = (byte) 0xa1;
        assertThat(LegacyIndexCodec.firstSeqBeforeFailure(counts)).as("accounting inconsistent").isEqualTo(201);
    }

    @Test
    void aFileThatFails29sHeaderCheckSetsNoFirstSequence() {
        byte[] magic = hex(MAX1_IDX);
        magic[0] = 0x17;
        byte[] version2 = hex(MAX1_IDX);
        version2[1] = 2; // 2.9.10's checkHeader takes version 1 only
        assertThat(LegacyIndexCodec.firstSeqBeforeFailure(magic)).isZero();
        assertThat(LegacyIndexCodec.firstSeqBeforeFailure(version2)).isZero();
        assertThat(LegacyIndexCodec.firstSeqBeforeFailure(hex("16"))).isZero();
    }

    @Test
    void refusesABadAvlDeletedMapInVersion2() {
        SequenceSet deleted = new SequenceSet();
        deleted.add(12);
        byte[] file = LegacyIndexCodec.encode(new LegacyIndex(2, 100 - 10, 1, 10, 0, 100, 0, deleted, CHECKSUM));
        file[file.length - SequenceSetCodec.encodedLength(deleted)] = 0x15;

        assertThatThrownBy(() -> LegacyIndexCodec.decode(file))
                .isInstanceOf(FormatException.class).hasMessageContaining("could not decode avl dmap: sequence set magic");
    }

    @Test
    void encoderRefusesMoreDeletesThanTheAccountingAllows() {
        SequenceSet deleted = new SequenceSet();
        deleted.add(12);
        deleted.add(13);
        LegacyIndex idx = new LegacyIndex(1, 100 - 10, 1, 10, 0, 100, 0, deleted, CHECKSUM);

        assertThatThrownBy(() -> LegacyIndexCodec.encode(idx)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encoderRefusesAVersion1DeleteAtTheFirstSequence() {
        SequenceSet deleted = new SequenceSet();
        deleted.add(10);
        LegacyIndex idx = new LegacyIndex(1, 100 - 10, 1, 10, 0, 100, 0, deleted, CHECKSUM);

        assertThatThrownBy(() -> LegacyIndexCodec.encode(idx)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fileOrderIsPresentationNotState() {
        SequenceSet deleted = new SequenceSet();
        deleted.add(12);
        deleted.add(13);
        LegacyIndex ascending = new LegacyIndex(1, 100 - 11, 1, 10, 0, 100, 0, deleted, CHECKSUM);
        LegacyIndex listed = new LegacyIndex(1, 100 - 11, 1, 10, 0, 100, 0, deleted, CHECKSUM, new long[] {13, 12});

        assertThat(listed).isEqualTo(ascending);
        assertThat(LegacyIndexCodec.encode(listed)).isNotEqualTo(LegacyIndexCodec.encode(ascending));
        assertThatThrownBy(() -> new LegacyIndex(1, 100 - 11, 1, 10, 0, 100, 0, deleted, CHECKSUM, new long[] {13}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
