package io.jetstart.core.io;

import java.nio.file.FileSystems;
import java.nio.file.Path;

/**
 * Whether a path or a listed name can go through {@code java.io} ({@link java.io.File},
 * {@link java.io.RandomAccessFile}) and still name the same file as the {@link Path} does.
 *
 * <p>Design note: a {@link Path} of the default file system keeps a name's bytes as the directory
 * holds them, while {@code java.io} works on a {@link String} decoded with the platform's file-name
 * encoding ({@code sun.jnu.encoding}) and encoded back. That round trip is exact only when the
 * encoding is UTF-8 and the bytes are valid UTF-8: under {@code LANG=C} a stream named "Ä" decodes
 * to "??", which names another file or none. Invalid UTF-8 decodes to U+FFFD, so a name holding it
 * is left to the {@link Path}.
 */
public final class PlainFileNames {
    /** Fixed for the JVM's life: the platform encoding is read once at start-up. */
    private static final boolean UTF8 = "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"))
            || "UTF8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));

    private PlainFileNames() {
    }

    /** {@code p} names the same file through {@code java.io} ({@code p.toFile()}). */
    public static boolean sameThroughJavaIo(Path p) {
        return UTF8 && p.getFileSystem() == FileSystems.getDefault() && p.toString().indexOf('\uFFFD') < 0;
    }

    /** A name {@link java.io.File#list()} returned for a directory that {@link #sameThroughJavaIo} held names its entry exactly. */
    public static boolean exact(String listedName) {
        return listedName.indexOf('\uFFFD') < 0;
    }
}
