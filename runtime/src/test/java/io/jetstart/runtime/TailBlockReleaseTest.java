package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.crypto.BlockKeystream;
import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.BlockScanner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An idle tail block's bytes leave memory ({@link TailBlock#release}) and come back from its file
 * on the next use: a block released between every batch must read, append and write exactly what
 * a block that never let go does, plain or encrypted.
 */
class TailBlockReleaseTest {
    private static final String STREAM = "S";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "CHACHA", "AES"})
    void aBlockReleasedBetweenEveryBatchReadsAppendsAndWritesWhatOneNeverReleasedDoes(String kind) throws Exception {
        long seed = 11;
        Random random = new Random(seed);
        BlockKeystream ks = keystream(kind);
        Path kept = Files.createDirectories(dir.resolve("kept"));
        Path let = Files.createDirectories(dir.resolve("released"));
        HashChoice hashes = new HashChoice();
        try (TailBlock a = TailBlock.create(kept, STREAM, 1, ks, hashes); TailBlock b = TailBlock.create(let, STREAM, 1, ks, hashes)) {
            long seq = 0;
            for (int batch = 0; batch < 40; batch++) {
                assertThat(b.release()).as("seed %d batch %d: released", seed, batch).isTrue();
                assertThat(b.heldBytes()).as("seed %d batch %d: bytes held once released", seed, batch).isZero();
                assertThat(b.lastChecksum()).as("seed %d batch %d: last checksum while released", seed, batch)
                        .isEqualTo(a.lastChecksum());
                assertThat(b.rebuildFloor()).as("seed %d batch %d: rebuild floor while released", seed, batch)
                        .isEqualTo(a.rebuildFloor());
                int n = 1 + random.nextInt(20);
                for (int i = 0; i < n; i++) {
                    seq++;
                    if (random.nextInt(5) == 0) {
                        a.appendTombstone(seq, 1_000L * seq);
                        b.appendTombstone(seq, 1_000L * seq);
                    } else {
                        byte[] payload = new byte[random.nextInt(3000)];
                        random.nextBytes(payload);
                        byte[] subject = ("s." + random.nextInt(4)).getBytes(StandardCharsets.UTF_8);
                        a.appendMessage(seq, 1_000L * seq, subject, new byte[0], payload);
                        b.appendMessage(seq, 1_000L * seq, subject, new byte[0], payload);
                    }
                }
                a.flush();
                b.flush();
                if (batch % 3 == 0) {
                    a.sync();
                    b.sync();
                }
                assertThat(b.length()).isEqualTo(a.length());
                assertThat(Arrays.copyOf(b.bytes(), b.length())).as("seed %d batch %d: bytes", seed, batch)
                        .isEqualTo(Arrays.copyOf(a.bytes(), a.length()));
                assertThat(Files.readAllBytes(b.file)).as("seed %d batch %d: file", seed, batch).isEqualTo(Files.readAllBytes(a.file));
            }
            assertThat(b.release()).isTrue();
            assertThat(b.lastChecksum()).isEqualTo(a.lastChecksum());
            // A read of a released block's bytes brings them back whole.
            assertThat(Arrays.copyOf(b.bytes(), b.length())).isEqualTo(Arrays.copyOf(a.bytes(), a.length()));
            assertThat(b.heldBytes()).isPositive();
        }
    }

    @Test
    void aBlockWithBytesLaidOutAndNotWrittenIsNotReleased() throws Exception {
        try (TailBlock t = TailBlock.create(dir, STREAM, 1, null, new HashChoice())) {
            t.appendMessage(1, 1, bytes("s"), new byte[0], bytes("one"));
            assertThat(t.release()).isFalse();
            assertThat(t.heldBytes()).isPositive();
            t.flush();
            assertThat(t.release()).isTrue();
        }
    }

    @Test
    void aReleasedBlockWhoseFileGrewIsNotAppendedToAndTheErrorNamesTheFile() throws Exception {
        try (TailBlock t = TailBlock.create(dir, STREAM, 1, null, new HashChoice())) {
            t.appendMessage(1, 1, bytes("s"), new byte[0], bytes("one"));
            t.flush();
            t.release();
            Files.write(t.file, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
            byte[] before = Files.readAllBytes(t.file);
            assertThatThrownBy(() -> t.appendMessage(2, 2, bytes("s"), new byte[0], bytes("two")))
                    .isInstanceOf(IOException.class).hasMessageContaining(t.file.toString())
                    .hasMessageContaining("bytes where this writer wrote");
            t.flush();
            assertThat(Files.readAllBytes(t.file)).as("nothing appended").isEqualTo(before);
        }
    }

    @Test
    void aReleasedBlockWhoseLastChecksumChangedIsNotAppendedTo() throws Exception {
        try (TailBlock t = TailBlock.create(dir, STREAM, 1, null, new HashChoice())) {
            t.appendMessage(1, 1, bytes("s"), new byte[0], bytes("one"));
            t.flush();
            t.release();
            byte[] changed = Files.readAllBytes(t.file);
            changed[changed.length - 1] ^= 1;
            Files.write(t.file, changed);
            assertThatThrownBy(() -> t.appendTombstone(1, 1)).isInstanceOf(IOException.class)
                    .hasMessageContaining(t.file.toString()).hasMessageContaining("last 8 bytes");
            assertThat(Files.readAllBytes(t.file)).isEqualTo(changed);
        }
    }

    /**
     * Readers on other threads take what was written from the writer's copy, or read the file while
     * it is released; either way they must see whole, verified records from sequence 1 on, never a
     * half-grown, half-reloaded or cleared array.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "CHACHA"})
    void readersOnOtherThreadsSeeWholeRecordsWhileTheWriterReleasesAndReloads(String kind) throws Exception {
        BlockKeystream ks = keystream(kind);
        HashChoice hashes = new HashChoice();
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> wrong = new AtomicReference<>();
        AtomicLong fromMemory = new AtomicLong();
        AtomicLong released = new AtomicLong();
        try (TailBlock t = TailBlock.create(dir, STREAM, 1, ks, hashes)) {
            Runnable reader = () -> {
                int[] len = new int[1];
                while (!done.get() && wrong.get() == null) {
                    byte[] b = t.committed(len);
                    if (b == null) {
                        released.incrementAndGet();
                        continue;
                    }
                    fromMemory.incrementAndGet();
                    BlockScan scan = new BlockScanner(STREAM, hashes.forCheckOf(len[0])).scan(1, b, len[0]);
                    if (!scan.complete() || (len[0] > 0 && scan.firstSeq() != 1) || scan.msgs() != scan.lastSeq()) {
                        wrong.compareAndSet(null, "at length " + len[0] + ": " + scan);
                    }
                }
            };
            Thread[] readers = {Thread.ofPlatform().start(reader), Thread.ofPlatform().start(reader)};
            long seq = 0;
            Random random = new Random(5);
            // Until the block is past its first array twice over and both readers met each state.
            while (seq < 2_000 || fromMemory.get() < 100 || released.get() < 100) {
                for (int i = 0; i < 7; i++) {
                    seq++;
                    t.appendMessage(seq, seq, bytes("s"), new byte[0], new byte[random.nextInt(200)]);
                }
                t.flush();
                if (seq % 3 == 0) {
                    t.release();
                    // Long enough for a reader to meet the released block now and then.
                    long r = released.get();
                    for (int k = 0; k < 100_000 && released.get() == r; k++) {
                        Thread.onSpinWait();
                    }
                }
                assertThat(wrong.get()).as("seed 5").isNull();
            }
            done.set(true);
            for (Thread r : readers) {
                r.join();
            }
        }
        assertThat(wrong.get()).as("seed 5").isNull();
    }

    private static BlockKeystream keystream(String kind) {
        if (kind.equals("plain")) {
            return null;
        }
        StoreCipher c = StoreCipher.valueOf(kind);
        byte[] seed = new byte[32];
        byte[] nonce = new byte[c.nonceBytes()];
        new Random(3).nextBytes(seed);
        new Random(4).nextBytes(nonce);
        return c.keystream(seed, nonce);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
