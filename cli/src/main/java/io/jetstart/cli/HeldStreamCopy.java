package io.jetstart.cli;

import io.jetstart.core.crypto.BlockKeystream;
import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.CompressionEnvelope;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.meta.MetaFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A stream of a store that a jetstart runtime in another process holds, copied as a crash would
 * leave it: the runtime only appends to its last block (a secure erase replaces a block whole by a
 * rename), so the blocks read in ascending order, the last one cut after its last whole record,
 * are a prefix of what the runtime wrote, with every message acknowledged before the copy began.
 * {@code index.db} is left out (it is rewritten only at sync points and may name less or more than
 * the copied blocks): the restoring server rebuilds from the blocks, which hold a tombstone for
 * every removal. A consistent point between two batches needs the runtime itself:
 * {@code JetStartStream.export}.
 *
 * <p>An encrypted stream is copied with its key files (the stream's, each block's, each
 * consumer's): its last block is decrypted to find its last whole record and the ciphertext cut at
 * the same offset (the keystream keeps offsets), so the export decrypts the copy as it would the store.
 */
final class HeldStreamCopy {
    private static final Pattern BLOCK = Pattern.compile("(\\d+)\\.blk");
    /** Largest file read whole (nats-server writes blocks of at most 8 MiB). */
    private static final long MAX_BLOCK = 64L << 20;

    private HeldStreamCopy() {
    }

    /**
     * Whether a runtime holds its lock on the store ({@code jetstart.lock} in the store directory,
     * in its {@code jetstream/} folder, or beside a {@code jetstream/} folder given as the store).
     */
    static boolean heldByRuntime(Path storeArg) throws IOException {
        // The runtime locks the directory it was opened on: the store, or its jetstream/ folder.
        List<Path> candidates = new ArrayList<>(List.of(storeArg.resolve("jetstart.lock"),
                storeArg.resolve("jetstream").resolve("jetstart.lock")));
        if (storeArg.getFileName() != null && storeArg.getFileName().toString().equals("jetstream") && storeArg.getParent() != null) {
            candidates.add(storeArg.getParent().resolve("jetstart.lock"));
        }
        for (Path lockFile : candidates) {
            if (!Files.isRegularFile(lockFile)) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                FileLock lock = ch.tryLock();
                if (lock == null) {
                    return true;
                }
                lock.release();
            } catch (OverlappingFileLockException e) {
                return true;
            }
        }
        return false;
    }

    /**
     * Copies {@code sd} into a new store under {@code tempStore} and returns the copy's stream folder.
     *
     * @param key the operator's key (null: none), to find the last whole record of an encrypted last block
     */
    static StreamDir copy(StreamDir sd, Path tempStore, StoreKey key) throws IOException {
        Path target = tempStore.resolve("jetstream").resolve(sd.account()).resolve("streams").resolve(sd.name());
        Files.createDirectories(target.resolve("msgs"));
        StreamKeys keys;
        try {
            keys = key == null ? StreamKeys.PLAIN : StreamKeys.load(key, sd.account(), sd.dir(), DiskGate.unbounded());
        } catch (DecryptionException e) {
            throw new IOException(e.getMessage(), e);
        }
        copyIfPresent(sd.dir(), target, MetaFiles.META_KEY);
        for (String f : List.of(MetaFiles.META_INF, MetaFiles.META_SUM)) {
            Files.write(target.resolve(f), readBounded(sd.dir().resolve(f)));
        }
        List<Path> blocks = new ArrayList<>();
        Path msgs = sd.dir().resolve("msgs");
        if (Files.isDirectory(msgs)) {
            try (Stream<Path> s = Files.list(msgs)) {
                s.filter(p -> BLOCK.matcher(p.getFileName().toString()).matches())
                        .sorted(Comparator.comparingLong(HeldStreamCopy::blockIndex)).forEach(blocks::add);
            }
        }
        RecordHashSource hashes = RecordHashSource.chosen();
        for (int i = 0; i < blocks.size(); i++) {
            Path b = blocks.get(i);
            // The block's key file first, as the runtime writes them (a block never exists without it).
            copyIfPresent(msgs, target.resolve("msgs"), blockIndex(b) + ".key");
            byte[] bytes = readBounded(b);
            int keep = bytes.length;
            if (i == blocks.size() - 1) {
                byte[] plain = bytes;
                java.util.Optional<BlockKeystream> keystream;
                try {
                    keystream = keys.block(msgs, blockIndex(b), DiskGate.unbounded());
                } catch (DecryptionException e) {
                    throw new IOException(e.getMessage(), e);
                }
                if (keystream.isPresent()) {
                    plain = bytes.clone();
                    keystream.get().xor(plain, 0, plain.length, 0);
                }
                if (!compressed(plain)) {
                    // The block being appended to: keep its whole records only (a write may be under way).
                    BlockScan scan = new BlockScanner(sd.name(), hashes).scan(blockIndex(b), plain, plain.length);
                    keep = (int) scan.validLength();
                }
            }
            Files.write(target.resolve("msgs").resolve(b.getFileName()), keep == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, keep));
        }
        for (String c : sd.consumers()) {
            Path from = sd.dir().resolve("obs").resolve(c);
            Path to = Files.createDirectories(target.resolve("obs").resolve(c));
            for (String f : List.of(MetaFiles.META_KEY, MetaFiles.META_INF, MetaFiles.META_SUM, "o.dat")) {
                if (Files.isRegularFile(from.resolve(f))) {
                    Files.write(to.resolve(f), readBounded(from.resolve(f)));
                }
            }
        }
        for (StreamDir copied : StoreLayout.discover(tempStore, DiskGate.unbounded()).streams()) {
            if (copied.account().equals(sd.account()) && copied.name().equals(sd.name())) {
                return copied;
            }
        }
        throw new IOException(target + ": the copied stream is not found where it was written");
    }

    private static void copyIfPresent(Path fromDir, Path toDir, String name) throws IOException {
        if (Files.isRegularFile(fromDir.resolve(name))) {
            Files.write(toDir.resolve(name), readBounded(fromDir.resolve(name)));
        }
    }

    /** A file read whole, its size checked first (no block, meta or consumer file is near the bound). */
    private static byte[] readBounded(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BLOCK) {
            throw new IOException(file + ": " + size + " bytes, more than the " + MAX_BLOCK + " a store file can have");
        }
        return Files.readAllBytes(file);
    }

    private static boolean compressed(byte[] bytes) {
        try {
            return CompressionEnvelope.originalSize(bytes, bytes.length).isPresent();
        } catch (FormatException e) {
            return true;
        }
    }

    private static long blockIndex(Path p) {
        Matcher m = BLOCK.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
    }
}
