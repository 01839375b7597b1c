package io.jetstart.core.write;

import io.jetstart.core.compress.BlockCompression;
import io.jetstart.core.format.IndexDb;
import io.jetstart.core.format.IndexDbCodec;
import io.jetstart.core.format.MessageSchedule;
import io.jetstart.core.format.MessageTtl;
import io.jetstart.core.format.Records;
import io.jetstart.core.format.SequenceSet;
import io.jetstart.core.hash.RecordHash;
import io.jetstart.core.hash.RecordHashes;
import io.jetstart.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends messages to a new stream's {@code msgs/} directory the way nats-server lays them out,
 * then writes {@code index.db} naming exactly what is on disk.
 *
 * <p>Design note: a block is assembled in memory and written (and fsynced) whole when it rolls, so
 * a crash leaves whole blocks and no {@code index.db}: the next start rebuilds, never trusts a
 * state that the blocks do not hold. Rolling follows nats-server: a new block starts when the
 * current one is non-empty and {@code rbytes + rl > blockSize}. Not thread-safe; one writer per
 * stream.
 *
 * <p>With {@code compress}, a block is written S2-compressed when it is sealed by the roll to the
 * next one, inside nats-server's {@code cmp} envelope ({@link BlockCompression}), as the server
 * leaves the sealed blocks of a {@code compression: s2} stream; the last (write) block stays plain,
 * as the server's does, because blocks are only ever appended to in plaintext.
 */
public final class StreamWriter implements AutoCloseable {
    public static final int DEFAULT_BLOCK_SIZE = 8 << 20;

    private final Path msgsDir;
    private final String stream;
    private final int blockSize;
    private final int indexVersion;
    private final boolean compress;
    private final List<IndexDb.Block> sealed = new ArrayList<>();
    private final Map<String, long[]> psim = new LinkedHashMap<>();
    private byte[] buf;
    private int len;
    private long blockIndex;
    private RecordHash hash;
    private long blockFirstSeq;
    private long blockFirstTs;
    private long blockBytes;
    /** The block's messages with a {@code Nats-TTL}, for its {@code index.db} v2+ entry. */
    private long blockTtls;
    /** The block's messages with a {@code Nats-Schedule}, for its {@code index.db} v3+ entry. */
    private long blockSchedules;
    private long seq;
    private long lastTs;
    private long firstTs;
    private long msgs;
    private long bytes;
    private byte[] lastChecksum = new byte[8];
    private boolean closed;

    public StreamWriter(Path streamDir, String stream, int blockSize, int indexVersion) throws IOException {
        this(streamDir, stream, blockSize, indexVersion, false);
    }

    /** As above; {@code compress} writes every sealed block S2-compressed (see the class note). */
    public StreamWriter(Path streamDir, String stream, int blockSize, int indexVersion, boolean compress) throws IOException {
        if (blockSize < 1024 || blockSize > 8 << 20) {
            throw new IllegalArgumentException("block size must be 1 KiB..8 MiB, got " + blockSize);
        }
        if (indexVersion < IndexDbCodec.MIN_VERSION || indexVersion > IndexDbCodec.MAX_VERSION) {
            throw new IllegalArgumentException("index.db version must be 1..4, got " + indexVersion);
        }
        this.msgsDir = streamDir.resolve("msgs");
        this.stream = stream;
        this.blockSize = blockSize;
        this.indexVersion = indexVersion;
        this.compress = compress;
        Files.createDirectories(msgsDir);
        this.buf = new byte[Math.min(blockSize, 1 << 20)];
        startBlock(1);
    }

    private void startBlock(long index) {
        blockIndex = index;
        hash = RecordHashes.forBlock(stream, index);
        len = 0;
        blockFirstSeq = 0;
        blockFirstTs = 0;
        blockBytes = 0;
        blockTtls = 0;
        blockSchedules = 0;
    }

    /** Appends one message with the next sequence; returns that sequence. */
    public long append(byte[] subject, byte[] headers, byte[] payload, long ts) throws IOException {
        return appendAt(seq + 1, subject, headers, payload, ts);
    }

    /**
     * Appends one message with sequence {@code at}, above every earlier one; the sequences skipped
     * are deleted ones, as in a block the server compacted (no record for them). A stream written
     * with gaps must be closed with {@link #closeWithoutIndex()}: this writer's {@code index.db}
     * names no deleted sequences, so the blocks are the state and every reader rebuilds from them.
     */
    public long appendAt(long at, byte[] subject, byte[] headers, byte[] payload, long ts) throws IOException {
        if (at <= seq) {
            throw new IllegalArgumentException("sequence " + at + " is not above the last one written, " + seq);
        }
        int hl = headers == null ? 0 : headers.length;
        int rl = Records.messageLength(subject.length, hl, payload.length);
        if (len > 0 && len + rl > blockSize) {
            sealBlock(compress);
            startBlock(blockIndex + 1);
        }
        ensure(rl);
        seq = at;
        long s = at;
        Records.writeMessage(buf, len, hash, s, ts, subject, headers, payload);
        len += rl;
        if (blockFirstSeq == 0) {
            blockFirstSeq = s;
            blockFirstTs = ts;
        }
        if (firstTs == 0) {
            firstTs = ts;
        }
        lastTs = ts;
        blockBytes += rl;
        if (hl > 0 && MessageTtl.present(headers, 0, hl)) {
            // Counted as a rebuild counts it: nats-server 2.11+ times again only the TTL messages of
            // blocks counted not 0, so a 0 here kept an unpacked TTL stream's messages for ever.
            blockTtls++;
        }
        if (hl > 0 && MessageSchedule.present(headers, 0, hl)) {
            // The same for schedules: without sched.db (this writer writes none) 2.12+ rebuilds its
            // scheduler only from blocks counted not 0, so a 0 here dropped every pending schedule
            // (measured with 2.15.1: docs/format-notes.md, "Schedule counts").
            blockSchedules++;
        }
        msgs++;
        bytes += rl;
        if (subject.length > 0) {
            long[] t = psim.computeIfAbsent(new String(subject, StandardCharsets.UTF_8), k -> new long[] {0, blockIndex, blockIndex});
            t[0]++;
            t[2] = blockIndex;
        }
        return s;
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(Math.min(blockSize, buf.length * 2), len + extra));
        }
    }

    private void sealBlock(boolean compressed) throws IOException {
        Path file = msgsDir.resolve(blockIndex + ".blk");
        byte[] out = buf;
        int outLen = len;
        if (compressed && len >= BlockCompression.TAIL) {
            out = BlockCompression.compress(buf, 0, len);
            outLen = out.length;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer bb = ByteBuffer.wrap(out, 0, outLen);
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
            ch.force(true);
        }
        if (len >= 8) {
            lastChecksum = Arrays.copyOfRange(buf, len - 8, len);
        }
        long lastSeqOfBlock = blockFirstSeq == 0 ? seq : seq;
        long first = blockFirstSeq == 0 ? seq + 1 : blockFirstSeq;
        sealed.add(new IndexDb.Block(blockIndex, blockBytes, first, blockFirstTs, lastSeqOfBlock,
                blockFirstSeq == 0 ? 0 : lastTs, blockTtls, blockSchedules, new SequenceSet()));
    }

    public long lastSeq() {
        return seq;
    }

    public long messages() {
        return msgs;
    }

    /** Writes the last block and no {@code index.db}: readers rebuild the state from the blocks. */
    public void closeWithoutIndex() throws IOException {
        if (!closed) {
            closed = true;
            sealBlock(false);
        }
    }

    /** Writes the last block and then {@code index.db}. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        sealBlock(false);
        List<IndexDb.Subject> subjects = new ArrayList<>(psim.size());
        psim.forEach((k, v) -> subjects.add(new IndexDb.Subject(k, v[0], v[1], v[2])));
        IndexDb state = new IndexDb(indexVersion, msgs, bytes, msgs == 0 ? 0 : 1, firstTs, seq, lastTs, subjects,
                List.copyOf(sealed), blockIndex, lastChecksum);
        AtomicFiles.write(msgsDir.resolve("index.db"), IndexDbCodec.encode(stream, state, indexVersion));
    }
}
