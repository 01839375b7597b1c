package io.jetstart.core.meta;

import io.jetstart.core.crypto.ConsumerKeys;
import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.hash.HashKeys;
import io.jetstart.core.hash.HighwayHash64;
import io.jetstart.core.io.AtomicFiles;
import io.jetstart.core.io.BoundedReads;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.io.FileChecks;
import io.jetstart.core.io.ReadBuffer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Reads, verifies and writes {@code meta.inf} + {@code meta.sum} for streams and consumers, with
 * the checks and in the order nats-server applies them at startup ({@code jetstream.go:
 * Account.EnableJetStream}, inner {@code doStream} and {@code doConsumers}; spec §2.2, §2.3).
 *
 * <pre>
 *  meta.inf   JSON (FileStreamInfo / FileConsumerInfo); sealed if a meta.key sits next to it
 *             (nonce || AEAD.Seal(json), opened with core.crypto's StreamKeys / ConsumerKeys)
 *  meta.sum   16 lowercase hex chars, no newline =
 *             hex(LE bytes of HH64(key, meta.inf bytes as stored))
 *             key = sha256("&lt;stream dir name&gt;")            for a stream
 *                   sha256("&lt;stream&gt;/&lt;consumer dir name&gt;")  for a consumer
 * </pre>
 *
 * <p>Design note: the server compares the checksum string exactly (a trailing newline or upper-case
 * hex fails) and keys it by the directory name, not the name inside the JSON, so a stream directory
 * copied under another name is refused. The consumer checksum is written but never compared by the
 * server; we compare it and report a mismatch as a warning only, so that we refuse nothing the
 * server would start. Each file read is one {@link DiskGate} operation; parsing happens outside it.
 */
public final class MetaFiles {
    public static final String META_INF = "meta.inf";
    public static final String META_SUM = "meta.sum";
    public static final String META_KEY = "meta.key";

    /** Far above any real config (a few KiB), low enough that a damaged size cannot exhaust the heap. */
    static final long MAX_META_INF_BYTES = 16L * 1024 * 1024;
    /** A valid meta.sum is 16 bytes; anything much longer cannot match and is not worth reading. */
    static final long MAX_META_SUM_BYTES = 4096;

    private MetaFiles() {
    }

    /**
     * Reads and verifies a stream's meta files.
     *
     * @param streamDir {@code .../streams/<stream>}; its file name keys the checksum
     * @throws MetaException          when nats-server would skip this stream, with its warning
     * @throws InterruptedIOException when the calling thread was interrupted (cancellation, not damage)
     */
    public static StreamMeta readStream(Path streamDir, DiskGate gate) throws MetaException, InterruptedIOException {
        return readStream(streamDir, gate, StreamKeys.PLAIN);
    }

    /**
     * As {@link #readStream(Path, DiskGate)} for a stream whose keys are loaded: an encrypted
     * {@code meta.inf} is opened with them after its checksum (which covers the sealed bytes) holds.
     * With keys that are not encrypted, a {@code meta.key} is refused: looked for before
     * {@code meta.inf} is parsed, or, when the keys rule it out ({@link StreamKeys#NO_KEY_FILE}: the
     * caller looked already), only if {@code meta.inf} does not parse.
     */
    public static StreamMeta readStream(Path streamDir, DiskGate gate, StreamKeys keys) throws MetaException, InterruptedIOException {
        return readStream(streamDir, gate, keys, null);
    }

    /**
     * As {@link #readStream(Path, DiskGate, StreamKeys)}, each file read first into {@code first}'s
     * buffer (null: a new one each): what a stream's task passes for all its small files.
     */
    public static StreamMeta readStream(Path streamDir, DiskGate gate, StreamKeys keys, ReadBuffer first)
            throws MetaException, InterruptedIOException {
        String streamName = streamDir.getFileName().toString();
        Path metaFile = streamDir.resolve(META_INF);
        Path sumFile = streamDir.resolve(META_SUM);
        byte[] metaInf;
        try {
            metaInf = BoundedReads.readAll(metaFile, MAX_META_INF_BYTES, gate, first);
        } catch (NoSuchFileException e) {
            throw new MetaException(MetaException.Kind.MISSING_METAFILE, metaFile,
                    "Missing stream metafile for " + GoQuote.quote(metaFile.toString()), e);
        } catch (IOException e) {
            throw cancelledOr(e, MetaException.Kind.METAFILE_UNREADABLE, metaFile,
                    "Error reading metafile " + GoQuote.quote(metaFile.toString()) + ": " + e.getMessage());
        }
        byte[] sum;
        try {
            sum = BoundedReads.readAll(sumFile, MAX_META_SUM_BYTES, gate, first);
        } catch (NoSuchFileException e) {
            throw new MetaException(MetaException.Kind.MISSING_CHECKSUM, sumFile,
                    "Missing stream checksum file " + GoQuote.quote(sumFile.toString()), e);
        } catch (IOException e) {
            throw cancelledOr(e, MetaException.Kind.CHECKSUM_UNREADABLE, sumFile,
                    "Error reading Stream metafile checksum " + GoQuote.quote(sumFile.toString()) + ": " + e.getMessage());
        }
        String computed = streamChecksum(streamName, metaInf);
        String stored = new String(sum, StandardCharsets.ISO_8859_1);
        if (!computed.equals(stored)) {
            throw new MetaException(MetaException.Kind.CHECKSUM_MISMATCH, metaFile, "Stream metafile "
                    + GoQuote.quote(metaFile.toString()) + ": checksums do not match " + GoQuote.quote(sum)
                    + " vs " + GoQuote.quote(computed));
        }
        if (keys.encrypted()) {
            try {
                metaInf = keys.open(metaFile, metaInf);
            } catch (DecryptionException e) {
                throw new MetaException(MetaException.Kind.DECRYPT_FAILED, metaFile,
                        "Error decrypting our stream metafile: " + e.getMessage(), e);
            }
        } else if (!keys.keyFileRuledOut()) {
            refuseIfEncrypted(streamDir, "Stream", gate);
        }
        try {
            // metaInf was read (or opened) for this call alone: the config keeps it without a copy.
            return new StreamMeta(StreamConfig.parseOwned(metaInf), metaInf, stored);
        } catch (FormatException e) {
            if (!keys.encrypted() && keys.keyFileRuledOut()) {
                // Not looked for above: a sealed meta.inf is still named as encrypted.
                refuseIfEncrypted(streamDir, "Stream", gate);
            }
            throw new MetaException(MetaException.Kind.UNMARSHAL_FAILED, metaFile,
                    "Error unmarshalling stream metafile " + GoQuote.quote(metaFile.toString()) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a consumer's meta files: {@code meta.inf} must exist and parse and {@code meta.sum} must
     * exist, as in nats-server; a checksum that does not match is returned as a warning.
     *
     * @param consumerDir {@code .../obs/<consumer>}; its file name keys the checksum
     * @param streamName  the parent stream's name (its directory name)
     */
    public static ConsumerMeta readConsumer(Path consumerDir, String streamName, DiskGate gate)
            throws MetaException, InterruptedIOException {
        return readConsumer(consumerDir, streamName, gate, ConsumerKeys.PLAIN);
    }

    /** As {@link #readConsumer(Path, String, DiskGate)}, opening a sealed {@code meta.inf} with {@code keys}. */
    public static ConsumerMeta readConsumer(Path consumerDir, String streamName, DiskGate gate, ConsumerKeys keys)
            throws MetaException, InterruptedIOException {
        return readConsumer(consumerDir, streamName, gate, keys, null);
    }

    /** As {@link #readConsumer(Path, String, DiskGate, ConsumerKeys)}, each file read first into {@code first}'s buffer (null: a new one each). */
    public static ConsumerMeta readConsumer(Path consumerDir, String streamName, DiskGate gate, ConsumerKeys keys, ReadBuffer first)
            throws MetaException, InterruptedIOException {
        String consumerName = consumerDir.getFileName().toString();
        Path metaFile = consumerDir.resolve(META_INF);
        Path sumFile = consumerDir.resolve(META_SUM);
        byte[] metaInf;
        try {
            metaInf = BoundedReads.readAll(metaFile, MAX_META_INF_BYTES, gate, first);
        } catch (NoSuchFileException e) {
            throw new MetaException(MetaException.Kind.MISSING_METAFILE, metaFile,
                    "Missing consumer metafile " + GoQuote.quote(metaFile.toString()), e);
        } catch (IOException e) {
            throw cancelledOr(e, MetaException.Kind.METAFILE_UNREADABLE, metaFile,
                    "Error reading consumer metafile " + GoQuote.quote(metaFile.toString()) + ": " + e.getMessage());
        }
        String stored;
        Optional<String> warning;
        String computed = consumerChecksum(streamName, consumerName, metaInf);
        try {
            byte[] sum = BoundedReads.readAll(sumFile, MAX_META_SUM_BYTES, gate, first);
            stored = new String(sum, StandardCharsets.ISO_8859_1);
            warning = computed.equals(stored) ? Optional.empty() : Optional.of("Consumer metafile "
                    + GoQuote.quote(metaFile.toString()) + ": checksums do not match " + GoQuote.quote(sum) + " vs "
                    + GoQuote.quote(computed) + " (nats-server does not check consumer checksums; continuing)");
        } catch (NoSuchFileException e) {
            throw new MetaException(MetaException.Kind.MISSING_CHECKSUM, sumFile,
                    "Missing consumer checksum for " + GoQuote.quote(sumFile.toString()), e);
        } catch (IOException e) {
            if (isCancellation(e)) {
                throw cancellation(e);
            }
            // The server only checks that meta.sum exists; an unreadable one does not stop it.
            stored = "";
            warning = Optional.of("Consumer checksum " + GoQuote.quote(sumFile.toString()) + " exists but cannot be read: "
                    + e.getMessage() + " (nats-server does not read it; continuing)");
        }
        if (keys.encrypted()) {
            try {
                metaInf = keys.open(metaFile, metaInf);
            } catch (DecryptionException e) {
                throw new MetaException(MetaException.Kind.DECRYPT_FAILED, metaFile,
                        "Error decrypting our consumer metafile: " + e.getMessage(), e);
            }
        } else if (!keys.keyFileRuledOut()) {
            refuseIfEncrypted(consumerDir, "Consumer", gate);
        }
        try {
            return new ConsumerMeta(ConsumerConfig.parseOwned(metaInf), metaInf, stored, warning);
        } catch (FormatException e) {
            if (!keys.encrypted() && keys.keyFileRuledOut()) {
                // Not looked for above (ConsumerKeys.IN_PLAIN_STREAM): a sealed meta.inf is still named as encrypted.
                refuseIfEncrypted(consumerDir, "Consumer", gate);
            }
            throw new MetaException(MetaException.Kind.UNMARSHAL_FAILED, metaFile,
                    "Error unmarshalling consumer metafile " + GoQuote.quote(metaFile.toString()) + ": " + e.getMessage(), e);
        }
    }

    /** The {@code meta.sum} content for a stream's {@code meta.inf} bytes. */
    public static String streamChecksum(String streamName, byte[] metaInf) {
        return HighwayHash64.hex(new HighwayHash64(HashKeys.forStream(streamName)).hash(metaInf, 0, metaInf.length));
    }

    /** The {@code meta.sum} content for a consumer's {@code meta.inf} bytes. */
    public static String consumerChecksum(String streamName, String consumerName, byte[] metaInf) {
        return HighwayHash64.hex(new HighwayHash64(HashKeys.forConsumer(streamName, consumerName)).hash(metaInf, 0, metaInf.length));
    }

    /**
     * Writes a stream's {@code meta.inf} and its {@code meta.sum}, each atomically, in that order
     * (as nats-server's {@code writeStreamMeta}), creating the directory if needed.
     */
    public static void writeStream(Path streamDir, String streamName, byte[] metaInf) throws IOException {
        writePair(streamDir, metaInf, streamChecksum(streamName, metaInf));
    }

    /** Writes a consumer's {@code meta.inf} and {@code meta.sum}, each atomically. */
    public static void writeConsumer(Path consumerDir, String streamName, String consumerName, byte[] metaInf) throws IOException {
        writePair(consumerDir, metaInf, consumerChecksum(streamName, consumerName, metaInf));
    }

    /**
     * Writes a new encrypted consumer's {@code meta.key} atomically, creating its directory: before
     * its sealed {@code meta.inf} (nats-server's {@code writeConsumerMeta}), so no sealed file is
     * ever on disk without the key that opens it.
     */
    public static void writeConsumerKey(Path consumerDir, byte[] metaKey) throws IOException {
        createDirectories(consumerDir);
        AtomicFiles.write(consumerDir.resolve(META_KEY), metaKey);
    }

    private static void writePair(Path dir, byte[] metaInf, String sum) throws IOException {
        createDirectories(dir);
        AtomicFiles.writePair(dir.resolve(META_INF), metaInf, dir.resolve(META_SUM), sum.getBytes(StandardCharsets.US_ASCII));
    }

    private static void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            // nats-server's defaultDirPerms.
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    /**
     * Refuses a consumer that has a {@code meta.key} although it is read as plain, as
     * {@link #readConsumer} does before parsing unless its keys rule the file out: for the reader of
     * a consumer's {@code o.dat} that does not decode as plain ({@link ConsumerKeys#IN_PLAIN_STREAM}).
     *
     * @throws MetaException of kind {@link MetaException.Kind#ENCRYPTED}, naming the key file, when it exists
     */
    public static void refuseEncryptedConsumer(Path consumerDir, DiskGate gate) throws MetaException, InterruptedIOException {
        refuseIfEncrypted(consumerDir, "Consumer", gate);
    }

    private static void refuseIfEncrypted(Path dir, String what, DiskGate gate) throws MetaException, InterruptedIOException {
        Path key = dir.resolve(META_KEY);
        boolean present;
        try {
            present = gate.run(FileChecks.exists(key));
        } catch (IOException e) {
            throw cancelledOr(e, MetaException.Kind.METAFILE_UNREADABLE, key, "Error checking for " + GoQuote.quote(key.toString())
                    + ": " + e.getMessage());
        }
        if (present) {
            throw new MetaException(MetaException.Kind.ENCRYPTED, key, what + " metafile in " + GoQuote.quote(dir.toString())
                    + " is encrypted (meta.key present); encrypted stores are not supported");
        }
    }

    private static MetaException cancelledOr(IOException e, MetaException.Kind kind, Path file, String reason)
            throws InterruptedIOException {
        if (isCancellation(e)) {
            throw cancellation(e);
        }
        return new MetaException(kind, file, reason, e);
    }

    private static boolean isCancellation(IOException e) {
        return e instanceof ClosedByInterruptException || e instanceof InterruptedIOException
                || Thread.currentThread().isInterrupted();
    }

    private static InterruptedIOException cancellation(IOException e) {
        if (e instanceof InterruptedIOException iie) {
            return iie;
        }
        InterruptedIOException iie = new InterruptedIOException("interrupted while reading meta files");
        iie.initCause(e);
        return iie;
    }
}
