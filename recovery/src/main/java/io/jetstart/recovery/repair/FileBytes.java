package io.jetstart.recovery.repair;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/** Byte ranges copied with their sha256, fsyncs, and the file attributes a repair keeps. */
final class FileBytes {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final int CHUNK = 1 << 20;

    private FileBytes() {
    }

    /**
     * Copies {@code length} bytes of {@code from} at {@code offset} to the new file {@code to},
     * fsyncs it, and returns their sha256.
     *
     * @throws IOException when {@code from} holds fewer bytes there than expected
     */
    static String copyRange(Path from, long offset, long length, Path to) throws IOException {
        MessageDigest sha = sha256();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(1, length)));
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long pos = offset;
            long end = offset + length;
            while (pos < end) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                int n = in.read(buf, pos);
                if (n < 0) {
                    throw new IOException(from + ": expected " + length + " bytes at offset " + offset + ", the file ends at " + pos);
                }
                buf.flip();
                sha.update(buf.duplicate());
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                pos += n;
            }
            out.force(true);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** sha256 of {@code length} bytes of {@code file} at {@code offset}. */
    static String sha256(Path file, long offset, long length) throws IOException {
        MessageDigest sha = sha256();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(1, length)));
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = offset;
            long end = offset + length;
            while (pos < end) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                int n = in.read(buf, pos);
                if (n < 0) {
                    throw new IOException(file + ": expected " + length + " bytes at offset " + offset + ", the file ends at " + pos);
                }
                buf.flip();
                sha.update(buf);
                pos += n;
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Appends all of {@code data} to {@code file} at {@code offset} (its current end) and fsyncs it. */
    static void appendAt(Path file, long offset, Path data) throws IOException {
        try (FileChannel in = FileChannel.open(data, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long size = in.size();
            long done = 0;
            while (done < size) {
                done += in.transferTo(done, size - done, out.position(offset + done));
            }
            out.force(true);
        }
    }

    /** Makes a directory's entries (a removal, a rename, a new file) durable. POSIX only; see AtomicFiles. */
    static void syncDirectory(Path dir) throws IOException {
        if (!POSIX) {
            return;
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static String permissions(Path p) throws IOException {
        return POSIX ? PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)) : "";
    }

    static void setPermissions(Path p, String perms) throws IOException {
        if (POSIX && !perms.isEmpty()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        }
    }

    static long mtimeNanos(Path p) throws IOException {
        return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).to(TimeUnit.NANOSECONDS);
    }

    static void setMtime(Path p, long nanos) throws IOException {
        Files.setLastModifiedTime(p, FileTime.from(nanos, TimeUnit.NANOSECONDS));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
