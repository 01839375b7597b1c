package io.jetstart.core.store;

import io.jetstart.core.crypto.DecryptionException;
import io.jetstart.core.crypto.StreamKeys;
import io.jetstart.core.format.BlockScan;
import io.jetstart.core.format.BlockScanner;
import io.jetstart.core.format.FormatException;
import io.jetstart.core.format.IndexDb;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.format.LegacyIndex;
import io.jetstart.core.format.LegacyIndexCodec;
import io.jetstart.core.format.Records;
import io.jetstart.core.format.RecordsPastDamage;
import io.jetstart.core.format.SequenceSet;
import io.jetstart.core.format.Tombstone;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.BlockFiles;
import io.jetstart.core.io.CompressedBlockException;
import io.jetstart.core.io.MsgsListing;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.StreamConfig;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Opens one stream as nats-server's {@code newFileStoreWithCreated} does: the {@code index.db} fast
 * path (spec 4.4) when it agrees with the blocks, else a rebuild from every block (4.5), then the
 * tombstones and the retention limits (7.4).
 *
 * <p>Design note: where the server deletes a bad {@code index.db}, truncates a block tail or removes
 * an empty block, we record a {@link Problem} and leave the file alone; the in-memory state is the
 * one the server would reach, so the reported state still matches it.
 */
public final class StreamOpener {
    /** index.db holds summary + subjects + blocks; a 1 GiB one would be a million-subject stream. */
    static final long MAX_INDEX_DB_BYTES = 1L << 30;
    static final long MAX_LEGACY_INDEX_BYTES = 64L << 20;

    private StreamOpener() {
    }

    /** Opens the stream in {@code dir} with an already verified config, as the newest server line does. */
    public static StreamStore open(String account, String name, Path dir, StreamConfig config, StoreContext ctx)
            throws StoreException, InterruptedException {
        return open(account, name, dir, config, ctx, ServerLine.NEWEST);
    }

    /** Opens the stream as {@code line} does (which {@code index.db} versions it reads). */
    public static StreamStore open(String account, String name, Path dir, StreamConfig config, StoreContext ctx,
                                   ServerLine line) throws StoreException, InterruptedException {
        return open(account, name, dir, config, ctx, line, null);
    }

    /**
     * As {@link #open(String, String, Path, StreamConfig, StoreContext, ServerLine)} with the
     * stream's keys already loaded (the caller read {@code meta.key} to open {@code meta.inf}):
     * {@code meta.key} is then not read a second time. Null loads them.
     */
    public static StreamStore open(String account, String name, Path dir, StreamConfig config, StoreContext ctx,
                                   ServerLine line, StreamKeys keys) throws StoreException, InterruptedException {
        return open(account, name, dir, config, ctx, line, keys, new Listing(null), false);
    }

    /**
     * As {@link #open(String, String, Path, StreamConfig, StoreContext, ServerLine, StreamKeys)};
     * {@code forWriter}: the stream goes to a writer, so what its retention limits remove at the open
     * is kept for the writer to tombstone ({@link StreamStore#removalsForWriter}). A read-only open
     * keeps nothing.
     */
    public static StreamStore open(String account, String name, Path dir, StreamConfig config, StoreContext ctx,
                                   ServerLine line, StreamKeys keys, boolean forWriter) throws StoreException, InterruptedException {
        return open(account, name, dir, config, ctx, line, keys, new Listing(null), forWriter);
    }

    /**
     * As {@link #open(String, String, Path, StreamConfig, StoreContext, ServerLine, StreamKeys)} for a
     * discovered stream: {@code msgs/} is not listed again, the blocks are the ones discovery listed
     * ({@link StreamDir#msgs()}), so the fast path and the rebuild see the directory as discovery saw it.
     */
    public static StreamStore open(StreamDir sd, StreamConfig config, StoreContext ctx, ServerLine line, StreamKeys keys)
            throws StoreException, InterruptedException {
        return open(sd, config, ctx, line, keys, false);
    }

    /**
     * As {@link #open(StreamDir, StreamConfig, StoreContext, ServerLine, StreamKeys)}; {@code forWriter}
     * as {@link #open(String, String, Path, StreamConfig, StoreContext, ServerLine, StreamKeys, boolean)}.
     */
    public static StreamStore open(StreamDir sd, StreamConfig config, StoreContext ctx, ServerLine line, StreamKeys keys,
                                   boolean forWriter) throws StoreException, InterruptedException {
        return open(sd.account(), sd.name(), sd.dir(), config, ctx, line, keys, new Listing(sd.msgs()), forWriter);
    }

    private static StreamStore open(String account, String name, Path dir, StreamConfig config, StoreContext ctx,
                                    ServerLine line, StreamKeys keys, Listing listing, boolean forWriter)
            throws StoreException, InterruptedException {
        StreamStore s = new StreamStore(account, name, dir, config, ctx);
        s.keys = keys != null ? keys : loadKeys(s);
        s.tracksSubjects = !config.subjects().isEmpty() || config.hasMirror() || config.hasSources();
        // An instanceof, not a pattern switch over the sealed FastPath: a fresh JVM's first such
        // switch builds a class at run time (SwitchBootstraps), ~6 ms on the first stream's way
        // (package-info). Adopted needs nothing more.
        if (fastPath(s, line, listing, forWriter) instanceof FastPath.Rebuild r) {
            rebuild(s, r.prior(), line, listing);
        }
        finish(s, forWriter, line);
        return s;
    }

    /**
     * {@code msgs/} listed at most once per open: discovery's listing when the caller has it, else
     * read on first use (the fast path's step 13, or the rebuild), and shared by both.
     */
    private static final class Listing {
        private MsgsListing value;

        Listing(MsgsListing given) {
            this.value = given;
        }

        /** Whether a listing already taken says that {@code msgs/} has no {@code index.db}. */
        boolean knownWithoutIndexDb() {
            return value != null && !value.hasIndexDb();
        }

        MsgsListing get(StreamStore s) throws IOException, InterruptedException {
            if (value == null) {
                value = BlockFiles.listMsgs(s.msgsDir, s.ctx.gate());
            }
            return value;
        }
    }

    /** The stream's keys from its meta.key (spec 1.3); plain when it has none. */
    private static StreamKeys loadKeys(StreamStore s) throws StoreException, InterruptedException {
        Path keyFile = s.dir.resolve("meta.key");
        try {
            return StreamKeys.load(s.ctx.key(), s.account, s.dir, s.ctx.gate());
        } catch (DecryptionException e) {
            throw new StoreException(Problem.fatal(e.file(), -1, e.reason()), e);
        } catch (java.io.InterruptedIOException | java.nio.channels.ClosedByInterruptException e) {
            throw io.jetstart.core.io.Interrupts.cancelled(keyFile, e);
        } catch (IOException e) {
            throw new StoreException(Problem.fatal(keyFile, -1, "cannot read the stream key file: " + e.getMessage()), e);
        }
    }

    /**
     * As {@link #open}, and, when the fast path accepts {@code index.db}, also rebuilds the stream
     * from every block (every record's checksum verified) and compares the two states: what
     * {@code jetstart verify} does. The state returned is the one nats-server starts with (the
     * index's); what only the blocks show is added as problems the server finds only on reading
     * ({@link ServerAction#FOUND_ON_READ}), and a disagreement between the two states as a damage
     * problem on {@code index.db} ({@link ServerAction#TRUSTS_INDEX}).
     */
    public static StreamStore openVerifyingBlocks(String account, String name, Path dir, StreamConfig config, StoreContext ctx)
            throws StoreException, InterruptedException {
        return openVerifyingBlocks(account, name, dir, config, ctx, ServerLine.NEWEST);
    }

    /** As {@link #openVerifyingBlocks(String, String, Path, StreamConfig, StoreContext)}, as {@code line} opens the stream. */
    public static StreamStore openVerifyingBlocks(String account, String name, Path dir, StreamConfig config, StoreContext ctx,
                                                  ServerLine line) throws StoreException, InterruptedException {
        return openVerifyingBlocks(account, name, dir, config, ctx, line, null);
    }

    /** As {@link #openVerifyingBlocks(String, String, Path, StreamConfig, StoreContext, ServerLine)} with loaded keys (null: load them). */
    public static StreamStore openVerifyingBlocks(String account, String name, Path dir, StreamConfig config, StoreContext ctx,
                                                  ServerLine line, StreamKeys keys) throws StoreException, InterruptedException {
        return openVerifyingBlocks(account, name, dir, config, ctx, line, keys, new Listing(null), false);
    }

    /** As {@link #openVerifyingBlocks(String, String, Path, StreamConfig, StoreContext, ServerLine, StreamKeys)} with discovery's listing of {@code msgs/} (see {@link #open(StreamDir, StreamConfig, StoreContext, ServerLine, StreamKeys)}). */
    public static StreamStore openVerifyingBlocks(StreamDir sd, StreamConfig config, StoreContext ctx, ServerLine line,
                                                  StreamKeys keys) throws StoreException, InterruptedException {
        return openVerifyingBlocks(sd, config, ctx, line, keys, false);
    }

    /** As {@link #openVerifyingBlocks(StreamDir, StreamConfig, StoreContext, ServerLine, StreamKeys)}; {@code forWriter} as {@link #open(StreamDir, StreamConfig, StoreContext, ServerLine, StreamKeys, boolean)}. */
    public static StreamStore openVerifyingBlocks(StreamDir sd, StreamConfig config, StoreContext ctx, ServerLine line,
                                                  StreamKeys keys, boolean forWriter) throws StoreException, InterruptedException {
        return openVerifyingBlocks(sd.account(), sd.name(), sd.dir(), config, ctx, line, keys, new Listing(sd.msgs()), forWriter);
    }

    private static StreamStore openVerifyingBlocks(String account, String name, Path dir, StreamConfig config, StoreContext ctx,
                                                   ServerLine line, StreamKeys keys, Listing listing, boolean forWriter)
            throws StoreException, InterruptedException {
        StreamStore s = new StreamStore(account, name, dir, config, ctx);
        s.keys = keys != null ? keys : loadKeys(s);
        s.tracksSubjects = !config.subjects().isEmpty() || config.hasMirror() || config.hasSources();
        if (fastPath(s, line, listing, forWriter) instanceof FastPath.Rebuild r) {
            // The server rebuilds too, and a rebuild verifies every record: nothing more to check.
            rebuild(s, r.prior(), line, listing);
            finish(s, forWriter, line);
            return s;
        }
        StreamStore blocks = new StreamStore(account, name, dir, config, ctx);
        blocks.keys = s.keys;
        blocks.tracksSubjects = s.tracksSubjects;
        try {
            // The comparison's last stands whatever the blocks lost: index.db was adopted, and a last past
            // the blocks' (an emptied write block) is no disagreement.
            rebuild(blocks, Prior.standing(s.lastSeq, s.lastTs), line, listing);
        } catch (StoreException e) {
            s.problems.add(e.problem().with(ServerAction.FOUND_ON_READ));
            finish(s, forWriter, line);
            return s;
        }
        finish(s, forWriter, line);
        finish(blocks, false, line);
        s.bytesRead += blocks.bytesRead;
        s.recordsVerified += blocks.recordsVerified;
        boolean damagedBlocks = false;
        for (Problem p : blocks.problems) {
            if (p.serverAction() != ServerAction.WRITE_TOMBSTONE && p.serverAction() != ServerAction.KEEP_LAST_SEQUENCE) {
                s.problems.add(p.with(ServerAction.FOUND_ON_READ));
                damagedBlocks |= p.severity() != Problem.Severity.WARNING;
            }
        }
        String differences = StateComparison.differences(s.state(), blocks.state());
        if (!differences.isEmpty() && s.trustsMissingBlocks) {
            // The missing block, reported already: removing index.db (TRUSTS_INDEX's repair) would not
            // bring its messages back, and 2.10 would then rebuild as 2.11+ do.
            s.problems.add(Problem.damage(s.msgsDir.resolve("index.db"), -1, "index.db disagrees with the blocks, which lack a "
                    + "block it names (index.db vs blocks: " + differences + "); nats-server " + line + " trusts index.db at start-up")
                    .with(ServerAction.NONE));
        } else if (!differences.isEmpty() && damagedBlocks) {
            // The blocks were read only up to their damage, so they disagree with index.db because of it: the
            // same damage, met by the server on its first read of the block. As TRUSTS_INDEX it made verify
            // promise repair's fix, and repair (which plans from the server's start-up) found nothing to do.
            s.problems.add(Problem.damage(s.msgsDir.resolve("index.db"), -1, "index.db disagrees with the blocks as read up to "
                    + "their damage (index.db vs blocks: " + differences + "); nats-server trusts index.db at start-up")
                    .with(ServerAction.FOUND_ON_READ));
        } else if (!differences.isEmpty()) {
            s.problems.add(Problem.damage(s.msgsDir.resolve("index.db"), -1, "index.db disagrees with the blocks (index.db vs blocks: "
                    + differences + "); nats-server trusts index.db at start-up").with(ServerAction.TRUSTS_INDEX));
        }
        return s;
    }

    /**
     * Ends the open with the retention limits, then the expiry {@code line}'s first age check does
     * ({@link StartUpExpiry}); {@code forWriter}: what they remove is kept for the writer to
     * tombstone (nothing else knows of it: recovery writes no file).
     */
    private static void finish(StreamStore s, boolean forWriter, ServerLine line) throws StoreException, InterruptedException {
        if (!s.psim.isEmpty()) {
            s.tracksSubjects = true;
        }
        StreamStore.RemovalSink sink = forWriter ? s.removalsForWriter() : StreamStore.RemovalSink.NONE;
        RetentionLimits.apply(s, sink, line, forWriter);
        StartUpExpiry.apply(s, line, sink);
        DueSchedules.warn(s, line);
    }

    /**
     * The state adopted from index.db before a later check failed (spec 4.4 step 10). {@code standing}:
     * kept past the blocks' last on every line; else only on a line that keeps it without lost data
     * ({@link ServerLine#keepsIndexLastSeqWithoutLostData}) or when the rebuild lost some.
     */
    record Prior(long lastSeq, long lastTs, boolean standing) {
        static final Prior NONE = new Prior(0, 0, true);

        /** What a failed index.db said: whether it stands depends on the line and on what the rebuild lost. */
        static Prior fromIndexDb(long lastSeq, long lastTs) {
            return new Prior(lastSeq, lastTs, false);
        }

        static Prior standing(long lastSeq, long lastTs) {
            return new Prior(lastSeq, lastTs, true);
        }
    }

    /**
     * What the index.db fast path ended with: the stream state adopted from the file, or a rebuild
     * from the blocks starting from what the file said about the last sequence (spec 4.4 step 10).
     */
    sealed interface FastPath {
        /** index.db agreed with the blocks; the stream's state is the file's. */
        record Adopted() implements FastPath {
        }

        /** index.db was missing or disagreed; rebuild from the blocks, keeping {@code prior}'s last sequence. */
        record Rebuild(Prior prior) implements FastPath {
        }
    }

    private static FastPath fastPath(StreamStore s, ServerLine line, Listing listing, boolean forWriter)
            throws StoreException, InterruptedException {
        Path file = s.msgsDir.resolve("index.db");
        if (listing.knownWithoutIndexDb()) {
            // What a failed open below would say, without the open and its exception.
            return new FastPath.Rebuild(Prior.NONE);
        }
        byte[] bytes;
        try {
            bytes = BlockFiles.readSmallFile(file, MAX_INDEX_DB_BYTES, s.ctx.gate(), s.ctx.firstRead());
        } catch (NoSuchFileException e) {
            return new FastPath.Rebuild(Prior.NONE);
        } catch (IOException e) {
            warn(s, file, "Could not read stream state file: " + e.getMessage(), ServerAction.REBUILD);
            return new FastPath.Rebuild(Prior.NONE);
        }
        IndexDb db;
        if (!s.keys.encrypted()) {
            // The header as it lies, before any check: what a plain file's first two bytes say
            // whether or not the rest holds (a writer keeps the version the store was written in).
            s.indexDbVersion = IndexDbCodec.headerVersion(bytes, bytes.length);
        }
        try {
            // Spec 4.4 steps 3-6: the trailer covers the bytes as stored; an encrypted body is
            // nonce || seal(body) under the stream's key.
            IndexDbCodec.checkTrailer(s.name, bytes);
            int bodyLength = bytes.length - IndexDbCodec.TRAILER_LENGTH;
            if (s.keys.encrypted()) {
                byte[] body = s.keys.open(file, Arrays.copyOf(bytes, bodyLength));
                // The version byte is sealed with the body: the stored file starts with the nonce.
                s.indexDbVersion = IndexDbCodec.headerVersion(body, body.length);
                db = IndexDbCodec.decodeBody(body, body.length);
            } else {
                // A plain body is decoded where it lies: no copy without the trailer.
                db = IndexDbCodec.decodeBody(bytes, bodyLength);
            }
        } catch (FormatException e) {
            s.problems.add(new Problem(Problem.Severity.WARNING, file, e.offset(),
                    "Recovering stream state from index errored: " + e.reason() + " (nats-server would delete index.db)",
                    ServerAction.DELETE_INDEX));
            return new FastPath.Rebuild(Prior.NONE);
        } catch (DecryptionException e) {
            // The stream's key opened meta.key, so this is a changed or damaged index.db: rebuild, as the server does.
            warn(s, file, "Stream state error reading encryption key: " + e.reason(), ServerAction.DELETE_INDEX);
            return new FastPath.Rebuild(Prior.NONE);
        }
        if (line.maxIndexDbVersion() > 0 && db.version() > line.maxIndexDbVersion()) {
            // A line reads only the versions it knows (2.10.x: v1; 2.12: up to v3) and rebuilds otherwise.
            s.problems.add(new Problem(Problem.Severity.WARNING, file, 1, "Stream state magic and version mismatch: index.db v"
                    + db.version() + " is newer than nats-server " + line + " reads (v" + line.maxIndexDbVersion()
                    + "); rebuilt from the blocks as it would", ServerAction.DELETE_INDEX));
            return new FastPath.Rebuild(Prior.NONE);
        }
        // Step 8: keep blocks that hold messages, and the last entry whatever it holds.
        List<BlockState> kept = new ArrayList<>();
        for (int i = 0; i < db.blocks().size(); i++) {
            IndexDb.Block e = db.blocks().get(i);
            boolean last = i == db.blocks().size() - 1;
            if (e.msgs() > 0 || last) {
                BlockState b = new BlockState(e.index(), BlockFiles.blockPath(s.msgsDir, e.index()))
                        .with(e.firstSeq(), e.firstTs(), e.lastSeq(), e.lastTs(), e.msgs(), e.bytes(), e.deleted());
                b.ttls = e.ttls();
                b.ttlsCounted = db.version() >= 2;
                b.schedules = e.schedules();
                b.schedulesCounted = db.version() >= 3;
                kept.add(b);
            }
        }
        Prior prior = Prior.fromIndexDb(db.lastSeq(), db.lastTs());
        // Step 11: the last kept block is the write block named in the file, and it exists.
        BlockState lmb = kept.isEmpty() ? null : kept.get(kept.size() - 1);
        if (lmb == null || lmb.index != db.lastBlockIndex()) {
            warn(s, file, "Stream state block does not exist or index mismatch (nats-server would delete index.db)",
                    ServerAction.DELETE_INDEX);
            return new FastPath.Rebuild(prior);
        }
        byte[] tail;
        try {
            tail = BlockFiles.readTail(lmb.file, 8, s.ctx.gate());
            if (tail.length == 8) {
                // An encrypted block is XORed from offset 0: decrypt just its last 8 bytes.
                var ks = s.blockKeystream(lmb.index);
                if (ks.isPresent()) {
                    long size = s.ctx.gate().run(() -> java.nio.file.Files.size(lmb.file));
                    ks.get().xor(tail, 0, 8, size - 8);
                }
            }
        } catch (NoSuchFileException e) {
            loseBlock(s, lmb);
            warn(s, lmb.file, "Stream state detected prior state, could not locate msg block " + lmb.index, ServerAction.REBUILD);
            return new FastPath.Rebuild(prior);
        } catch (IOException e) {
            warn(s, lmb.file, "Stream state: cannot read the last block's checksum: " + e.getMessage(), ServerAction.REBUILD);
            return new FastPath.Rebuild(prior);
        }
        // Step 12: the last block has not grown since index.db was written.
        byte[] stored = db.lastChecksum();
        byte[] current = tail.length == 8 ? tail : new byte[8];
        if (!Arrays.equals(stored, current)) {
            warn(s, lmb.file, "Stream state outdated, last block has additional entries, will rebuild", ServerAction.REBUILD);
            return new FastPath.Rebuild(prior);
        }
        // Step 13: no block beyond the write block, and every kept block present.
        List<Long> present;
        try {
            present = listing.get(s).blocks();
        } catch (IOException e) {
            warn(s, s.msgsDir, "storage directory not readable: " + e.getMessage(), ServerAction.REBUILD);
            return new FastPath.Rebuild(prior);
        }
        Set<Long> presentSet = new HashSet<>(present);
        for (long idx : present) {
            if (idx > db.lastBlockIndex()) {
                warn(s, s.msgsDir, "Stream state outdated, found extra blocks, will rebuild", ServerAction.REBUILD);
                return new FastPath.Rebuild(prior);
            }
        }
        List<BlockState> gone = new ArrayList<>();
        for (BlockState b : kept) {
            if (!presentSet.contains(b.index)) {
                gone.add(b);
            }
        }
        if (!gone.isEmpty() && (line.checksEveryIndexedBlock() || forWriter)) {
            // A writer rebuilds also where 2.10 would not: it cannot serve or remove messages of a block
            // that is not there. The lost block keeps index.db's last sequence, so none is used again.
            String unlike = line.checksEveryIndexedBlock() ? "" : "; nats-server " + line + " checks only the write block and "
                    + "starts with index.db as it is, but a writer rebuilds from the blocks there are, keeping the last sequence";
            for (BlockState b : gone) {
                loseBlock(s, b);
                warn(s, b.file, "Stream state detected prior state, could not locate msg block " + b.index + unlike, ServerAction.REBUILD);
            }
            return new FastPath.Rebuild(prior);
        }
        // Step 14: the summary equals the block totals.
        long tMsgs = 0;
        long tBytes = 0;
        long tLast = 0;
        long tFirst = kept.get(0).firstSeq;
        for (BlockState b : kept) {
            tMsgs += b.msgs;
            tBytes += b.bytes;
            tLast = Math.max(tLast, b.lastSeq);
            if (b.firstTs != 0 && b.firstSeq < tFirst) {
                tFirst = b.firstSeq;
            }
        }
        if (tMsgs != db.msgs() || tBytes != db.bytes() || tLast != db.lastSeq() || (tFirst > 1 && tFirst != db.firstSeq())) {
            warn(s, file, "Stream state encountered internal inconsistency on recover (summary " + db.msgs() + " msgs/"
                    + db.bytes() + " bytes/last " + db.lastSeq() + " vs blocks " + tMsgs + "/" + tBytes + "/" + tLast
                    + "; nats-server would delete index.db)", ServerAction.DELETE_INDEX);
            return new FastPath.Rebuild(prior);
        }
        for (BlockState b : gone) {
            // 2.10's recoverFullState looks for the write block alone: the others' messages stay counted,
            // and a read of one finds nothing (measured on 2.10.27; 2.11.7+ rebuild, commit 285f3466d).
            s.trustsMissingBlocks = true;
            b.fileMissing = true;
            s.problems.add(Problem.damage(b.file, -1, "block " + b.index + " named in index.db is missing (" + b.msgs
                    + " messages in " + b.firstSeq + ".." + b.lastSeq + "); nats-server " + line + " checks only the write "
                    + "block, starts with index.db as it is and counts them, though no read finds them, until its first read "
                    + "of the block drops them from the counts (its subject totals keep them); 2.11.7+ rebuild without "
                    + "them").with(ServerAction.NONE));
        }
        s.blocks.addAll(kept);
        for (long idx : present) {
            if (idx < kept.get(0).index) {
                // Left out by index.db (as the server leaves them), and maybe by a kill between the
                // writer's index.db and its removal of blocks emptied by the open's limits, whose
                // messages have no tombstone: the writer removes them before its first operation.
                s.blockFilesBelowFirst = true;
                break;
            }
        }
        s.msgs = db.msgs();
        s.bytes = db.bytes();
        s.firstSeq = db.firstSeq();
        s.firstTs = db.firstTs();
        s.lastSeq = db.lastSeq();
        s.lastTs = db.lastTs();
        for (IndexDb.Subject subj : db.subjects()) {
            s.psim.put(subj.subject(), new SubjectTotals(subj.total(), subj.firstBlock(), subj.lastBlock()));
        }
        s.bytesRead += bytes.length + 8;
        s.source = Source.INDEX;
        return new FastPath.Adopted();
    }

    /** A block named in index.db is gone: its live messages become lost data (spec 4.6). */
    private static void loseBlock(StreamStore s, BlockState b) {
        if (b.msgs <= 0) {
            return;
        }
        for (long seq = b.firstSeq; seq <= b.lastSeq; seq++) {
            if (!b.deleted.contains(seq)) {
                s.addLost(seq);
            }
        }
        s.lostBytes += b.bytes;
    }

    private static void warn(StreamStore s, Path file, String message, ServerAction action) {
        s.problems.add(Problem.warning(file, message).with(action));
    }

    /**
     * One block's rebuild result. Block scans may run in parallel, so a scan never touches the
     * stream; whatever it found (problems included) is merged later, in block order, on one thread.
     */
    private record Scanned(BlockScan scan, LegacyIndex legacy, Map<String, Long> subjects, long fileLength,
                           boolean decompressed, List<Problem> problems, boolean recordsPastDamage, LegacyIndex matchedLegacy,
                           LegacyBlockReadThroughIndex.Served readThrough, LegacyIndex rebuiltUnderLegacy) {
    }

    private static void rebuild(StreamStore s, Prior prior, ServerLine line, Listing listing)
            throws StoreException, InterruptedException {
        s.source = Source.REBUILT;
        MsgsListing listed;
        try {
            listed = listing.get(s);
        } catch (NoSuchFileException e) {
            listed = new MsgsListing(List.of(), false, false);
        } catch (IOException e) {
            throw new StoreException(Problem.fatal(s.msgsDir, -1, "storage directory not readable: " + e.getMessage())
                    .with(ServerAction.DELETE_STREAM_DIR), e);
        }
        List<Long> indexes = listed.blocks();
        boolean legacyIndexes = listed.hasLegacyIndexes();
        List<BlockWork.Task<Scanned>> tasks = new ArrayList<>(indexes.size());
        for (long idx : indexes) {
            tasks.add(new BlockScanTask(s, idx, legacyIndexes));
        }
        List<Scanned> results = s.ctx.blockWork().all(tasks);
        List<Tombstone> tombs = new ArrayList<>();
        SearchedBlockOrder order = line == ServerLine.V2_10 ? new SearchedBlockOrder() : null;
        for (Scanned r : results) {
            BlockScan merged = merge(s, r, tombs, line);
            if (order != null && r.legacy() == null) {
                order.add(merged);
            }
        }
        for (Scanned r : results) {
            if (r.rebuiltUnderLegacy() != null) {
                RemovedByLegacyIndex.apply(s, r.scan().index(), r.rebuiltUnderLegacy());
            }
        }
        Problem outOfOrder = order == null ? null : order.problem(s.msgsDir);
        if (outOfOrder != null) {
            s.problems.add(outOfOrder);
        }
        if (line == ServerLine.V2_10) {
            for (String name : listed.blockLookalikes()) {
                s.problems.add(Problem.warning(s.msgsDir.resolve(name), "nats-server 2.10.x takes this file for block "
                        + BlockFiles.lookalikeIndexOf(name) + " (its fmt.Sscanf(\"%d.blk\") ignores what follows) and reads its "
                        + "records a second time when it rebuilds; jetstart passes over it: move it out of msgs/ before 2.10 starts"));
            }
        }
        // Step 3: sequences never go backwards after a lost tail. A 2.9 .idx whose checksum is its
        // block's last is what nats-server 2.9 takes the block's state from, its last sequence
        // included; where the block's own records are damaged (and so rebuilt, stopping at the
        // damage), that last still stands: a flip in a block's first record left none, and the
        // runtime published 1 again (HostileStoreRuntimeTest, seed 31).
        String from = "index.db";
        for (Scanned r : results) {
            if (r.matchedLegacy() != null && r.matchedLegacy().lastSeq() > prior.lastSeq() && r.matchedLegacy().lastSeq() > s.lastSeq) {
                prior = Prior.standing(r.matchedLegacy().lastSeq(), r.matchedLegacy().lastTs());
                from = r.scan().index() + ".idx";
            }
        }
        boolean lost = lostData(s, results);
        if (prior.lastSeq() > s.lastSeq && !prior.standing() && !line.keepsIndexLastSeqWithoutLostData() && !lost) {
            // 2.10's newFileStoreWithCreated keeps the prior last only when fs.ld is set. A block cut at
            // a record boundary (a copy or a file system that kept whole records only) loses nothing
            // the rebuild can see, so 2.10.27 starts with the blocks' last and publishes the sequences
            // after it again (measured: MAX1 of the 2.10.27 fixture cut to 999 records, 2.15.1 keeps 1000).
            s.problems.add(Problem.warning(s.msgsDir, "last sequence " + prior.lastSeq() + " from index.db is beyond the blocks' "
                    + s.lastSeq + "; nats-server " + line + " starts with " + s.lastSeq + " (it keeps index.db's last only when its "
                    + "rebuild loses data, and the blocks end on whole records) and will use sequences " + (s.lastSeq + 1) + ".."
                    + prior.lastSeq() + " again; 2.11+ keep " + prior.lastSeq()).with(ServerAction.NONE));
        } else if (prior.lastSeq() > s.lastSeq) {
            // Above every block file, not only the blocks kept: one whose records were all unusable
            // is ignored but still there, and a marker of its index had the runtime remove it.
            long lastIndex = s.blocks.isEmpty() ? 0 : s.blocks.get(s.blocks.size() - 1).index;
            for (long listedIndex : indexes) {
                lastIndex = Math.max(lastIndex, listedIndex);
            }
            if (!lost && !prior.standing() && !line.writesTombstoneWithoutLostData()) {
                // 2.11.x and 2.12.0-2.12.4 write the tombstone only for fs.ld, like 2.10, but keep the last anyway.
                s.problems.add(Problem.warning(s.msgsDir, "last sequence " + prior.lastSeq() + " from " + from + " is beyond the "
                        + "blocks' " + s.lastSeq + "; kept (nats-server " + line + " keeps it without a tombstone: the rebuild lost "
                        + "no data; 2.12.5+ write one in a new block " + (lastIndex + 1) + ")").with(ServerAction.KEEP_LAST_SEQUENCE));
            } else {
                s.problems.add(Problem.warning(s.msgsDir, "last sequence " + prior.lastSeq() + " from " + from + " is beyond the blocks' "
                        + s.lastSeq + "; kept (nats-server writes a tombstone for it in a new block " + (lastIndex + 1) + ")")
                        .with(ServerAction.WRITE_TOMBSTONE));
            }
            s.lastSeq = prior.lastSeq();
            s.lastTs = prior.lastTs();
            if (s.msgs == 0) {
                s.firstSeq = s.lastSeq + 1;
                s.firstTs = 0;
            }
            BlockState marker = new BlockState(lastIndex + 1, null);
            marker.firstSeq = s.lastSeq + 1;
            marker.lastSeq = s.lastSeq;
            marker.lastTs = s.lastTs;
            s.blocks.add(marker);
        }
        applyTombstones(s, tombs);
    }

    /**
     * Whether the rebuild lost data as nats-server 2.10 counts it ({@code fs.ld}): a block whose
     * records end in damage (the server truncates it there, even where nothing after the cut parses
     * as a message), or a block index.db named that is gone (the fast path's {@link #loseBlock}).
     * Asked before the tombstones are applied: 2.10 decides before it reads them.
     */
    private static boolean lostData(StreamStore s, List<Scanned> results) {
        if (s.lostBytes > 0 || !s.lostSeqs.isEmpty()) {
            return true;
        }
        for (Scanned r : results) {
            if (r.legacy() == null && r.scan().problem() != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * One block's scan in a rebuild. A named class, not a lambda: a stream whose {@code index.db}
     * is lost is rebuilt on its way to being served, where a fresh JVM would spin a lambda's class
     * at run time (the package note).
     */
    private static final class BlockScanTask implements BlockWork.Task<Scanned> {
        private final StreamStore s;
        private final long idx;
        private final boolean legacyIndexes;

        BlockScanTask(StreamStore s, long idx, boolean legacyIndexes) {
            this.s = s;
            this.idx = idx;
            this.legacyIndexes = legacyIndexes;
        }

        @Override
        public Scanned run() throws StoreException, InterruptedException {
            return scanBlock(s, idx, legacyIndexes);
        }
    }

    private static Scanned scanBlock(StreamStore s, long idx, boolean legacyIndexes) throws StoreException, InterruptedException {
        Path file = BlockFiles.blockPath(s.msgsDir, idx);
        BlockBuffers.Lease[] lease = new BlockBuffers.Lease[1];
        try {
            int raw;
            try {
                raw = BlockFiles.readRaw(file, s.ctx.buffers(), lease, s.ctx.gate());
            } catch (IOException e) {
                // nats-server fails the whole store open here (and then deletes the stream directory).
                throw new StoreException(Problem.fatal(file, -1, "cannot read block: " + describe(e)).with(ServerAction.DELETE_STREAM_DIR), e);
            }
            // Decrypt, then decompress, as the server does (spec 3.8, 3.9): the envelope is encrypted too.
            s.decryptBlock(idx, lease[0].array(), raw);
            BlockFiles.BlockRead read;
            try {
                read = BlockFiles.decompress(file, lease[0], raw);
            } catch (CompressedBlockException e) {
                return undecodable(s, idx, file, e);
            }
            int len = read.length();
            byte[] buf = lease[0].array();
            BlockScan scan = new BlockScanner(s.name, s.ctx.hashes()).scan(idx, buf, len);
            List<Problem> problems = new ArrayList<>();
            // A 2.10+ store has no .idx at all: the listing says so, and no open per block fails.
            LegacyIndex[] mismatched = {null};
            LegacyIndex legacy = legacyIndexes ? trustedLegacyIndex(s, idx, buf, len, problems, mismatched) : null;
            // The .idx nats-server 2.9 takes (its checksum is the block's last) for a block whose own
            // records are damaged: the block was not cut, and the .idx's last sequence stands. Only
            // while its range fits in the block's bytes: where the records are intact they win over
            // the .idx, and an .idx claiming 2^40 sequences is no floor (HugeClaimsTest).
            LegacyIndex matched = legacy != null && scan.problem() != null
                    && legacy.lastSeq() - legacy.firstSeq() < len / Records.EMPTY_RECORD_LENGTH ? legacy : null;
            // A bad record the servers step over (its checksum only): they read the block through the
            // .idx and serve every other message, so the .idx stands, less what cannot be served.
            LegacyBlockReadThroughIndex.Served through = legacy != null && scan.problem() != null
                    ? LegacyBlockReadThroughIndex.of(legacy, buf, len, s.ctx.hashes().forBlock(s.name, idx)) : null;
            Map<String, Long> subjects = scan.subjects();
            LegacyIndex takenByServer = legacy != null ? legacy : mismatched[0];
            if (through != null) {
                legacy = through.index();
                subjects = through.subjects();
            } else if (legacy != null) {
                subjects = legacySubjects(s, idx, buf, len, scan, legacy, problems);
                if (subjects == null) {
                    legacy = null;
                    subjects = scan.subjects();
                }
            }
            // The .idx 2.9 takes (its checksum is the block's) but jetstart does not, with a last
            // sequence past the block's last record and no record damaged: 2.9.10 reports that last
            // and publishes after it (DamagedLegacyBlockOnServerIT: LIM1's .idx made to say 1005 over
            // records 1..1000 reports 990 messages, last 1005), so the last stands as after a lost
            // tail (step 3); a repair that removes the .idx keeps it with an empty block.
            LegacyIndex lastStands = matched;
            if (lastStands == null && legacy == null && takenByServer != null && mismatched[0] == null
                    && takenByServer.lastSeq() > scan.lastSeq()
                    && takenByServer.lastSeq() - takenByServer.firstSeq() < len / Records.EMPTY_RECORD_LENGTH) {
                lastStands = takenByServer;
            }
            s.ctx.progress().blockScanned(idx, read.fileLength(), scan.recordsVerified());
            // Only a damaged block is walked past its damage (rare; the copy is bounded by the block).
            // A damaged block whose last 8 bytes are still its 2.9 .idx's checksum was not cut: its
            // tail record follows the damage even where the walk cannot step over it (a flipped
            // length), and nats-server 2.9 serves it; removed as emptied, it took 2.9.10's INT1
            // 302..1000 with it (HostileStoreRuntimeTest, seed 32).
            boolean past = scan.problem() != null && (matched != null
                    || RecordsPastDamage.highestSeq(new BlockScanner(s.name, s.ctx.hashes()), idx, buf, len, scan) > 0);
            // The .idx nats-server 2.9 reads but jetstart rebuilt the block in place of (2.9's own
            // rebuild after a checksum mismatch keeps it too): its first sequence and listed deletes
            // still stand (RemovedByLegacyIndex).
            LegacyIndex rebuiltUnder = legacy == null ? takenByServer : null;
            return new Scanned(scan, legacy, subjects, read.fileLength(), read.decompressed(), problems, past, lastStands, through,
                    rebuiltUnder);
        } finally {
            if (lease[0] != null) {
                lease[0].close();
            }
        }
    }

    /**
     * A compressed block that does not decode counts as a block holding nothing, which is what
     * nats-server 2.10.x reaches: its {@code recoverMsgBlock} ignores the rebuild error, finds no
     * first sequence and removes the block (2.11+ fail the stream's open instead). 2.10.x makes such
     * blocks itself: its secure erase writes the plaintext record into the compressed file (spec
     * 3.8). We keep the file, and report it as damage with the offset where decoding stopped.
     */
    private static Scanned undecodable(StreamStore s, long idx, Path file, CompressedBlockException e) {
        BlockScan empty = new BlockScanner(s.name, s.ctx.hashes()).scan(idx, new byte[0], 0);
        long length = e.fileLength();
        Problem p = Problem.damage(file, e.offset(), "compressed block does not decode: " + e.reason() + "; its "
                + length + " bytes are unreadable and its messages are not counted (nats-server 2.10 drops and deletes"
                + " the block, 2.11+ fail the stream)").with(ServerAction.DELETE_BLOCK);
        s.ctx.progress().blockScanned(idx, length, 0);
        return new Scanned(empty, null, Map.of(), length, true, new ArrayList<>(List.of(p)), false, null, null, null);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /**
     * A 2.9 {@code <n>.idx} is used only when it agrees with the block (spec 4.5 step 4.5): the
     * block is empty and the index says 0 messages, or the index's checksum equals the block's last
     * 8 bytes. It is never required. In an encrypted stream it is sealed with its block's key
     * ({@link io.jetstart.core.crypto.BlockKeystream#openLegacyIndex}) and opened before it is decoded.
     * One that decodes but does not agree is put in {@code mismatched}: 2.9's rebuild keeps its first
     * sequence and delete map. One that fails after its first sequence puts that first sequence
     * there ({@link LegacyIndex#readUpToFirstSeq}): 2.9's rebuild keeps it too.
     */
    private static LegacyIndex trustedLegacyIndex(StreamStore s, long idx, byte[] buf, int len, List<Problem> problems,
                                                  LegacyIndex[] mismatched) throws StoreException, InterruptedException {
        Path file = s.msgsDir.resolve(idx + ".idx");
        byte[] bytes;
        try {
            bytes = BlockFiles.readSmallFile(file, MAX_LEGACY_INDEX_BYTES, s.ctx.gate());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            problems.add(Problem.warning(file, "legacy index unreadable, ignored: " + e.getMessage()).with(ServerAction.REBUILD));
            return null;
        }
        // The block's key file opened already (its records were decrypted with it), so this fails no stream.
        java.util.Optional<io.jetstart.core.crypto.BlockKeystream> sealedBy = s.blockKeystream(idx);
        if (sealedBy.isPresent()) {
            try {
                bytes = sealedBy.get().openLegacyIndex(file, bytes);
            } catch (DecryptionException e) {
                // 2.9.10's readIndexInfo returns the Open error, and the block is rebuilt from its
                // records and its .idx written again: its deletes are lost, as they are here.
                problems.add(Problem.warning(file, "legacy index ignored: " + e.reason() + "; block rebuilt from its records instead")
                        .with(ServerAction.REBUILD));
                return null;
            }
        }
        LegacyIndex li;
        try {
            li = LegacyIndexCodec.decode(bytes);
        } catch (FormatException e) {
            // 2.9's reader has set the block's first sequence when the file fails after it (short, or
            // its accounting inconsistent), and its rebuild skips the records below it: so do we
            // (RemovedByLegacyIndex), or a short .idx would bring back what moved its first up.
            long first = LegacyIndexCodec.firstSeqBeforeFailure(bytes);
            problems.add(new Problem(Problem.Severity.WARNING, file, e.offset(), "legacy index ignored: " + e.reason()
                    + "; block rebuilt from its records" + (first > 0 ? " from sequence " + first
                    + ", the first sequence nats-server 2.9 reads before the failure" : ""), ServerAction.DELETE_INDEX));
            if (first > 0) {
                mismatched[0] = LegacyIndex.readUpToFirstSeq(first);
            }
            return null;
        }
        byte[] lchk = len >= 8 ? Arrays.copyOfRange(buf, len - 8, len) : new byte[0];
        boolean agrees = (len == 0 && li.msgs() == 0) || Arrays.equals(li.lastChecksum(), lchk);
        if (!agrees) {
            problems.add(Problem.warning(file, "legacy index does not match the block's last checksum; block rebuilt instead")
                    .with(ServerAction.REBUILD));
            mismatched[0] = li;
            return null;
        }
        return li;
    }

    /**
     * The per-subject counts of a block whose {@code .idx} is trusted, or null when the {@code .idx}
     * does not describe the block's records after all.
     *
     * <p>nats-server 2.9/2.10 trust an {@code .idx} whose checksum matches the block's last 8 bytes
     * without reading the block, so damage before the tail, or a flipped count, delete or byte total
     * in the unchecksummed {@code .idx}, goes unseen and the server reports messages it cannot read.
     * We read the block anyway (for the subjects), so we use what we see: a block with a bad record,
     * an {@code .idx} delete outside its own range, or message/byte totals that differ from the
     * records the {@code .idx} keeps make us rebuild the block from its records, and say why.
     */
    private static Map<String, Long> legacySubjects(StreamStore s, long idx, byte[] buf, int len, BlockScan scan,
                                                    LegacyIndex legacy, List<Problem> problems) {
        Path file = s.msgsDir.resolve(idx + ".idx");
        if (scan.problem() != null) {
            problems.add(Problem.warning(file, "legacy index not used: its block has a bad record at offset "
                    + scan.problem().offset() + "; block rebuilt from its records instead").with(ServerAction.TRUSTS_INDEX));
            return null;
        }
        long[] outside = {0};
        legacy.deleted().forEach(seq -> {
            if (seq < legacy.firstSeq() || seq > legacy.lastSeq()) {
                outside[0]++;
            }
        });
        // Go's reader takes a delete list cut short (a 0 entry or the file's end stops it), so the
        // .idx may declare more deletes than it lists. Its header still adds up, and where the lost
        // deletes are erased records the block's totals agree too; but every sequence of its range
        // it does not list is taken as live, and a read of one finds no message. So the count of
        // those sequences must be the count of messages the block keeps.
        long listedLive = legacy.lastSeq() - legacy.firstSeq() + 1 - (legacy.deleted().size() - outside[0]);
        Map<String, Long> counts = new HashMap<>();
        long[] kept = {0, 0};
        new BlockScanner(s.name, s.ctx.hashes()).forEachMessage(idx, buf, len, (seq, ts, b, so, sl, ho, hl, po, pl, rl) -> {
            if (seq >= legacy.firstSeq() && seq <= legacy.lastSeq() && !legacy.deleted().contains(seq)) {
                kept[0]++;
                kept[1] += rl;
                if (sl > 0) {
                    counts.merge(new String(b, so, sl, java.nio.charset.StandardCharsets.UTF_8), 1L, Long::sum);
                }
            }
        });
        // With the last checksums equal, the block's last record is the one the .idx was written
        // after, so the .idx cannot name a later sequence (a 2.9 removal leaves the record in place).
        // But an empty block may: 2.9.10 leaves a block it emptied (its first record's damage cut
        // away) as 0 bytes and an .idx saying first last + 1, which keeps the stream's last sequence,
        // and a repair writes that shape where it cut away the .idx's last (RepairPlanner).
        boolean emptied = len == 0 && legacy.msgs() == 0 && legacy.bytes() == 0 && legacy.firstSeq() == legacy.lastSeq() + 1
                && legacy.deleted().size() == 0;
        if (outside[0] > 0 || kept[0] != legacy.msgs() || kept[0] != listedLive || kept[1] != legacy.bytes()
                || legacy.lastSeq() > scan.lastSeq() && !emptied) {
            problems.add(Problem.warning(file, "legacy index does not match its block (index: " + legacy.msgs()
                    + " msgs, " + legacy.bytes() + " bytes, last seq " + legacy.lastSeq() + ", "
                    + legacy.deleted().size() + " of " + legacy.dmapLength() + " declared deletes listed, " + outside[0]
                    + " deletes outside " + legacy.firstSeq() + ".." + legacy.lastSeq() + "; block records: " + kept[0]
                    + " msgs, " + kept[1] + " bytes kept, last seq " + scan.lastSeq() + "); block rebuilt from its records instead")
                    .with(ServerAction.TRUSTS_INDEX));
            return null;
        }
        return counts;
    }

    /** Spec 4.5 step 2.4: add one recovered block to the stream; returns its scan as {@code line} takes it. */
    private static BlockScan merge(StreamStore s, Scanned r, List<Tombstone> tombs, ServerLine line) {
        BlockScan scan = TombstoneOnlyBlock.asLine(r.scan(), line);
        Path file = BlockFiles.blockPath(s.msgsDir, scan.index());
        BlockState b = new BlockState(scan.index(), file);
        s.problems.addAll(r.problems());
        b.fileLength = r.fileLength();
        s.bytesRead += r.fileLength();
        s.recordsVerified += scan.recordsVerified();
        if (r.legacy() != null) {
            LegacyIndex li = r.legacy();
            b.with(li.firstSeq(), li.firstTs(), li.lastSeq(), li.lastTs(), li.msgs(), li.bytes(), li.deleted());
            LegacyBlockReadThroughIndex.Served through = r.readThrough();
            if (through != null) {
                // Never removed as emptied nor purged whole: the block is what the servers read.
                b.recordsPastDamage = true;
                b.readBySlot = true;
                long[] lowest = {0};
                through.unreadable().forEach(seq -> {
                    s.lostSeqs.add(seq);
                    lowest[0] = lowest[0] == 0 ? seq : Math.min(lowest[0], seq);
                });
                s.lostBytes += through.unreadableBytes();
                s.problems.add(Problem.damage(file, scan.problem().offset(), scan.problem().reason() + "; "
                        + (through.unreadable().size() == 0 ? "no message the .idx counts is in a bad record"
                        : through.unreadable().size() + " message(s) the .idx counts cannot be read (from " + lowest[0] + ")")
                        + "; nats-server reads the block through its .idx and serves every other message, the file "
                        + "left as it is (2.9.10 still counts the unreadable ones and answers no message for them)")
                        .with(ServerAction.NONE));
            }
        } else {
            b.with(scan.firstSeq(), scan.firstTs(), scan.lastSeq(), scan.lastTs(), scan.msgs(), scan.bytes(), scan.deleted());
            b.ttls = scan.ttls();
            b.ttlsCounted = true;
            b.schedules = scan.schedules();
            b.schedulesCounted = true;
            b.validLength = scan.validLength();
            if (scan.problem() != null) {
                b.endsInDamage = true;
                b.recordsPastDamage = r.recordsPastDamage();
                s.lostBytes += scan.problem().lostBytes();
                s.problems.add(Problem.damage(file, scan.problem().offset(), scan.problem().reason() + "; "
                        + scan.problem().lostBytes() + " bytes after it are unreadable " + (r.decompressed()
                        ? "(offsets are in the decompressed block; nats-server would write it back uncompressed, cut here)"
                        : "(nats-server would truncate the file here)"))
                        // A cut at a plaintext offset must not be applied to the compressed file: the server
                        // rewrites such a block whole, which the repair does not do (yet).
                        .with(r.decompressed() ? ServerAction.REBUILD : ServerAction.TRUNCATE_BLOCK));
            }
            tombs.addAll(scan.tombstones());
        }
        if (b.firstSeq == 0 && b.recordsPastDamage) {
            // Damaged before its first usable record, but whole messages follow the damage: kept as
            // an empty block that ends in damage, so that nothing removes it as emptied and no
            // sequence it holds is reused (a flip in a 2.9 block's first record: HostileStoreRuntimeTest,
            // seed 31; ignored, the block was a stray the runtime's next purge removed).
            b.firstSeq = s.lastSeq + 1;
            b.firstTs = 0;
            b.lastSeq = s.lastSeq;
            b.lastTs = s.lastTs;
            s.blocks.add(b);
            return scan;
        }
        if (b.firstSeq == 0) {
            s.problems.add(Problem.warning(file, "block holds no usable record (nats-server would delete it); ignored")
                    .with(ServerAction.DELETE_BLOCK));
            return scan;
        }
        if (s.msgs == 0) {
            s.firstSeq = 0;
            s.firstTs = 0;
            s.lastSeq = 0;
            s.lastTs = 0;
        }
        if (s.firstSeq == 0 || (b.firstSeq < s.firstSeq && b.firstTs != 0)) {
            s.firstSeq = b.firstSeq;
            s.firstTs = b.firstTs;
        }
        if (b.lastSeq >= s.lastSeq) {
            s.lastSeq = b.lastSeq;
            s.lastTs = b.lastTs;
        }
        s.msgs += b.msgs;
        s.bytes += b.bytes;
        if (b.msgs == 0) {
            b.firstSeq = s.lastSeq + 1;
            b.firstTs = 0;
            b.lastSeq = s.lastSeq;
            b.lastTs = s.lastTs;
        }
        if (s.tracksSubjects && b.msgs > 0) {
            for (Map.Entry<String, Long> e : r.subjects().entrySet()) {
                SubjectTotals t = s.psim.get(e.getKey());
                if (t == null) {
                    s.psim.put(e.getKey(), new SubjectTotals(e.getValue(), b.index, b.index));
                } else {
                    t.total += e.getValue();
                    t.lastBlock = Math.max(t.lastBlock, b.index);
                }
            }
        }
        s.blocks.add(b);
        return scan;
    }

    /**
     * Spec 4.5 step 7: each tombstone removes its message if it still exists in any block (even
     * the tombstone's own block), without writing anything, and clears it from lost data.
     */
    private static void applyTombstones(StreamStore s, List<Tombstone> tombs) throws StoreException, InterruptedException {
        if (tombs.isEmpty()) {
            return;
        }
        Map<BlockState, SequenceSet> byBlock = new java.util.LinkedHashMap<>();
        for (Tombstone t : tombs) {
            s.lostSeqs.remove(t.seq());
            BlockState b = s.blockFor(t.seq());
            if (b != null && b.isLive(t.seq())) {
                byBlock.computeIfAbsent(b, k -> new SequenceSet()).add(t.seq());
            }
        }
        for (Map.Entry<BlockState, SequenceSet> e : byBlock.entrySet()) {
            SequenceSet targets = e.getValue();
            s.remove(List.of(e.getKey()), (seq, ts, subject, rl) ->
                    targets.contains(seq) ? StreamStore.Decision.REMOVE : StreamStore.Decision.KEEP);
        }
    }
}
