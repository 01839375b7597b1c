package io.jetstart.core.compress;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.format.FormatException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The S2 block and stream codecs: hand-assembled elements, and round trips of our own encoder. */
class S2CodecTest {
    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    static byte[] decodeBlock(byte[] block) throws FormatException {
        long[] len = S2Block.decodedLength(block, 0, block.length, 0);
        byte[] out = new byte[(int) len[0]];
        S2Block.decode(block, (int) len[1], block.length, out, 0, out.length, 0);
        return out;
    }

    static byte[] decodeStream(byte[] stream) throws FormatException {
        long n = S2Stream.decodedLength(stream, 0, stream.length, 0, Long.MAX_VALUE);
        byte[] out = new byte[(int) n];
        S2Stream.decode(stream, 0, stream.length, out, 0, out.length, 0);
        return out;
    }

    @Test
    void aLiteralThenAnOverlappingCopy1RepeatsThePattern() throws Exception {
        // len 10 | literal "ab" (tag 0, m=1) | copy1 offset 2 length 8 (lll=4): "abababab"
        byte[] block = hex("0a 04 6162 11 02");
        assertThat(new String(decodeBlock(block), StandardCharsets.US_ASCII)).isEqualTo("ababababab");
    }

    @Test
    void aRepeatReusesThePreviousCopysOffset() throws Exception {
        // len 11 | literal "abc" | copy2 offset 3 length 4 | repeat (copy1 offset 0) length 4
        byte[] block = hex("0b 08 616263 0e 0300 01 00");
        assertThat(new String(decodeBlock(block), StandardCharsets.US_ASCII)).isEqualTo("abcabcabcab");
    }

    @Test
    void longRepeatLengthsUseTheirExtraBytes() throws Exception {
        // "x" then copy1 offset 1 length 4, then repeats of 8+200 (code 5), 260+1000 (code 6),
        // 65540+7 (code 7): 1 + 4 + 208 + 1260 + 65547 = 67020 bytes of 'x'.
        byte[] block = hex("cc8b04 00 78 01 01 1500 c8 1900 e803 1d00 070000");
        byte[] out = decodeBlock(block);
        assertThat(out).hasSize(67_020);
        byte[] xs = new byte[67_020];
        Arrays.fill(xs, (byte) 'x');
        assertThat(out).isEqualTo(xs);
    }

    @Test
    void aCopy4ReadsAFourByteOffset() throws Exception {
        // len 8 | literal "wxyz" | copy4 length 4 offset 4
        byte[] block = hex("08 0c 7778797a 0f 04000000");
        assertThat(new String(decodeBlock(block), StandardCharsets.US_ASCII)).isEqualTo("wxyzwxyz");
    }

    @Test
    void aLiteralWithATwoByteLengthIsReadWhole() throws Exception {
        byte[] payload = new byte[300];
        new Random(7).nextBytes(payload);
        byte[] block = new byte[2 + 3 + 300];
        block[0] = (byte) 0xac; // 300 as a uvarint
        block[1] = 0x02;
        block[2] = (byte) (61 << 2); // literal, 2-byte length-1
        block[3] = (byte) (299 & 0xff);
        block[4] = (byte) (299 >> 8);
        System.arraycopy(payload, 0, block, 5, 300);
        assertThat(decodeBlock(block)).isEqualTo(payload);
    }

    @Test
    void theStreamChecksumIsTheMaskedCrc32cOfTheDecodedBytes() {
        // CRC-32C("123456789") = 0xe3069283, the standard check value; masked per Snappy framing.
        int c = 0xe3069283;
        int masked = ((c >>> 15) | (c << 17)) + 0xa282ead8;
        assertThat(S2Stream.checksum("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9)).isEqualTo(masked);
    }

    @Test
    void anEmptyStreamDecodesToNothing() throws Exception {
        assertThat(decodeStream(new byte[0])).isEmpty();
        assertThat(decodeStream(S2Stream.encode(new byte[0], 0, 0))).isEmpty();
    }

    @Test
    void aHandWrittenStreamWithAnUncompressedChunkAndPaddingDecodes() throws Exception {
        byte[] data = "hello".getBytes(StandardCharsets.US_ASCII);
        int sum = S2Stream.checksum(data, 0, 5);
        byte[] stream = new byte[10 + 4 + 3 + 4 + 4 + 5];
        int p = 0;
        System.arraycopy(hex("ff060000 53327354774f"), 0, stream, p, 10);
        p += 10;
        System.arraycopy(hex("fe030000 000000"), 0, stream, p, 7); // padding, skipped
        p += 7;
        stream[p++] = 0x01;
        stream[p++] = 9;
        stream[p++] = 0;
        stream[p++] = 0;
        for (int i = 0; i < 4; i++) {
            stream[p++] = (byte) (sum >>> (8 * i));
        }
        System.arraycopy(data, 0, stream, p, 5);
        assertThat(decodeStream(stream)).isEqualTo(data);
    }

    @Test
    void ourEncoderRoundTripsDataOfEveryShape() throws Exception {
        long seed = 0x52_5354L;
        Random rnd = new Random(seed);
        int[] sizes = {1, 7, 15, 16, 17, 100, 4096, 65_535, 65_536, 65_537, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3_000_000};
        for (int size : sizes) {
            for (String shape : new String[] {"random", "zeros", "text", "records"}) {
                byte[] data = shaped(shape, size, rnd);
                byte[] stream = S2Stream.encode(data, 0, data.length);
                assertThat(decodeStream(stream)).as("seed %d, %s of %d bytes", seed, shape, size).isEqualTo(data);
            }
        }
    }

    @Test
    void compressibleDataShrinksAndRandomDataDoesNotGrowMuch() {
        Random rnd = new Random(3);
        byte[] text = shaped("records", 2 << 20, rnd);
        assertThat(S2Stream.encode(text, 0, text.length).length).isLessThan(text.length / 2);
        byte[] noise = shaped("random", 2 << 20, rnd);
        assertThat(S2Stream.encode(noise, 0, noise.length).length).isLessThanOrEqualTo(noise.length + 10 + 2 * 8);
    }

    @Test
    void longMatchesAtEveryDistanceRoundTrip() throws Exception {
        // Exercise copy1/copy2/copy4 and the repeat lengths: a random prefix repeated at distances
        // below 2 KiB, below 64 KiB and above, with runs long enough to need repeat codes 5, 6 and 7.
        Random rnd = new Random(11);
        for (int distance : new int[] {1, 3, 2047, 2048, 65_535, 65_536, 300_000}) {
            for (int run : new int[] {4, 11, 12, 64, 65, 67, 263, 264, 65_795, 65_796, 700_000}) {
                byte[] data = new byte[Math.min(1 << 20, distance + run + 10)];
                byte[] head = new byte[distance];
                rnd.nextBytes(head);
                for (int i = 0; i < data.length; i++) {
                    data[i] = i < distance ? head[i] : data[i - distance];
                }
                byte[] stream = S2Stream.encode(data, 0, data.length);
                assertThat(decodeStream(stream)).as("distance %d run %d", distance, run).isEqualTo(data);
            }
        }
    }

    static byte[] shaped(String shape, int size, Random rnd) {
        byte[] b = new byte[size];
        switch (shape) {
            case "random" -> rnd.nextBytes(b);
            case "zeros" -> { }
            case "text" -> {
                String words = "the quick brown fox jumps over the lazy dog nats jetstream stream consumer ";
                for (int i = 0; i < size; i++) {
                    b[i] = (byte) words.charAt((i * 7 + rnd.nextInt(3)) % words.length());
                }
            }
            default -> {
                // Message-record-like: a fixed header, a counter, a subject, a random checksum.
                int p = 0;
                long seq = 1;
                while (p < size) {
                    byte[] rec = ("\u0060\0\0\0" + seq++ + "orders.eu.region" + (seq % 4) + "{\"id\":" + seq + ",\"qty\":3}")
                            .getBytes(StandardCharsets.ISO_8859_1);
                    int n = Math.min(rec.length, size - p);
                    System.arraycopy(rec, 0, b, p, n);
                    p += n;
                    for (int i = 0; i < 8 && p < size; i++) {
                        b[p++] = (byte) rnd.nextInt();
                    }
                }
            }
        }
        return b;
    }
}
