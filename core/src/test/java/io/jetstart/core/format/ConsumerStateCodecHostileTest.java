package io.jetstart.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Damaged {@code o.dat} files: the decoder either refuses them with a {@link FormatException} or
 * returns a state, and never throws anything else (no index errors, no arithmetic surprises, no
 * out-of-memory from a hostile count).
 */
class ConsumerStateCodecHostileTest {

    private static List<byte[]> corpus() throws Exception {
        List<byte[]> files = new ArrayList<>();
        for (Path p : ConsumerStateCodecTest.allConsumerFiles()) {
            files.add(Files.readAllBytes(p));
        }
        HexFormat hex = HexFormat.of();
        files.add(hex.parseHex("160201010202018" + "2c49fd50c01010200"));
        files.add(hex.parseHex("16020" + "50a050a0000"));
        files.add(new ByteWriter().u8(22).u8(1).uvarint(5).uvarint(10).uvarint(3).uvarint(4)
                .uvarint(2).varint(1000).uvarint(1).varint(-5).uvarint(2).varint(3).uvarint(2).uvarint(1).uvarint(4).toByteArray());
        return files;
    }

    @Test
    void everyTruncationOfEveryFileIsRefusedOrDecoded() throws Exception {
        int decoded = 0;
        int refused = 0;
        for (byte[] file : corpus()) {
            for (int len = 0; len <= file.length; len++) {
                byte[] cut = Arrays.copyOf(file, len);
                if (decodeOrRefuse(cut, "truncated to " + len + " of " + HexFormat.of().formatHex(file))) {
                    decoded++;
                } else {
                    refused++;
                }
            }
        }
        // Both outcomes must occur: cuts inside the pending list are corrupt, cuts in the redelivery tail are not.
        assertThat(decoded).isPositive();
        assertThat(refused).isPositive();
    }

    @Test
    void randomBitFlipsAreRefusedOrDecoded() throws Exception {
        long seed = 0x0DA7_2026L;
        Random rnd = new Random(seed);
        List<byte[]> corpus = corpus();
        for (int i = 0; i < 20_000; i++) {
            byte[] file = corpus.get(rnd.nextInt(corpus.size())).clone();
            if (file.length == 0) {
                continue;
            }
            int flips = 1 + rnd.nextInt(4);
            for (int f = 0; f < flips; f++) {
                int bit = rnd.nextInt(file.length * 8);
                file[bit >>> 3] ^= (byte) (1 << (bit & 7));
            }
            decodeOrRefuse(file, "seed " + seed + " iteration " + i + ": " + HexFormat.of().formatHex(file));
        }
    }

    @Test
    void randomBytesAfterAValidHeaderAreRefusedOrDecoded() {
        long seed = 0x5EED_0DA7L;
        Random rnd = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            byte[] file = new byte[2 + rnd.nextInt(40)];
            rnd.nextBytes(file);
            file[0] = 22;
            file[1] = (byte) (1 + rnd.nextInt(2));
            decodeOrRefuse(file, "seed " + seed + " iteration " + i + ": " + HexFormat.of().formatHex(file));
        }
    }

    /**
     * Decodes; a decoded state that meets the writer's invariants must also survive a re-encode and
     * decode unchanged (version aside: the encoder always writes v2).
     *
     * @return true if decoded, false if refused
     */
    private static boolean decodeOrRefuse(byte[] file, String what) {
        ConsumerState s;
        try {
            s = ConsumerStateCodec.decode(file);
        } catch (FormatException expected) {
            return false;
        } catch (RuntimeException | Error e) {
            fail("decode threw " + e + " for " + what, e);
            return false;
        }
        byte[] again;
        try {
            again = ConsumerStateCodec.encode(s);
        } catch (IllegalArgumentException breaksInvariants) {
            return true; // readable, but not something a writer may produce
        }
        try {
            ConsumerState back = ConsumerStateCodec.decode(again);
            assertThat(new ConsumerState(s.version(), back.delivered(), back.ackFloor(), back.baseSeconds(),
                    back.pending(), back.redelivered())).as(what).isEqualTo(s);
        } catch (FormatException e) {
            fail("re-encoded state does not decode: " + e + " for " + what, e);
        }
        return true;
    }
}
