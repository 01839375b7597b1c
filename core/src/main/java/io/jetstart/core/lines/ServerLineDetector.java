package io.jetstart.core.lines;

import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StoreKey;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.Encryption;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.meta.MetaException;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which server line wrote a store, from the files alone (docs/compatibility.md, "Which line wrote
 * the store"). Per stream, the most telling clue:
 * <ol>
 *   <li>{@code msgs/index.db}'s version byte, rewritten by a clean stop when the stream changed: v1 → 2.10, v2 → 2.11,
 *       v3 → 2.12, v4 → 2.14 or newer (taken as 2.15, the newest);</li>
 *   <li>else {@code meta.inf}'s key set, written when the stream was created or updated: neither
 *       {@code compression} nor {@code consumer_limits} → 2.9; {@code allow_msg_ttl} or the
 *       {@code _nats.req.level} metadata → 2.11 or newer (taken as the newest); else 2.10.</li>
 * </ol>
 * The store's line is the newest clue over its streams: the server that stopped last wrote every
 * {@code index.db} it changed, and an older {@code meta.inf} only says when a stream was created. (A
 * newer server that wrote nothing leaves the older version: measured on 2.15.1, docs/compatibility.md.)
 *
 * <p>An encrypted stream's {@code index.db} and {@code meta.inf} are ciphertext, so its clue is the
 * names in its {@code msgs/} alone, as discovery listed them:
 * <ul>
 *   <li>{@code <n>.idx} files and no {@code index.db} → 2.9. Only 2.9 writes {@code .idx} (at once,
 *       before any stop: measured on 2.9.10 with both ciphers, also after a {@code kill -9}); 2.10.5+
 *       remove them at the stream's first open, and an encrypted stream of 2.10.27 or 2.15.1 has
 *       neither file until its first {@code index.db} (measured, with {@code kill -9}). 2.10.0-2.10.4
 *       left a 2.9 stream's {@code .idx} in place (their {@code os.RemoveAll("*.idx")} removes no
 *       file), but write {@code index.db} right after such an open;</li>
 *   <li>an {@code index.db} beside {@code <n>.idx} files → 2.10: only a writer that keeps a 2.9
 *       stream's {@code .idx} writes one there, jetstart's runtime (as v1, the version it falls back
 *       to when it cannot read the store's own, which is sealed; a plain 2.9 store it served has the
 *       same v1 and is read as 2.10 by its version byte) or 2.10.0-2.10.4 (v1 only). 2.10.27, 2.15.1
 *       and even 2.9.10 start on such a store from its files, and the 2.10+ servers report the same
 *       state (measured, {@code EncryptedStoreLineOnServerIT});</li>
 *   <li>an {@code index.db} alone, with the store's key → the version inside its opened seal, read as a
 *       plain one's (the first {@link #MAX_SEALED_TRIES} that open, smallest file first: opening one
 *       authenticates it whole, and a clean stop rewrites every changed {@code index.db}, so one speaks
 *       for the store's last server). The stream's {@code meta.key} is opened first, as the stream's own
 *       open does;</li>
 *   <li>no {@code index.db} (or one emptied, shorter than any) and no {@code .idx}, with the store's key →
 *       the key set of its {@code meta.inf}, opened with the key, as a plain one's (2.10, or 2.11 or newer
 *       taken as the newest), but for 2.9's, which names no line: 2.9 writes {@code .idx} at once, and a
 *       2.10+ open removes them and leaves {@code meta.inf} as it is (measured on 2.10.27, then killed).
 *       The first {@link #MAX_STREAMS} by account, then name, at most {@link #MAX_SEALED_TRIES} that do
 *       not open. Without the key such a stream gives no clue;</li>
 *   <li>an {@code index.db} alone without the key (or none of those tried opened) → 2.10 or newer, its
 *       version unreadable: it bounds the store's line from below and names none, so when nothing
 *       else says a line newer than 2.9 the newest is assumed, as with no clue at all. A 2.10+ store
 *       is never taken as 2.9.</li>
 * </ul>
 * The key files say nothing: {@code <n>.key} and {@code meta.key} are {@code nonce || Seal(seed)}
 * on every line (the seed 32 random bytes: 2.9.10, 2.10.27 and 2.15 {@code genEncryptionKeys}),
 * their length naming only the cipher.
 *
 * <p>Design note: this runs once per store, before the streams are forked, so every stream follows
 * one line. It reads at most {@link #MAX_STREAMS} plain streams (two bytes of {@code index.db}, or
 * one {@code meta.inf}) so that a store of 10,000 streams pays for 32 small reads, not 10,000. An
 * encrypted stream's listing clue costs no read, so every one is looked at; with the key, at most
 * {@link #MAX_SEALED_TRIES} sealed {@code index.db} (each at most {@link #MAX_SEALED_BYTES}, the size
 * known from discovery's stat) and their {@code meta.key} are read, the smallest first, and the
 * {@code meta.key}, {@code meta.sum} and {@code meta.inf} of at most {@link #MAX_STREAMS} streams
 * whose {@code index.db} is gone.
 */
public final class ServerLineDetector {
    static final int MAX_STREAMS = 32;
    /** {@code index.db} starts with magic 11 then its version (spec §4.1). */
    private static final int INDEX_DB_MAGIC = 11;
    private static final long MAX_META_BYTES = 1L << 20;
    /** The clue of an encrypted 2.9 stream (its {@code msgs/} listing). */
    static final String ENCRYPTED_LEGACY_INDEX = "encrypted msgs/ with .idx files and no index.db (2.9)";
    /** What an encrypted stream's {@code index.db} says: a 2.10+ server wrote it. */
    static final String ENCRYPTED_INDEX_DB = "encrypted index.db (2.10 or newer, its version unreadable)";
    /** The other sealed {@code index.db} of a store where one was opened with the key. */
    static final String ENCRYPTED_INDEX_DB_NOT_OPENED = "encrypted index.db not opened (one opened speaks for the store)";
    /**
     * Sealed {@code index.db} opened at most: each that does not open (a damaged file, a wrong key)
     * costs a read, so a store of 10,000 streams opened with a wrong key does not read them all.
     */
    static final int MAX_SEALED_TRIES = 3;
    /**
     * A larger sealed {@code index.db} is not opened for its version: detection runs before every
     * stream, on the open's critical path, and the smallest file of a store is usually a few hundred
     * bytes (a stream's summary, its subjects and its blocks).
     */
    static final long MAX_SEALED_BYTES = 1L << 20;
    /** A sealed {@code meta.inf} of 2.9's key set on a stream without {@code .idx}: no line (see {@link #sealedMetaClue}). */
    static final String ENCRYPTED_META_LEGACY =
            "encrypted meta.inf without compression and consumer_limits, opened with the key (created by 2.9, no .idx left: no line)";
    /** What an encrypted 2.9 stream holds once jetstart's runtime served it: its v1 {@code index.db}. */
    static final String ENCRYPTED_INDEX_DB_BESIDE_LEGACY =
            "encrypted index.db beside .idx files (written as v1 by jetstart's runtime or 2.10.0-2.10.4: 2.10)";

    private ServerLineDetector() {
    }

    /** The detected line of the store whose streams are {@code streams}, read without a key. */
    public static LineChoice detect(List<StreamDir> streams, DiskGate gate) throws InterruptedException {
        return detect(streams, gate, null);
    }

    /**
     * The detected line of the store whose streams are {@code streams}; {@code key} (null: none) opens
     * an encrypted stream's {@code index.db} for its version.
     */
    public static LineChoice detect(List<StreamDir> streams, DiskGate gate, StoreKey key) throws InterruptedException {
        return detection(streams, gate, key).choice();
    }

    /**
     * The line of a store of which {@code found} are the streams discovered so far, read without a key,
     * when no stream discovered later can change it; else null (the line waits for every stream).
     *
     * <p>A later unencrypted stream cannot once {@code found} holds {@link #MAX_STREAMS} of them, the
     * sample, provided no later one sorts before them by account, then name (the caller's to know). A
     * later encrypted stream can: its clue costs no read and is never sampled. It says 2.9 ({@code .idx}
     * alone, heeded only where nothing else said a line), 2.10 ({@code index.db} beside {@code .idx}), or
     * "2.10 or newer" (a sealed {@code index.db}, which lifts a store taken as 2.9 to the newest line).
     * So only a line of 2.10 or newer that a file said stays; 2.9, or the newest assumed for want of a
     * clue (or over 2.9 beside a sealed {@code index.db}), waits. The evidence counts {@code found}
     * alone: detect again over every stream for the report.
     */
    public static LineChoice settledBy(List<StreamDir> found, DiskGate gate) throws InterruptedException {
        int unencrypted = 0;
        for (StreamDir sd : found) {
            if (!(sd.encryption() instanceof Encryption.Encrypted)) {
                unencrypted++;
            }
        }
        if (unencrypted < MAX_STREAMS) {
            return null;
        }
        Detection d = detection(found, gate, null);
        return d.said() && d.choice().line().compareTo(ServerLine.V2_10) >= 0 ? d.choice() : null;
    }

    /** A detected line, and whether a file said it (false: the newest assumed). */
    private record Detection(LineChoice choice, boolean said) {
    }

    private static Detection detection(List<StreamDir> streams, DiskGate gate, StoreKey key) throws InterruptedException {
        // Loops and a named comparator rather than lambdas: the store's line is detected before the
        // first stream starts, where a fresh JVM would spin each lambda's class at run time (package-info).
        List<StreamDir> sample = new ArrayList<>(streams.size());
        List<StreamDir> sealed = new ArrayList<>();
        List<StreamDir> gone = new ArrayList<>();
        Map<String, Integer> clues = new TreeMap<>();
        ServerLine newest = null;
        boolean encryptedIndexDb = false;
        for (StreamDir sd : streams) {
            if (!(sd.encryption() instanceof Encryption.Encrypted)) {
                sample.add(sd);
            } else if (sd.msgs() != null && sd.msgs().hasIndexDb() && sd.msgs().hasLegacyIndexes()) {
                // Only a writer that keeps a 2.9 stream's .idx files writes an index.db beside them:
                // jetstart's runtime (v1 unless told otherwise: it cannot read a sealed version) or
                // 2.10.0-2.10.4 (v1 only). 2.10.5+ remove the .idx before their first index.db.
                if (newest == null || ServerLine.V2_10.compareTo(newest) > 0) {
                    newest = ServerLine.V2_10;
                }
                count(clues, ENCRYPTED_INDEX_DB_BESIDE_LEGACY);
            } else if (sd.msgs() != null && sd.msgs().hasIndexDb()) {
                sealed.add(sd);
                if (sd.indexDbBytes() >= 0 && sd.indexDbBytes() < IndexDbCodec.MIN_FILE_LENGTH) {
                    gone.add(sd);
                }
            } else if (sd.msgs() != null && sd.msgs().hasLegacyIndexes()) {
                if (newest == null) {
                    newest = ServerLine.V2_9;
                }
                count(clues, ENCRYPTED_LEGACY_INDEX);
            } else if (sd.msgs() != null) {
                gone.add(sd);
            }
        }
        String notOpened = null;
        if (!sealed.isEmpty()) {
            Opened o = key == null ? Opened.NONE : openOne(sealed, key, gate);
            if (o.clue() != null) {
                count(clues, o.clue().what(), 1);
                if (newest == null || o.clue().line().compareTo(newest) > 0) {
                    newest = o.clue().line();
                }
                if (sealed.size() > 1) {
                    count(clues, ENCRYPTED_INDEX_DB_NOT_OPENED, sealed.size() - 1);
                }
            } else {
                encryptedIndexDb = true;
                notOpened = o.why();
                count(clues, ENCRYPTED_INDEX_DB, sealed.size());
            }
        }
        String metaNotOpened = null;
        if (key != null && !gone.isEmpty()) {
            MetaRead m = openMetas(gone, key, gate);
            for (Clue c : m.clues()) {
                count(clues, c.what());
                if (c.line() != null && (newest == null || c.line().compareTo(newest) > 0)) {
                    newest = c.line();
                }
            }
            metaNotOpened = m.why();
        }
        sample.sort(ByAccountThenName.INSTANCE);
        if (sample.size() > MAX_STREAMS) {
            sample = sample.subList(0, MAX_STREAMS);
        }
        for (StreamDir sd : sample) {
            Clue c = clue(sd, gate);
            if (c == null) {
                continue;
            }
            count(clues, c.what());
            if (newest == null || c.line().compareTo(newest) > 0) {
                newest = c.line();
            }
        }
        List<String> evidence = new ArrayList<>();
        for (Map.Entry<String, Integer> e : clues.entrySet()) {
            int n = e.getValue();
            evidence.add(e.getKey() + " (" + n + (n == 1 ? " stream)" : " streams)"));
        }
        if (notOpened != null && encryptedIndexDb) {
            evidence.add("no encrypted index.db opened with the key: " + notOpened);
        }
        if (metaNotOpened != null) {
            evidence.add("encrypted meta.inf not opened with the key: " + metaNotOpened);
        }
        boolean said = true;
        if (encryptedIndexDb && (newest == null || newest == ServerLine.V2_9)) {
            // A 2.10+ server wrote that index.db: whatever else says 2.9 is older than the last run.
            evidence.add("no readable clue newer than 2.9 beside an encrypted index.db; the newest line assumed");
            newest = ServerLine.NEWEST;
            said = false;
        } else if (newest == null) {
            evidence.add(clues.isEmpty() ? "no readable index.db or meta.inf; the newest line assumed"
                    : "no clue names a line; the newest line assumed");
            newest = ServerLine.NEWEST;
            said = false;
        }
        return new Detection(new LineChoice(newest, false, evidence), said);
    }

    private static void count(Map<String, Integer> clues, String what) {
        count(clues, what, 1);
    }

    private static void count(Map<String, Integer> clues, String what, int streams) {
        Integer seen = clues.get(what);
        clues.put(what, seen == null ? streams : seen + streams);
    }

    /**
     * The sealed {@code index.db} opened for the store: its clue, or null and why the first one
     * passed over was not opened (null when none was looked at).
     */
    private record Opened(Clue clue, String why) {
        static final Opened NONE = new Opened(null, null);
    }

    /**
     * Opens {@code sealed}'s {@code index.db} smallest first until one opens, at most
     * {@link #MAX_SEALED_TRIES} reads; sorts {@code sealed}.
     */
    private static Opened openOne(List<StreamDir> sealed, StoreKey key, DiskGate gate) throws InterruptedException {
        sealed.sort(BySizeThenName.INSTANCE);
        String why = null;
        int tries = 0;
        for (int i = 0; i < sealed.size() && tries < MAX_SEALED_TRIES; i++) {
            StreamDir sd = sealed.get(i);
            if (sd.indexDbBytes() >= 0 && sd.indexDbBytes() < IndexDbCodec.MIN_FILE_LENGTH) {
                // Too short for any index.db (the server's reader rejects it too), so not a try: a
                // store whose index.db files were emptied still has its opened one looked for.
                if (why == null) {
                    why = sd.account() + " > " + sd.name() + ": index.db of " + sd.indexDbBytes() + " bytes";
                }
                continue;
            }
            if (sd.indexDbBytes() > MAX_SEALED_BYTES) {
                // Sorted by size: every one left is larger (an unknown size, last, is read up to the bound).
                if (why == null) {
                    why = sd.account() + " > " + sd.name() + ": index.db of " + sd.indexDbBytes()
                            + " bytes, above the " + MAX_SEALED_BYTES + " read for its version";
                }
                break;
            }
            tries++;
            SealedRead r = readSealed(sd, key, gate);
            if (r instanceof SealedRead.Version v) {
                return new Opened(new Clue(lineOf(v.version()), "encrypted index.db v" + v.version()
                        + (v.version() == 4 ? " (2.14 or newer)" : "") + ", opened with the key"), null);
            }
            if (why == null) {
                why = ((SealedRead.NotRead) r).why();
            }
        }
        return new Opened(null, why);
    }

    /** What the sealed {@code meta.inf} of streams whose {@code index.db} is gone said, and why the first that did not open did not. */
    private record MetaRead(List<Clue> clues, String why) {
    }

    /**
     * Opens the sealed {@code meta.inf} of {@code gone} (streams with no {@code index.db} or an emptied
     * one, and no {@code .idx}) with the key, by account then name: at most {@link #MAX_STREAMS}
     * opened, as the plain sample, and at most {@link #MAX_SEALED_TRIES} that do not open (a wrong key
     * opens none); sorts {@code gone}.
     */
    private static MetaRead openMetas(List<StreamDir> gone, StoreKey key, DiskGate gate) throws InterruptedException {
        gone.sort(ByAccountThenName.INSTANCE);
        List<Clue> out = new ArrayList<>();
        String why = null;
        int failed = 0;
        for (int i = 0; i < gone.size() && out.size() < MAX_STREAMS && failed < MAX_SEALED_TRIES; i++) {
            StreamDir sd = gone.get(i);
            try {
                StreamKeys keys = StreamKeys.load(key, sd.account(), sd.dir(), gate);
                out.add(sealedMetaClue(MetaFiles.readStream(sd.dir(), gate, keys).config()));
            } catch (java.io.InterruptedIOException | java.nio.channels.ClosedByInterruptException e) {
                throw io.jetstart.core.io.Interrupts.cancelled(sd.dir().resolve(MetaFiles.META_INF), e);
            } catch (IOException | DecryptionException | MetaException e) {
                failed++;
                if (why == null) {
                    why = sd.account() + " > " + sd.name() + ": " + e.getMessage();
                }
            }
        }
        return new MetaRead(out, why);
    }

    /**
     * An encrypted stream's {@code meta.inf} key set, opened with the key: as a plain one's (clue 2),
     * but for 2.9's, which names no line here. 2.9 writes a stream's {@code .idx} at once (measured on
     * 2.9.10, also after a {@code kill -9}), and a 2.10+ server opening a 2.9 stream removes them and
     * leaves its {@code meta.inf} as it is (measured on 2.10.27 started on the encrypted 2.9.10 store,
     * then killed): such a stream without {@code .idx} was last opened by 2.10 or newer, or lost its
     * {@code .idx} otherwise; it says only that 2.9 created it.
     */
    private static Clue sealedMetaClue(StreamConfig config) {
        if (config.writtenByLegacyServer()) {
            return new Clue(null, ENCRYPTED_META_LEGACY);
        }
        if (config.has("allow_msg_ttl") || config.hasMetadata("_nats.req.level")) {
            return new Clue(ServerLine.NEWEST, "encrypted meta.inf with allow_msg_ttl or _nats.req.level, opened with the key (2.11 or newer)");
        }
        return new Clue(ServerLine.V2_10, "encrypted meta.inf with compression and consumer_limits only, opened with the key (2.10)");
    }

    /**
     * The oldest line {@link #detect} can find for a store holding {@code sd}, from {@code sd}'s own
     * files, before the store is discovered: its own clue, when it is surely in the sample (not
     * encrypted, and fewer than {@link #MAX_STREAMS} entries listed before it; the store's line is
     * the newest clue of the sample, so never older than this one). Null when that cannot be said,
     * also for an encrypted stream even with the key: its sealed version counts only when its
     * {@code index.db} is the one {@link #detect} opens, the store's smallest.
     *
     * @param listedBefore an upper bound of the streams that sort before {@code sd} (account, then name)
     */
    public static ServerLine lowestFor(StreamDir sd, int listedBefore, DiskGate gate) throws InterruptedException {
        if (sd.encryption() instanceof Encryption.Encrypted || listedBefore >= MAX_STREAMS) {
            return null;
        }
        Clue c = clue(sd, gate);
        return c == null ? null : c.line();
    }

    /** One stream's clue; {@code line} null when it names none (an encrypted stream's 2.9 {@code meta.inf}). */
    record Clue(ServerLine line, String what) {
    }

    static Clue clue(StreamDir sd, DiskGate gate) throws InterruptedException {
        Path msgs = sd.dir().resolve("msgs");
        if (sd.hasIndexDb()) {
            int version = indexDbVersion(msgs.resolve("index.db"), gate);
            ServerLine byIndex = lineOf(version);
            if (byIndex != null) {
                return new Clue(byIndex, "index.db v" + version + (version == 4 ? " (2.14 or newer)" : ""));
            }
        }
        StreamConfig config;
        try {
            config = StreamConfig.parse(BlockFiles.readSmallFile(sd.dir().resolve("meta.inf"), MAX_META_BYTES, gate));
        } catch (IOException | FormatException e) {
            return null;
        }
        if (config.writtenByLegacyServer()) {
            return new Clue(ServerLine.V2_9, "meta.inf without compression and consumer_limits (2.9)");
        }
        if (config.has("allow_msg_ttl") || config.hasMetadata("_nats.req.level")) {
            return new Clue(ServerLine.NEWEST, "meta.inf with allow_msg_ttl or _nats.req.level (2.11 or newer)");
        }
        return new Clue(ServerLine.V2_10, "meta.inf with compression and consumer_limits only (2.10)");
    }

    /**
     * The line that writes {@code index.db} version {@code version}, plain or sealed, or null for
     * none: v1 → 2.10, v2 → 2.11, v3 → 2.12, v4 → 2.14 or newer (taken as 2.15, the newest).
     */
    static ServerLine lineOf(int version) {
        switch (version) {
            case 1:
                return ServerLine.V2_10;
            case 2:
                return ServerLine.V2_11;
            case 3:
                return ServerLine.V2_12;
            case 4:
                return ServerLine.V2_15;
            default:
                return null;
        }
    }

    /** What opening an encrypted stream's {@code index.db} gave. */
    public sealed interface SealedRead {
        /** The version inside the seal (1..4). */
        record Version(int version) implements SealedRead {
        }

        /** Not opened, or not an {@code index.db} inside: why, naming the stream. */
        record NotRead(String why) implements SealedRead {
        }
    }

    /**
     * The version inside the seal of {@code sd}'s {@code index.db}, as the stream's open reads it:
     * its {@code meta.key} unsealed with {@code key}, the trailer checked on the file as stored (the
     * server hashes what it writes), then the body opened.
     */
    static SealedRead readSealed(StreamDir sd, StoreKey key, DiskGate gate) throws InterruptedException {
        if (sd.indexDbBytes() > MAX_SEALED_BYTES) {
            return new SealedRead.NotRead(sd.account() + " > " + sd.name() + ": index.db of " + sd.indexDbBytes() + " bytes, above the "
                    + MAX_SEALED_BYTES + " read for its version");
        }
        return readSealed(sd.dir(), sd.account(), key, MAX_SEALED_BYTES, gate);
    }

    /**
     * The version inside the seal of the {@code index.db} of the encrypted stream in {@code streamDir}
     * of {@code account}, read as {@link #readSealed(StreamDir, StoreKey, DiskGate)} reads it, the file
     * at most {@code maxBytes} (also the runtime's: which version to write into an encrypted store).
     */
    public static SealedRead readSealed(Path streamDir, String account, StoreKey key, long maxBytes, DiskGate gate)
            throws InterruptedException {
        Path file = streamDir.resolve("msgs").resolve("index.db");
        String name = streamDir.getFileName().toString();
        String where = account + " > " + name + ": ";
        try {
            StreamKeys keys = StreamKeys.load(key, account, streamDir, gate);
            byte[] stored = BlockFiles.readSmallFile(file, maxBytes, gate);
            IndexDbCodec.checkTrailer(name, stored);
            byte[] body = keys.open(file, Arrays.copyOf(stored, stored.length - IndexDbCodec.TRAILER_LENGTH));
            int version = IndexDbCodec.headerVersion(body, body.length);
            return version > 0 ? new SealedRead.Version(version)
                    : new SealedRead.NotRead(where + "no index.db magic and version inside its seal");
        } catch (java.io.InterruptedIOException | java.nio.channels.ClosedByInterruptException e) {
            throw io.jetstart.core.io.Interrupts.cancelled(file, e);
        } catch (IOException | FormatException | DecryptionException e) {
            return new SealedRead.NotRead(where + e.getMessage());
        }
    }

    /** The version byte of an {@code index.db}, or -1 when it is empty, missing or not one. */
    private static int indexDbVersion(Path file, DiskGate gate) throws InterruptedException {
        try {
            byte[] head = gate.run(new IndexDbHead(file));
            return head != null && (head[0] & 0xff) == INDEX_DB_MAGIC ? head[1] & 0xff : -1;
        } catch (java.io.InterruptedIOException | java.nio.channels.ClosedByInterruptException e) {
            throw io.jetstart.core.io.Interrupts.cancelled(file, e);
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Sealed {@code index.db} by size, smallest first (an unknown size last), then by account and name. */
    private static final class BySizeThenName implements Comparator<StreamDir> {
        static final BySizeThenName INSTANCE = new BySizeThenName();

        @Override
        public int compare(StreamDir a, StreamDir b) {
            int c = Long.compare(a.indexDbBytes() < 0 ? Long.MAX_VALUE : a.indexDbBytes(),
                    b.indexDbBytes() < 0 ? Long.MAX_VALUE : b.indexDbBytes());
            return c != 0 ? c : ByAccountThenName.INSTANCE.compare(a, b);
        }
    }

    /** Streams by account, then name ({@code String} order). */
    private static final class ByAccountThenName implements Comparator<StreamDir> {
        static final ByAccountThenName INSTANCE = new ByAccountThenName();

        @Override
        public int compare(StreamDir a, StreamDir b) {
            int c = a.account().compareTo(b.account());
            return c != 0 ? c : a.name().compareTo(b.name());
        }
    }

    /**
     * The first two bytes of an {@code index.db}, or null when it has fewer. A named class, not a
     * lambda: a stream's clue is read on its way (package-info).
     */
    private static final class IndexDbHead implements DiskGate.Io<byte[]> {
        private final Path file;

        IndexDbHead(Path file) {
            this.file = file;
        }

        @Override
        public byte[] call() throws IOException {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer b = ByteBuffer.allocate(2);
                while (b.hasRemaining() && ch.read(b) >= 0) {
                    // a short read of a local file only happens at its end
                }
                return b.position() == 2 ? b.array() : null;
            }
        }
    }
}
