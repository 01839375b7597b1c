package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.bytes;
import static io.jetstart.runtime.RuntimeTestSupport.config;
import static io.jetstart.runtime.RuntimeTestSupport.open;
import static io.jetstart.runtime.RuntimeTestSupport.recovered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jetstart.core.format.MessageRecord;
import io.jetstart.core.format.Records;
import io.jetstart.core.hash.RecordHashes;
import io.jetstart.core.store.StreamState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secure erase: the message is gone, its bytes are gone from the block file (overwritten where
 * they were, the file's length unchanged), the record left in their place verifies and reads as
 * erased, and a rebuild from the blocks alone (index.db deleted) reports the same state.
 */
class SecureEraseTest {
    @TempDir
    Path dir;

    private Path msgs(String stream) {
        return dir.resolve("jetstream/$G/streams/" + stream + "/msgs");
    }

    private static boolean contains(byte[] haystack, String needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
    }

    /** Every record of a plain block, verified. */
    private static List<MessageRecord> records(Path block, String stream, long index) throws Exception {
        byte[] b = Files.readAllBytes(block);
        List<MessageRecord> out = new ArrayList<>();
        for (int off = 0; off < b.length; ) {
            MessageRecord r = Records.read(b, off, b.length, RecordHashes.forBlock(stream, index));
            out.add(r);
            off += r.rawLength();
        }
        return out;
    }

    @Test
    void anErasedMessageOfTheLastBlockIsOverwrittenInPlaceAndReadsAsErased() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"E\",\"subjects\":[\"e.*\"]}"));
            for (int i = 1; i <= 3; i++) {
                s.publish("e.secret" + i, Headers.of("X-Secret", "header-" + i), bytes("payload-secret-" + i));
            }
            long before = Files.size(msgs("E").resolve("1.blk"));
            s.erase(2);
            assertThat(s.get(2)).isEmpty();
            assertThat(s.get(3).orElseThrow().payload()).isEqualTo(bytes("payload-secret-3"));
            assertThat(s.info().messages()).isEqualTo(2);
            // Readable at once from the file: the writer replaced it before the erase returned.
            byte[] file = Files.readAllBytes(msgs("E").resolve("1.blk"));
            assertThat(contains(file, "payload-secret-2")).isFalse();
            assertThat(contains(file, "header-2")).isFalse();
            assertThat(contains(file, "e.secret2")).isFalse();
            assertThat(contains(file, "payload-secret-3")).isTrue();
            // The erased record where the message was, then the tombstone.
            assertThat(file.length).isEqualTo(before + Records.EMPTY_RECORD_LENGTH);
            assertThat(s.publish("e.secret4", bytes("after")).seq()).isEqualTo(4);
        }
        List<MessageRecord> rs = records(msgs("E").resolve("1.blk"), "E", 1);
        assertThat(rs).extracting(MessageRecord::kind).containsExactly(MessageRecord.Kind.MESSAGE,
                MessageRecord.Kind.ERASED_OR_SKIP, MessageRecord.Kind.MESSAGE, MessageRecord.Kind.TOMBSTONE,
                MessageRecord.Kind.MESSAGE);
        MessageRecord erased = rs.get(1);
        assertThat(erased.seq()).isEqualTo(2);
        assertThat(erased.ts()).isZero();
        assertThat(erased.subject()).isEmpty();
        assertThat(rs.get(3).seq()).isEqualTo(2);

        StreamState withIndex = recovered(dir, "E");
        Files.delete(msgs("E").resolve("index.db"));
        StreamState rebuilt = recovered(dir, "E");
        assertThat(rebuilt.messages()).isEqualTo(3).isEqualTo(withIndex.messages());
        assertThat(rebuilt.bytes()).isEqualTo(withIndex.bytes());
        assertThat(rebuilt.lastSeq()).isEqualTo(4);
    }

    @Test
    void anErasedMessageOfAnEarlierBlockIsErasedByReplacingThatBlock() throws Exception {
        RuntimeOptions small = RuntimeOptions.defaults().withBlockSize(1024);
        try (JetStartStore store = JetStart.open(dir, small)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"E\",\"subjects\":[\"e\"]}"));
            for (int i = 1; i <= 40; i++) {
                s.publish("e", bytes(String.format("payload-%03d-", i) + "x".repeat(80)));
            }
            assertThat(Files.exists(msgs("E").resolve("4.blk"))).as("several blocks").isTrue();
            long size = Files.size(msgs("E").resolve("1.blk"));
            s.erase(3);
            s.erase(5);
            assertThat(s.get(3)).isEmpty();
            assertThat(s.get(4).orElseThrow().payload()).startsWith(bytes("payload-004-"));
            byte[] first = Files.readAllBytes(msgs("E").resolve("1.blk"));
            assertThat(first).hasSize((int) size);
            assertThat(contains(first, "payload-003-")).isFalse();
            assertThat(contains(first, "payload-005-")).isFalse();
            assertThat(contains(first, "payload-004-")).isTrue();
            assertThat(records(msgs("E").resolve("1.blk"), "E", 1)).filteredOn(r -> r.kind() == MessageRecord.Kind.ERASED_OR_SKIP)
                    .extracting(MessageRecord::seq).containsExactly(3L, 5L);
            try (var files = Files.list(msgs("E"))) {
                assertThat(files.map(p -> p.getFileName().toString())).as("no temp file left").noneMatch(n -> n.endsWith(".tmp"));
            }
        }
        Files.delete(msgs("E").resolve("index.db"));
        StreamState rebuilt = recovered(dir, "E");
        assertThat(rebuilt.messages()).isEqualTo(38);
        assertThat(rebuilt.firstSeq()).isEqualTo(1);
        assertThat(rebuilt.lastSeq()).isEqualTo(40);
        try (JetStartStore store = JetStart.open(dir, small)) {
            JetStartStream s = open(store, "E");
            assertThat(s.get(3)).isEmpty();
            assertThat(s.info().messages()).isEqualTo(38);
        }
    }

    @Test
    void anEncryptedBlockIsRefusedWithTheFileNamed() throws Exception {
        Path m = Files.createDirectories(dir.resolve("msgs"));
        SecureErase erase = new SecureErase("E");
        Files.write(m.resolve("2.blk"), new byte[64]);
        Files.write(m.resolve("2.key"), new byte[72]);
        // Refused before the stream's state is asked: nats-server only deletes in an encrypted stream.
        assertThatThrownBy(() -> erase.readSealedBlock(null, m, 2)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("encrypted block").hasMessageContaining(m.resolve("2.blk").toString());
    }

    /**
     * A compressed stream's sealed block is erased in its content and written back compressed, as
     * the server's eraseMsg recompresses a block before the last: the file is still in the cmp
     * envelope, its content is the old one but for the record (same length, erased, verifying), and
     * a rebuild without index.db and a reopen agree.
     */
    @Test
    void aMessageInACompressedBlockIsErasedInTheBlocksContentAndTheBlockStaysCompressed() throws Exception {
        RuntimeOptions small = RuntimeOptions.defaults().withBlockSize(2048);
        byte[] before;
        try (JetStartStore store = JetStart.open(dir, small)) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"Z\",\"subjects\":[\"z.*\"],\"compression\":\"s2\"}"));
            for (int i = 1; i <= 60; i++) {
                s.publish("z.secret" + i, bytes("payload-secret-" + i + " and some words to make it compressible, compressible"));
            }
            before = plaintext(msgs("Z").resolve("1.blk"));
            assertThat(contains(before, "payload-secret-3 ")).isTrue();
            s.erase(3);
            assertThat(s.get(3)).isEmpty();
            assertThat(s.get(4).orElseThrow().subject()).isEqualTo("z.secret4");
            byte[] file = Files.readAllBytes(msgs("Z").resolve("1.blk"));
            assertThat(io.jetstart.core.format.CompressionEnvelope.originalSize(file, file.length)).as("still compressed").isPresent();
            byte[] after = plaintext(msgs("Z").resolve("1.blk"));
            assertThat(after).hasSameSizeAs(before);
            assertThat(contains(after, "payload-secret-3 ")).isFalse();
            assertThat(contains(after, "z.secret3")).isFalse();
            assertThat(contains(after, "payload-secret-4 ")).isTrue();
            List<MessageRecord> records = new ArrayList<>();
            for (int off = 0; off < after.length; ) {
                MessageRecord r = Records.read(after, off, after.length, RecordHashes.forBlock("Z", 1));
                records.add(r);
                off += r.rawLength();
            }
            assertThat(records).filteredOn(r -> r.kind() == MessageRecord.Kind.ERASED_OR_SKIP).extracting(MessageRecord::seq)
                    .containsExactly(3L);
            assertThat(s.publish("z.after", bytes("after")).seq()).isEqualTo(61);
        }
        Files.delete(msgs("Z").resolve("index.db"));
        StreamState rebuilt = recovered(dir, "Z");
        assertThat(rebuilt.messages()).isEqualTo(60);
        assertThat(rebuilt.lastSeq()).isEqualTo(61);
        try (JetStartStore store = JetStart.open(dir, small)) {
            JetStartStream s = open(store, "Z");
            assertThat(s.get(3)).isEmpty();
            assertThat(s.get(2).orElseThrow().subject()).isEqualTo("z.secret2");
        }
    }

    /** A block's content: the file, decompressed when it is in the cmp envelope. */
    private static byte[] plaintext(Path block) throws Exception {
        byte[] b = Files.readAllBytes(block);
        return io.jetstart.core.format.CompressionEnvelope.originalSize(b, b.length).isPresent()
                ? io.jetstart.core.compress.BlockCompression.plaintext(b, b.length, 64 << 20) : b;
    }

    @Test
    void eraseRefusesAsDeleteDoes() throws Exception {
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"E\",\"subjects\":[\"e\"]}"));
            s.publish("e", bytes("1"));
            s.publish("e", bytes("2"));
            s.publish("e", bytes("3"));
            s.erase(2);
            assertThatThrownBy(() -> s.erase(2)).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.errCode()).isEqualTo(10043));
            assertThatThrownBy(() -> s.erase(9)).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.description()).isEqualTo("stream store EOF"));
            JetStartStream d = store.createStream("$G", config("{\"name\":\"D\",\"subjects\":[\"d\"],\"deny_delete\":true}"));
            d.publish("d", bytes("1"));
            assertThatThrownBy(() -> d.erase(1)).isInstanceOfSatisfying(JetStreamApiException.class,
                    e -> assertThat(e.description()).isEqualTo("message delete not permitted"));
            assertThat(d.get(1)).isPresent();
            // The stream goes on taking writes after refusals.
            assertThat(s.publish("e", bytes("4")).seq()).isEqualTo(4);
        }
    }
}
