package io.jetstart.core.format;

import static io.jetstart.core.format.TestBytes.seal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged {@code index.db} files only ever give a {@link FormatException}. */
class IndexDbHostileInputTest {
    private static final String STREAM = "LIM1";

    @TempDir
    Path tmp;

    /** The real 2.15.1 LIM1 file: subjects, a block and a deleted map. */
    private byte[] file;

    @BeforeEach
    void readRealFile() throws Exception {
        Path msgs = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-small", tmp), STREAM).resolve("msgs");
        file = Files.readAllBytes(msgs.resolve("index.db"));
    }

    @Test
    void everyTruncationIsRefusedAsTooShortOrByTheTrailer() {
        for (int len = 0; len < file.length; len++) {
            Throwable t = catchThrowable(decode(Arrays.copyOf(file, len)));

            assertThat(t).as("length %d", len).isInstanceOf(FormatException.class);
            String expected = len < IndexDbCodec.MIN_FILE_LENGTH ? "Stream state too short (" + len + " bytes)"
                    : "Stream state checksum did not match";
            assertThat(((FormatException) t).reason()).as("length %d", len).startsWith(expected);
        }
    }

    @Test
    void everySingleBitFlipIsCaughtByTheTrailerChecksum() {
        for (int bit = 0; bit < file.length * 8; bit++) {
            byte[] damaged = file.clone();
            damaged[bit / 8] ^= (byte) (1 << (bit % 8));

            Throwable t = catchThrowable(decode(damaged));

            assertThat(t).as("bit %d", bit).isInstanceOf(FormatException.class);
            assertThat(((FormatException) t).reason()).as("bit %d", bit).startsWith("Stream state checksum did not match");
        }
    }

    @Test
    void randomMultiBitFlipsAreCaughtByTheTrailerChecksum() {
        long seed = 0xb17f11bL;
        Random rnd = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            byte[] damaged = file.clone();
            int flips = 1 + rnd.nextInt(8);
            for (int f = 0; f < flips; f++) {
                damaged[rnd.nextInt(damaged.length)] ^= (byte) (1 << rnd.nextInt(8));
            }
            if (Arrays.equals(damaged, file)) {
                continue; // two flips of the same bit
            }

            Throwable t = catchThrowable(decode(damaged));

            assertThat(t).as("seed %d, case %d", seed, i).isInstanceOf(FormatException.class);
            assertThat(((FormatException) t).reason()).as("seed %d, case %d", seed, i)
                    .startsWith("Stream state checksum did not match");
        }
    }

    /**
     * Past the trailer, the parser itself must hold: damage the body, seal it again, and the
     * decoder either returns a value or throws {@link FormatException}, never anything else.
     */
    @Test
    void resealedRandomDamageNeverEscapesAsAnotherExceptionType() {
        long seed = 0x5ea1edL;
        Random rnd = new Random(seed);
        byte[] body = TestBytes.body(file);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] damaged = body.clone();
            int edits = 1 + rnd.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = rnd.nextInt(damaged.length);
                damaged[at] = switch (rnd.nextInt(3)) {
                    case 0 -> (byte) (damaged[at] ^ (1 << rnd.nextInt(8)));
                    case 1 -> (byte) 0xff;
                    default -> (byte) rnd.nextInt(256);
                };
            }
            if (rnd.nextInt(4) == 0) {
                damaged = Arrays.copyOf(damaged, rnd.nextInt(damaged.length + 1));
            }
            byte[] sealed = seal(STREAM, damaged);

            Throwable t = catchThrowable(decode(sealed));

            assertThat(t).as("seed %d, case %d", seed, i).satisfiesAnyOf(
                    x -> assertThat(x).isNull(),
                    x -> assertThat(x).isInstanceOf(FormatException.class));
            refused += t == null ? 0 : 1;
        }
        assertThat(refused).as("seed %d: most damage is refused", seed).isGreaterThan(10_000);
    }

    @Test
    void everyResealedTruncationOfTheBodyIsRefused() {
        byte[] body = TestBytes.body(file);
        for (int len = 0; len < body.length; len++) {
            byte[] sealed = seal(STREAM, Arrays.copyOf(body, len));

            Throwable t = catchThrowable(decode(sealed));

            assertThat(t).as("body length %d", len).isInstanceOf(FormatException.class);
        }
    }

    private org.assertj.core.api.ThrowableAssert.ThrowingCallable decode(byte[] bytes) {
        return () -> IndexDbCodec.decode(STREAM, bytes);
    }
}
