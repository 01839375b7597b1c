package io.jetstart.core.format;

import io.jetstart.core.hash.HashKeys;
import io.jetstart.core.hash.HighwayHash64;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The nats-server 2.9 per-block {@code <n>.fss} file (spec §4.7; Go {@code v2.9.25
 * writePerSubjectInfo}, {@code loadPerSubjectInfo}, {@code readPerSubjectInfo}). Always plaintext.
 *
 * <pre>
 *   u8 magic 22 | u8 version 1 | uvarint count
 *   count x { uvarint subjLen | subject | uvarint msgs | uvarint first | uvarint last }
 *   8 bytes HH64(sha256("&lt;stream&gt;-&lt;n&gt;"), all bytes above), little-endian
 *   8 bytes lastChecksum (the block's last record checksum when written)
 * </pre>
 *
 * <p>Design note: the block's own hash key guards the content, and the copied {@code lchk} ties
 * the file to one state of the block, so a stale file is detected without reading the block.
 * 2.10+ never reads it; we decode it to report on 2.9 stores and to test our reading of them.
 * Go reads entries without bounds checks (a bad count would panic it); here every length is
 * checked and the entries must end exactly at the hash.
 */
public final class LegacySubjectStateCodec {
    public static final int MAGIC = 22;
    public static final int VERSION = 1;
    /** Go's {@code loadPerSubjectInfo} minimum. */
    public static final int MIN_FILE_LENGTH = 24;

    private LegacySubjectStateCodec() {
    }

    public static LegacySubjectState decode(String stream, long blockIndex, byte[] file) throws FormatException {
        if (file.length < MIN_FILE_LENGTH) {
            throw new FormatException(-1, "short fss state (" + file.length + " bytes, need " + MIN_FILE_LENGTH + ")");
        }
        if ((file[0] & 0xff) != MAGIC || file[1] != VERSION) {
            throw new FormatException(0, "short fss state: expected magic " + MAGIC + " version " + VERSION
                    + ", found magic " + (file[0] & 0xff) + " version " + (file[1] & 0xff));
        }
        int hashAt = file.length - 16;
        long stored = LittleEndian.u64(file, hashAt);
        long computed = new HighwayHash64(HashKeys.forBlock(stream, blockIndex)).hash(file, 0, hashAt);
        if (stored != computed) {
            throw new FormatException(hashAt, "corrupt fss state: checksum did not match (stored "
                    + IndexDbCodec.hexLE(stored) + ", computed " + IndexDbCodec.hexLE(computed) + ")");
        }
        ByteReader in = new ByteReader(file, 2, hashAt - 2);
        long count = in.uvarint("subject count");
        // An entry takes at least 4 bytes; a hostile count must not size the list.
        List<LegacySubjectState.Entry> entries = new ArrayList<>(
                Long.compareUnsigned(count, in.remaining() / 4) > 0 ? in.remaining() / 4 : (int) count);
        for (long i = 0; Long.compareUnsigned(i, count) < 0; i++) {
            int lengthAt = in.position();
            int length = in.length(in.uvarint("subject length"), "subject");
            String subject;
            try {
                subject = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(file, in.position(), length)).toString();
            } catch (CharacterCodingException e) {
                throw new FormatException(lengthAt, "fss subject " + (i + 1) + " is not valid UTF-8");
            }
            in.skip(length, "subject");
            entries.add(new LegacySubjectState.Entry(subject, in.uvarint("subject msgs"),
                    in.uvarint("subject first seq"), in.uvarint("subject last seq")));
        }
        if (in.hasRemaining()) {
            throw new FormatException(in.position(), "fss state has " + in.remaining()
                    + " unexpected bytes between the last entry and the checksum");
        }
        byte[] lastChecksum = new byte[8];
        System.arraycopy(file, file.length - 8, lastChecksum, 0, 8);
        return new LegacySubjectState(entries, lastChecksum);
    }

    public static byte[] encode(String stream, long blockIndex, LegacySubjectState state) {
        ByteWriter out = new ByteWriter(32 + 24 * state.entries().size());
        out.u8(MAGIC).u8(VERSION).uvarint(state.entries().size());
        for (LegacySubjectState.Entry e : state.entries()) {
            byte[] subject = e.subject().getBytes(StandardCharsets.UTF_8);
            out.uvarint(subject.length).bytes(subject).uvarint(e.msgs()).uvarint(e.firstSeq()).uvarint(e.lastSeq());
        }
        long hash = new HighwayHash64(HashKeys.forBlock(stream, blockIndex)).hash(out.array(), 0, out.size());
        byte[] le = new byte[8];
        HighwayHash64.putLE(hash, le, 0);
        out.bytes(le).bytes(state.lastChecksum());
        return out.toByteArray();
    }
}
