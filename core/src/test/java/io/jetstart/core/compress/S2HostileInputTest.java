package io.jetstart.core.compress;

import static io.jetstart.core.compress.S2CodecTest.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.jetstart.core.format.FormatException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile compressed blocks: every malformed input gives a {@link FormatException} naming the
 * offset in the block file, never another exception, and nothing is allocated beyond the size the
 * envelope declares (the plaintext length is known, and checked, before any allocation).
 */
class S2HostileInputTest {
    private static final int MAX = 64 << 20;

    /** A valid compressed block of {@code plain}: "cmp" 1 uvarint stream tail. */
    private static byte[] block(byte[] plain) {
        return BlockCompression.compress(plain, 0, plain.length);
    }

    private static byte[] plain(int size, long seed) {
        return S2CodecTest.shaped("records", size, new Random(seed));
    }

    private static FormatException refusal(byte[] file) {
        try {
            BlockCompression.plaintext(file, file.length, MAX);
        } catch (FormatException e) {
            return e;
        } catch (RuntimeException e) {
            throw new AssertionError("an exception other than FormatException: " + e, e);
        }
        return fail("accepted: " + S2CodecTest.class.getSimpleName());
    }

    /** An envelope around a hand-written S2 stream body, with an 8-byte tail of 0xee. */
    private static byte[] envelope(long declared, byte[] streamBody) {
        byte[] head = {'c', 'm', 'p', 1};
        byte[] varint = new byte[10];
        int n = 0;
        long v = declared;
        while (v >= 0x80) {
            varint[n++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        varint[n++] = (byte) v;
        byte[] out = new byte[4 + n + streamBody.length + 8];
        System.arraycopy(head, 0, out, 0, 4);
        System.arraycopy(varint, 0, out, 4, n);
        System.arraycopy(streamBody, 0, out, 4 + n, streamBody.length);
        Arrays.fill(out, out.length - 8, out.length, (byte) 0xee);
        return out;
    }

    /** The identifier chunk, then one compressed chunk holding {@code block} with checksum of {@code decoded}. */
    private static byte[] streamOf(byte[] block, byte[] decoded) {
        byte[] id = hex("ff060000 53327354774f");
        int sum = S2Stream.checksum(decoded, 0, decoded.length);
        int len = 4 + block.length;
        byte[] out = new byte[id.length + 4 + len];
        System.arraycopy(id, 0, out, 0, id.length);
        int p = id.length;
        out[p++] = 0;
        out[p++] = (byte) len;
        out[p++] = (byte) (len >>> 8);
        out[p++] = (byte) (len >>> 16);
        for (int i = 0; i < 4; i++) {
            out[p++] = (byte) (sum >>> (8 * i));
        }
        System.arraycopy(block, 0, out, p, block.length);
        return out;
    }

    @Test
    void aValidBlockDecodesToItsPlaintext() throws Exception {
        byte[] p = plain(200_000, 1);
        byte[] file = block(p);
        assertThat(file.length).isLessThan(p.length);
        assertThat(BlockCompression.plaintext(file, file.length, MAX)).isEqualTo(p);
        Optional<BlockCompression.Compressed> c = BlockCompression.inspect(file, file.length, MAX);
        assertThat(c).get().extracting(BlockCompression.Compressed::plaintextLength).isEqualTo(200_000);
    }

    @Test
    void aTruncatedEnvelopeVarintIsMetadataIncomplete() {
        byte[] file = hex("636d7001 ff ff");
        FormatException e = refusal(file);
        assertThat(e.offset()).isEqualTo(4);
        assertThat(e.reason()).contains("compression metadata incomplete");
    }

    @Test
    void aDeclaredSizeBeyondAnyBlockIsRefusedBeforeAllocating() {
        // 100 bytes declaring 2^40: refused on the header alone.
        byte[] file = envelope(1L << 40, new byte[90]);
        FormatException e = refusal(file);
        assertThat(e.offset()).isEqualTo(4);
        assertThat(e.reason()).contains("declares 1099511627776 plaintext bytes");
    }

    @Test
    void aStreamDecodingToMoreThanDeclaredIsRefusedAtTheChunkThatCrossesIt() throws Exception {
        byte[] p = plain(3 << 20, 2); // three 1 MiB chunks
        byte[] good = block(p);
        // Same body, but the envelope declares only 1.5 MiB: the second chunk crosses it.
        BlockCompression.Compressed c = BlockCompression.inspect(good, good.length, MAX).orElseThrow();
        byte[] body = Arrays.copyOfRange(good, c.headerLength(), good.length - 8);
        byte[] file = envelope((3L << 20) / 2, body);
        FormatException e = refusal(file);
        assertThat(e.reason()).contains("decodes to more than the");
        assertThat(e.offset()).isGreaterThan(10L).isLessThan(file.length);
    }

    @Test
    void aBadBlockLengthVarintNamesItsOffset() {
        // Compressed chunk whose block length varint runs 6 bytes.
        byte[] blk = hex("ffffffffff7f 00");
        byte[] file = envelope(100, streamOf(blk, new byte[0]));
        FormatException e = refusal(file);
        assertThat(e.reason()).contains("longer than 5 bytes");
        assertThat(e.offset()).isEqualTo(5 + 10 + 8); // header, identifier, chunk header + crc
    }

    @Test
    void aCopyOffsetBeforeTheStartOfTheBlockIsRefused() {
        // len 8 | literal "ab" | copy2 offset 9 length 6: reaches before the start.
        byte[] blk = hex("08 04 6162 16 0900");
        byte[] file = envelope(16, streamOf(blk, new byte[8]));
        FormatException e = refusal(file);
        assertThat(e.reason()).contains("reaches before the start of the block");
        assertThat(e.offset()).isEqualTo(5 + 10 + 8 + 4); // the copy element
    }

    @Test
    void aBadCopyFollowedByMoreElementsIsRefusedAtItsOwnOffset() {
        // len 30 | literal "ab" | copy2 offset 9 length 6 (bad) | literal of 20 bytes: the bad copy is
        // decoded by the unchecked-header loop, and still named at its own offset.
        byte[] blk = hex("1e 04 6162 16 0900 4c 0102030405060708090a0b0c0d0e0f1011121314");
        FormatException e = refusal(envelope(38, streamOf(blk, new byte[30])));
        assertThat(e.reason()).contains("reaches before the start of the block");
        assertThat(e.offset()).isEqualTo(5 + 10 + 8 + 4);
    }

    @Test
    void aRepeatBeforeAnyCopyFollowedByMoreElementsIsRefusedAtItsOwnOffset() {
        byte[] blk = hex("1e 04 6162 01 00 4c 0102030405060708090a0b0c0d0e0f1011121314");
        FormatException e = refusal(envelope(38, streamOf(blk, new byte[30])));
        assertThat(e.reason()).contains("offset 0");
        assertThat(e.offset()).isEqualTo(5 + 10 + 8 + 4);
    }

    @Test
    void aRepeatBeforeAnyCopyIsRefused() {
        byte[] blk = hex("08 04 6162 01 00");
        FormatException e = refusal(envelope(16, streamOf(blk, new byte[8])));
        assertThat(e.reason()).contains("offset 0");
        assertThat(e.offset()).isEqualTo(5 + 10 + 8 + 4);
    }

    @Test
    void aLiteralLongerThanTheRemainingInputIsRefused() {
        // len 100 | literal of 100 bytes (m=60, 1 extra byte = 99) with only 3 bytes present.
        byte[] blk = hex("64 f0 63 616263");
        FormatException e = refusal(envelope(108, streamOf(blk, new byte[100])));
        assertThat(e.reason()).contains("runs past the end of the compressed data");
        assertThat(e.offset()).isEqualTo(5 + 10 + 8 + 1);
    }

    @Test
    void aCopyLongerThanTheDeclaredBlockLengthIsRefused() {
        // len 4 | literal "ab" | copy1 offset 2 length 11: 13 bytes for a declared 4.
        byte[] blk = hex("04 04 6162 1d 02");
        FormatException e = refusal(envelope(12, streamOf(blk, new byte[4])));
        assertThat(e.reason()).contains("runs past the declared length 4");
    }

    @Test
    void aBlockEndingShortOfItsDeclaredLengthIsRefused() {
        byte[] blk = hex("05 04 6162");
        FormatException e = refusal(envelope(13, streamOf(blk, new byte[5])));
        assertThat(e.reason()).contains("decodes to 2 bytes, its header declares 5");
    }

    @Test
    void aTruncatedChunkIsRefusedWithItsOffset() throws Exception {
        byte[] p = plain(100_000, 3);
        byte[] good = block(p);
        BlockCompression.Compressed c = BlockCompression.inspect(good, good.length, MAX).orElseThrow();
        byte[] body = Arrays.copyOfRange(good, c.headerLength(), good.length - 8 - 50); // chunk cut short
        byte[] file = envelope(p.length, body);
        FormatException e = refusal(file);
        assertThat(e.reason()).contains("declares").contains("left");
        assertThat(e.offset()).isEqualTo(c.headerLength() + 10); // the data chunk after the identifier
    }

    @Test
    void aTruncatedChunkHeaderIsRefused() {
        byte[] body = Arrays.copyOf(hex("ff060000 53327354774f 00 05"), 12);
        FormatException e = refusal(envelope(8, body));
        assertThat(e.reason()).contains("chunk header truncated: 2 of 4 bytes");
        assertThat(e.offset()).isEqualTo(5 + 10);
    }

    @Test
    void aWrongChecksumIsRefusedNamingBothValues() throws Exception {
        byte[] p = plain(50_000, 4);
        byte[] file = block(p);
        BlockCompression.Compressed c = BlockCompression.inspect(file, file.length, MAX).orElseThrow();
        file[c.headerLength() + 10 + 4] ^= 0x01; // first byte of the data chunk's crc
        FormatException e = refusal(file);
        assertThat(e.reason()).contains("checksum mismatch");
        assertThat(e.offset()).isEqualTo(c.headerLength() + 10);
    }

    @Test
    void aStreamWithoutItsIdentifierIsRefused() {
        byte[] body = hex("01 09 0000 00000000 6865 6c6c 6f");
        FormatException e = refusal(envelope(13, body));
        assertThat(e.reason()).contains("does not start with its stream identifier");
    }

    @Test
    void aReservedUnskippableChunkIsRefused() {
        byte[] body = hex("ff060000 53327354774f 02 00 0000");
        FormatException e = refusal(envelope(8, body));
        assertThat(e.reason()).contains("reserved and not skippable");
        assertThat(e.offset()).isEqualTo(5 + 10);
    }

    @Test
    void aWrongIdentifierIsRefused() {
        FormatException e = refusal(envelope(8, hex("ff060000 5332735477 4e")));
        assertThat(e.reason()).contains("stream identifier is not");
    }

    @Test
    void aChunkBeyondTheReadersFourMebibyteLimitIsRefused() {
        // An uncompressed chunk header claiming 5 MiB + 4 that is really there would still be refused.
        int n = (5 << 20) + 4;
        byte[] body = new byte[10 + 4 + n];
        System.arraycopy(hex("ff060000 53327354774f"), 0, body, 0, 10);
        body[10] = 1;
        body[11] = (byte) n;
        body[12] = (byte) (n >>> 8);
        body[13] = (byte) (n >>> 16);
        FormatException e = refusal(envelope(6 << 20, body));
        assertThat(e.reason()).contains("more than the 4194304 allowed");
    }

    @Test
    void aBodyShorterThanTheTailIsRefused() {
        FormatException e = refusal(hex("636d7001 20 0102030405"));
        assertThat(e.reason()).contains("shorter than the 8-byte checksum");
    }

    @Test
    void anUnknownAlgorithmIsRefused() {
        FormatException e = refusal(hex("636d7009 20 0102030405060708"));
        assertThat(e.reason()).contains("compression algorithm not known: 9");
        assertThat(e.offset()).isEqualTo(3);
    }

    @Test
    void algorithmNoneIsThePlaintextAsIs() throws Exception {
        byte[] file = hex("636d7000 0a 0102030405060708090a");
        assertThat(BlockCompression.plaintext(file, file.length, MAX)).isEqualTo(hex("0102030405060708090a"));
    }

    @Test
    void randomDamageGivesOnlyFormatExceptionsOrTheRightBytes() throws Exception {
        long seed = 0x5EED_52L;
        Random rnd = new Random(seed);
        byte[] p = plain(300_000, 5);
        byte[] good = block(p);
        int refused = 0;
        for (int round = 0; round < 2_000; round++) {
            byte[] file = good.clone();
            int len = file.length;
            int kind = rnd.nextInt(3);
            if (kind == 0) {
                for (int i = 0, flips = 1 + rnd.nextInt(4); i < flips; i++) {
                    file[rnd.nextInt(len)] ^= (byte) (1 << rnd.nextInt(8));
                }
            } else if (kind == 1) {
                len = rnd.nextInt(len);
            } else {
                int at = rnd.nextInt(len);
                file[at] = (byte) rnd.nextInt();
            }
            String ctx = "seed " + seed + " round " + round + " kind " + kind;
            try {
                byte[] out = BlockCompression.plaintext(file, len, MAX);
                boolean envelope = file[0] == 'c' && file[1] == 'm' && file[2] == 'p' && file[3] == 1;
                if (envelope) {
                    // What the checksums cannot see is the declared size (a ceiling) and the raw
                    // tail: the body must still be the original, byte for byte.
                    assertThat(out.length).as(ctx).isEqualTo(p.length);
                    assertThat(Arrays.equals(out, 0, p.length - 8, p, 0, p.length - 8)).as(ctx).isTrue();
                }
                // Otherwise the damage made it a plain block ("cmp" gone) or algorithm 0 (the
                // rest as is), which is what nats-server reads it as too.
            } catch (FormatException e) {
                refused++;
                assertThat(e.offset()).as(ctx).isBetween(0L, (long) len);
                assertThat(e.reason()).as(ctx).isNotBlank();
            } catch (RuntimeException e) {
                throw new AssertionError(ctx + ": " + e, e);
            }
        }
        assertThat(refused).as("seed %d: most damage is seen", seed).isGreaterThan(1_500);
    }

    @Test
    void aPlainBlockIsNotInspected() throws Exception {
        byte[] rec = "&\0\0\0 plain record".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(BlockCompression.inspect(rec, rec.length, MAX)).isEmpty();
    }
}
