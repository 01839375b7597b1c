package io.jetstart.core.format;

import io.jetstart.core.hash.HashKeys;
import io.jetstart.core.hash.HighwayHash64;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code msgs/index.db}: the whole stream state in one file, versions 1–4 (spec §4.1; Go
 * {@code filestore.go: _writeFullState, recoverFullState}).
 *
 * <pre>
 *   u8 magic 11 | u8 version 1..4
 *   uvarint Msgs | uvarint Bytes | uvarint FirstSeq | varint FirstTs (= baseTime)
 *   uvarint LastSeq | varint LastTs
 *   uvarint numSubjects
 *     { uvarint len | subject | uvarint total | uvarint fblk | [uvarint lblk] }   lblk: v4 always,
 *                                                                                 v1-3 iff total > 1
 *   uvarint numBlocks
 *     { uvarint index | uvarint bytes | uvarint firstSeq | varint firstTs - baseTime
 *       | uvarint lastSeq | varint lastTs - baseTime | uvarint numDeleted
 *       | [uvarint ttls] (v2+) | [uvarint schedules] (v3+)
 *       | [AVL SequenceSet] (iff numDeleted > 0, see SequenceSetCodec) }
 *   uvarint lastBlockIndex | 8 bytes lastChecksum
 *   ---------------------------------------------------------------- trailer
 *   8 bytes HH64(sha256(streamName), all bytes above), little-endian
 * </pre>
 *
 * <p>Design note: the file is a snapshot written at clean stop so a restart need not read any
 * message; everything is varint-coded against nothing but the stream's first time, so a single
 * bad byte is caught by the trailer, not by parsing. Decoding checks in nats-server's order
 * (§4.4 steps 3–9) and uses its warning texts, so an operator sees the same reason either way.
 * Where Go silently accepts something it could not have written (a block index above uint32,
 * a dmap whose size differs from {@code numDeleted}, bytes after the last checksum) we report it,
 * because the caller then takes the safe slow path. An encrypted {@code index.db} cannot be
 * decoded here: its body is AEAD-sealed and fails the magic check.
 */
public final class IndexDbCodec {
    public static final int MAGIC = 11;
    public static final int MIN_VERSION = 1;
    public static final int MAX_VERSION = 4;
    /** nats-server 2.12 rejects version 4; 2.14+ reads version 3. */
    public static final int DEFAULT_WRITE_VERSION = 3;
    /** Go's {@code recoverFullState} rejects anything shorter. */
    public static final int MIN_FILE_LENGTH = 32;
    public static final int TRAILER_LENGTH = 8;

    private static final long UINT32_MAX = 0xffff_ffffL;

    private IndexDbCodec() {
    }

    /**
     * Whether {@link #encode} writes {@code subject}: any subject nats-server stores a message on.
     * That is what {@link #decode} accepts (no empty token, no whitespace, no NUL or U+FFFD, not
     * empty) and also a {@code >} token before the last one: nats-server stores a publish on
     * {@code a.>.b} to a stream on {@code a.>} and writes the subject into its {@code index.db},
     * whose reader (and {@link #decode}) then rejects the file, so the stream is rebuilt from its
     * blocks, message included (2.10.27 and 2.15.1).
     */
    public static boolean canHold(String subject) {
        return Subjects.isStorable(subject);
    }

    /** Decodes a plaintext {@code index.db} of stream {@code streamName}. */
    public static IndexDb decode(String streamName, byte[] file) throws FormatException {
        checkTrailer(streamName, file);
        return decodeBody(file, file.length - TRAILER_LENGTH);
    }

    /**
     * Steps 3 and 4 on the file as stored: long enough, and its trailer is the HH64 of everything
     * before it (for an encrypted stream, of the sealed body: the server hashes what it writes).
     */
    public static void checkTrailer(String streamName, byte[] file) throws FormatException {
        // Step 3.
        if (file.length < MIN_FILE_LENGTH) {
            throw new FormatException(-1, "Stream state too short (" + file.length + " bytes)");
        }
        // Step 4.
        int bodyLength = file.length - TRAILER_LENGTH;
        long stored = LittleEndian.u64(file, bodyLength);
        long computed = new HighwayHash64(HashKeys.forStream(streamName)).hash(file, 0, bodyLength);
        if (stored != computed) {
            throw new FormatException(bodyLength, "Stream state checksum did not match (stored "
                    + hexLE(stored) + ", computed " + hexLE(computed) + ")");
        }
    }

    /**
     * The version in the header of a plaintext body {@code body[0, length)} (the first two bytes of a
     * plain {@code index.db}, the first two of an encrypted one's opened seal), or 0 when they are not
     * an {@code index.db}'s: short, another magic, or a version this codec does not read.
     */
    public static int headerVersion(byte[] body, int length) {
        if (length < 2 || (body[0] & 0xff) != MAGIC) {
            return 0;
        }
        int version = body[1] & 0xff;
        return version >= MIN_VERSION && version <= MAX_VERSION ? version : 0;
    }

    /**
     * Steps 6 on: the plaintext body {@code file[0, bodyLength)}, its trailer already checked by
     * {@link #checkTrailer} (step 5, decryption, is the caller's: see {@code core.crypto}).
     */
    public static IndexDb decodeBody(byte[] file, int bodyLength) throws FormatException {
        if (bodyLength < 2) {
            throw new FormatException(0, "Stream state body of " + bodyLength + " bytes has no magic and version");
        }
        // Step 6.
        ByteReader in = new ByteReader(file, 0, bodyLength);
        int magic = file[0] & 0xff;
        int version = file[1] & 0xff;
        if (magic != MAGIC || version < MIN_VERSION || version > MAX_VERSION) {
            throw new FormatException(0, "Stream state magic and version mismatch (expected magic " + MAGIC
                    + " and version " + MIN_VERSION + ".." + MAX_VERSION + ", found magic " + magic
                    + " and version " + version + ")");
        }
        in.skip(2, "header");
        // Step 7. A varint error here makes Go read zeros until step 9, which then reports the
        // missing checksum; we stop at once with the same text and the real cause.
        long msgs = summary(in, "Msgs", false);
        long bytes = summary(in, "Bytes", false);
        long firstSeq = summary(in, "FirstSeq", false);
        long baseTime = summary(in, "FirstTs", true);
        long lastSeq = summary(in, "LastSeq", false);
        long lastTs = summary(in, "LastTs", true);
        List<IndexDb.Subject> subjects = readSubjects(in, version);
        // Step 8.
        List<IndexDb.Block> blocks = readBlocks(in, version, baseTime);
        // Step 9.
        long lastBlockIndex = summary(in, "lastBlockIndex", false);
        if (in.remaining() < IndexDb.CHECKSUM_LENGTH) {
            throw new FormatException(in.position(), "Stream state has no checksum present (need "
                    + IndexDb.CHECKSUM_LENGTH + " bytes for the last block checksum, " + in.remaining() + " remain)");
        }
        byte[] lastChecksum = in.bytes(IndexDb.CHECKSUM_LENGTH, "last checksum");
        if (Long.compareUnsigned(lastBlockIndex, UINT32_MAX) > 0) {
            throw new FormatException(in.position(), "Stream state last block index " + Long.toUnsignedString(lastBlockIndex)
                    + " exceeds the uint32 block index range");
        }
        if (in.hasRemaining()) {
            throw new FormatException(in.position(), "Stream state has " + in.remaining()
                    + " unexpected bytes after the last block checksum");
        }
        return new IndexDb(version, msgs, bytes, firstSeq, baseTime, lastSeq, lastTs, subjects, blocks,
                lastBlockIndex, lastChecksum);
    }

    private static long summary(ByteReader in, String what, boolean signed) throws FormatException {
        try {
            return signed ? in.varint(what) : in.uvarint(what);
        } catch (FormatException e) {
            throw new FormatException(e.offset(), "Stream state has no checksum present (" + e.reason() + ")");
        }
    }

    private static List<IndexDb.Subject> readSubjects(ByteReader in, int version) throws FormatException {
        long numSubjects = summary(in, "numSubjects", false);
        // A hostile count must not size the list: a kept entry takes at least 4 bytes.
        List<IndexDb.Subject> subjects = new ArrayList<>(capacity(numSubjects, in.remaining() / 4));
        for (long i = 0; Long.compareUnsigned(i, numSubjects) < 0; i++) {
            int lengthAt = in.position();
            long length = summary(in, "subject length", false);
            if (length == 0) {
                // Go skips a zero length without reading the psi fields; so do we.
                continue;
            }
            if (Long.compareUnsigned(length, in.remaining()) > 0) {
                throw new FormatException(lengthAt, "Stream state bad subject len (" + Long.toUnsignedString(length)
                        + "): only " + in.remaining() + " bytes remain");
            }
            int subjectAt = in.position();
            String subject = Subjects.decodeValid(in.array(), subjectAt, (int) length);
            if (subject == null) {
                throw new FormatException(subjectAt, "Stream state corrupt subject detected ("
                        + HexFormat.of().formatHex(in.array(), subjectAt, subjectAt + (int) length) + ")");
            }
            in.skip((int) length, "subject");
            long total = summary(in, "subject total", false);
            long firstBlock = summary(in, "subject first block", false);
            long lastBlock = version >= 4 || Long.compareUnsigned(total, 1) > 0 ? summary(in, "subject last block", false) : firstBlock;
            if (Long.compareUnsigned(firstBlock, UINT32_MAX) > 0 || Long.compareUnsigned(lastBlock, UINT32_MAX) > 0) {
                throw new FormatException(subjectAt, "Stream state subject '" + subject + "' block range "
                        + Long.toUnsignedString(firstBlock) + ".." + Long.toUnsignedString(lastBlock)
                        + " exceeds the uint32 block index range");
            }
            subjects.add(new IndexDb.Subject(subject, total, firstBlock, lastBlock));
        }
        return subjects;
    }

    private static List<IndexDb.Block> readBlocks(ByteReader in, int version, long baseTime) throws FormatException {
        long numBlocks = summary(in, "numBlocks", false);
        int minEntry = 7 + (version >= 2 ? 1 : 0) + (version >= 3 ? 1 : 0);
        // A hostile count must not size the list: an entry takes at least minEntry bytes.
        List<IndexDb.Block> blocks = new ArrayList<>(capacity(numBlocks, in.remaining() / minEntry));
        for (long i = 0; Long.compareUnsigned(i, numBlocks) < 0; i++) {
            blocks.add(readBlock(in, version, baseTime, i + 1, numBlocks));
        }
        return blocks;
    }

    /** Where a block entry's error is (built only for an error: a recovery reads thousands of good entries). */
    private static String blockEntry(long entry, long of) {
        return "Stream state block entry " + entry + " of " + Long.toUnsignedString(of);
    }

    private static IndexDb.Block readBlock(ByteReader in, int version, long baseTime, long entry, long of)
            throws FormatException {
        int entryAt = in.position();
        long index;
        long bytes;
        long firstSeq;
        long firstTs;
        long lastSeq;
        long lastTs;
        long numDeleted;
        long ttls = 0;
        long schedules = 0;
        try {
            index = in.uvarint("block index");
            bytes = in.uvarint("block bytes");
            firstSeq = in.uvarint("block first seq");
            firstTs = in.varint("block first ts") + baseTime;
            lastSeq = in.uvarint("block last seq");
            lastTs = in.varint("block last ts") + baseTime;
            numDeleted = in.uvarint("block numDeleted");
            if (version >= 2) {
                ttls = in.uvarint("block ttls");
            }
            if (version >= 3) {
                schedules = in.uvarint("block schedules");
            }
        } catch (FormatException e) {
            throw new FormatException(e.offset(), blockEntry(entry, of) + ": " + e.reason());
        }
        if (Long.compareUnsigned(index, UINT32_MAX) > 0) {
            throw new FormatException(entryAt, blockEntry(entry, of) + ": block index " + Long.toUnsignedString(index)
                    + " exceeds the uint32 block index range");
        }
        SequenceSet deleted = new SequenceSet();
        if (numDeleted != 0) {
            int dmapAt = in.position();
            try {
                deleted = SequenceSetCodec.decode(in);
            } catch (FormatException e) {
                throw new FormatException(e.offset(), "Stream state error decoding avl dmap: block entry " + entry
                        + " (block " + index + "): " + e.reason());
            }
            if (deleted.size() != numDeleted) {
                throw new FormatException(dmapAt, "Stream state error decoding avl dmap: block entry " + entry
                        + " (block " + index + ") declares numDeleted " + Long.toUnsignedString(numDeleted)
                        + " but its dmap holds " + deleted.size() + " sequences");
            }
        }
        return new IndexDb.Block(index, bytes, firstSeq, firstTs, lastSeq, lastTs, ttls, schedules, deleted);
    }

    /**
     * Encodes {@code state} as {@code version} (1..4) for stream {@code streamName}, trailer
     * included. Fields the version lacks are dropped: {@code ttls} below 2, {@code schedules}
     * below 3, and for versions 1–3 a subject's {@code lastBlock} when its total is at most 1 (the
     * reader then takes {@code firstBlock}). {@code state.version()} is not consulted.
     *
     * <p>A subject with {@code >} before its last token is written, as nats-server writes it
     * ({@link #canHold}); the server's reader and {@link #decode} then reject the file, and the
     * stream is rebuilt from its blocks, as the server's own store is.
     *
     * @throws IllegalArgumentException for a version outside 1..4, a subject no stored message can
     *                                  have ({@link #canHold}), a block index outside uint32, or a
     *                                  result shorter than the 32 bytes nats-server requires
     */
    public static byte[] encode(String streamName, IndexDb state, int version) {
        if (version < MIN_VERSION || version > MAX_VERSION) {
            throw new IllegalArgumentException("index.db version must be " + MIN_VERSION + ".." + MAX_VERSION + ", got " + version);
        }
        ByteWriter out = new ByteWriter(64 + 32 * state.subjects().size() + 40 * state.blocks().size());
        out.u8(MAGIC).u8(version);
        long baseTime = state.firstTs();
        out.uvarint(state.msgs()).uvarint(state.bytes()).uvarint(state.firstSeq()).varint(baseTime)
                .uvarint(state.lastSeq()).varint(state.lastTs());
        out.uvarint(state.subjects().size());
        for (IndexDb.Subject s : state.subjects()) {
            if (!Subjects.isStorable(s.subject())) {
                throw new IllegalArgumentException("subject '" + s.subject() + "' cannot be a stored message's (nats-server stores none)");
            }
            requireUint32(s.firstBlock(), "first block of subject " + s.subject());
            requireUint32(s.lastBlock(), "last block of subject " + s.subject());
            byte[] subject = s.subject().getBytes(StandardCharsets.UTF_8);
            out.uvarint(subject.length).bytes(subject).uvarint(s.total()).uvarint(s.firstBlock());
            if (version >= 4 || Long.compareUnsigned(s.total(), 1) > 0) {
                out.uvarint(s.lastBlock());
            }
        }
        out.uvarint(state.blocks().size());
        for (IndexDb.Block b : state.blocks()) {
            requireUint32(b.index(), "block index");
            out.uvarint(b.index()).uvarint(b.bytes()).uvarint(b.firstSeq()).varint(b.firstTs() - baseTime)
                    .uvarint(b.lastSeq()).varint(b.lastTs() - baseTime).uvarint(b.deleted().size());
            if (version >= 2) {
                out.uvarint(b.ttls());
            }
            if (version >= 3) {
                out.uvarint(b.schedules());
            }
            if (!b.deleted().isEmpty()) {
                SequenceSetCodec.encode(b.deleted(), out);
            }
        }
        requireUint32(state.lastBlockIndex(), "last block index");
        out.uvarint(state.lastBlockIndex()).bytes(state.lastChecksum());
        long trailer = new HighwayHash64(HashKeys.forStream(streamName)).hash(out.array(), 0, out.size());
        byte[] hash = new byte[TRAILER_LENGTH];
        HighwayHash64.putLE(trailer, hash, 0);
        out.bytes(hash);
        if (out.size() < MIN_FILE_LENGTH) {
            // Only a state without any block gets here, and nats-server needs its write block listed.
            throw new IllegalArgumentException("index.db of " + out.size() + " bytes would be rejected as shorter than "
                    + MIN_FILE_LENGTH + "; a state must list at least its write block");
        }
        return out.toByteArray();
    }

    /**
     * {@code body} with the HH64 trailer of stream {@code streamName} appended: how an encrypted
     * stream's {@code index.db} is stored, its sealed body hashed as written ({@code _writeFullState}).
     */
    public static byte[] withTrailer(String streamName, byte[] body) {
        long trailer = new HighwayHash64(HashKeys.forStream(streamName)).hash(body, 0, body.length);
        byte[] out = java.util.Arrays.copyOf(body, body.length + TRAILER_LENGTH);
        HighwayHash64.putLE(trailer, out, body.length);
        return out;
    }

    /** A list capacity for an unsigned count read from the file, never above {@code max}. */
    private static int capacity(long declared, int max) {
        return Long.compareUnsigned(declared, max) > 0 ? max : (int) declared;
    }

    private static void requireUint32(long v, String what) {
        if (Long.compareUnsigned(v, UINT32_MAX) > 0) {
            throw new IllegalArgumentException(what + " " + Long.toUnsignedString(v) + " exceeds uint32");
        }
    }

    /** The 8 hash bytes in file order, as hex (the form {@code meta.sum} uses). */
    static String hexLE(long h) {
        byte[] b = new byte[8];
        LittleEndian.putU64(b, 0, h);
        return HexFormat.of().formatHex(b);
    }
}
