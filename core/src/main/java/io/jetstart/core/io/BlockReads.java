package io.jetstart.core.io;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a whole block file into an array: through a memory mapping where the JVM has the FFM API
 * (Java 22+, {@code io.jetstart.core.io.mapped.MappedBlockCopy}: one copy from the page cache
 * instead of two) and the file is {@value #MAPPED_MIN_BYTES} bytes or more, else with a plain
 * {@link FileChannel} read. Both read the same bytes.
 *
 * <p>Design note: core targets Java 21, so the mapped copy is compiled separately for Java 25 and
 * reached through a method handle found once, by this class's initializer (the JVM's own
 * once-only lock; what it publishes is immutable). A JVM where the class cannot be linked uses
 * the plain read.
 */
final class BlockReads {
    /**
     * Smallest file copied through a mapping. Below it the plain read: mapping and unmapping cost
     * two system calls and page-table work per file, and the first mapped copy loads the FFM API's
     * classes in a fresh JVM; on a store of 1,000 blocks of ~136 KB (bench {@code many}) that made
     * the rebuild 1.58 -> 1.62 s of CPU, where seed8's 8 MiB blocks gain 0.13 s.
     */
    static final int MAPPED_MIN_BYTES = 1 << 20;
    private static final MethodHandle MAPPED = mappedCopy();

    private BlockReads() {
    }

    /** True when blocks are copied through a mapping. */
    static boolean mapped() {
        return MAPPED != null;
    }

    /**
     * Reads up to {@code max} bytes of {@code file} from its start into {@code buf}; returns how
     * many (fewer when the file is shorter). An interrupt of the reading thread ends it with
     * {@link ClosedByInterruptException}, as a channel read does.
     */
    static int read(Path file, byte[] buf, int max) throws IOException {
        if (MAPPED != null && max >= MAPPED_MIN_BYTES) {
            int n = mappedCopy(file, buf, max);
            if (n >= 0) {
                // The copy itself cannot be interrupted; a cancellation that came meanwhile is
                // reported as a channel read would have reported it.
                if (Thread.currentThread().isInterrupted()) {
                    throw new ClosedByInterruptException();
                }
                return n;
            }
        }
        return channelRead(file, buf, max);
    }

    /** The plain read: every JVM, and a file that shrank while it was mapped. */
    static int channelRead(Path file, byte[] buf, int max) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, max);
            while (bb.hasRemaining()) {
                if (ch.read(bb) < 0) {
                    break;
                }
            }
            return bb.position();
        }
    }

    /** The mapped copy, or -1 when the file shrank under the mapping. */
    static int mappedCopy(Path file, byte[] buf, int max) throws IOException {
        try {
            return (int) MAPPED.invokeExact(file, buf, max);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mapped block copy failed", t);
        }
    }

    private static MethodHandle mappedCopy() {
        if (Runtime.version().feature() < 22) {
            return null;
        }
        try {
            Class<?> type = Class.forName("io.jetstart.core.io.mapped.MappedBlockCopy");
            // Our own lookup: the package is not exported.
            return MethodHandles.lookup().findStatic(type, "copy",
                    MethodType.methodType(int.class, Path.class, byte[].class, int.class));
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
