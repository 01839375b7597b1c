package io.jetstart.core.io.mapped;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Copies a block file into a byte array through a memory mapping that is unmapped before it
 * returns (the FFM API, Java 22+; the only class of this package, compiled for Java 25 and loaded
 * reflectively by {@code io.jetstart.core.io.BlockReads}).
 *
 * <pre>
 *  FileChannel.read(heap buffer):  page cache -&gt; JDK's temporary direct buffer -&gt; array   (two copies)
 *  this:                           page cache -(mapped)-&gt; array                          (one copy)
 * </pre>
 *
 * <p>Design note: a read into a heap array goes through a direct buffer the JDK keeps per thread,
 * so every byte of a rebuild was copied twice. Mapping the file copies it once, straight from the
 * page cache: reading seed8's 1 GB of blocks took 110-120 ms of CPU this way against 240-250 ms
 * (docs/benchmarks-passes.md, issue 13). The mapping lives in a confined arena closed before the method
 * returns, so nothing stays mapped (no address space or resident pages held until a GC, as a
 * {@code MappedByteBuffer} would), and the scanner still reads a plain array.
 */
public final class MappedBlockCopy {
    private MappedBlockCopy() {
    }

    /**
     * Copies the first {@code min(max, current size)} bytes of {@code file} into {@code buf} and
     * returns how many, or -1 when the file shrank while it was copied (touching a mapped page past
     * the new end raises {@link InternalError}): the caller then reads it the plain way, which
     * reads what is there.
     */
    public static int copy(Path file, byte[] buf, int max) throws IOException {
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            int len = (int) Math.min(max, ch.size());
            if (len > 0) {
                MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, len, arena);
                MemorySegment.copy(mapped, ValueLayout.JAVA_BYTE, 0, buf, 0, len);
            }
            return len;
        } catch (InternalError e) {
            return -1;
        }
    }
}
