package io.jetstart.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.compress.S2OutputStream;
import io.jetstart.core.format.ConsumerState;
import io.jetstart.core.format.ConsumerStateCodec;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.store.StoreContext;
import io.jetstart.core.store.StreamOpener;
import io.jetstart.core.store.StreamState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveUnpackerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = 1_764_000_000_000_000_000L;

    @TempDir
    Path tmp;

    /** An archive as nats-server 2.15's streamSnapshotV2 writes it (varints as Go's encoding/binary). */
    private static final class Archive {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Archive() {
            out.writeBytes("NATSARC1".getBytes(StandardCharsets.US_ASCII));
        }

        Archive entry(String name, long ts, long seq, byte[] hdr, byte[] payload) {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            uvarint(n.length);
            uvarint((ts << 1) ^ (ts >> 63));
            uvarint(seq);
            uvarint(hdr.length);
            uvarint(payload.length);
            out.writeBytes(n);
            out.writeBytes(hdr);
            out.writeBytes(payload);
            return this;
        }

        Archive end() {
            return entry("", 0, 0, new byte[0], new byte[0]);
        }

        private void uvarint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] s2() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (S2OutputStream s = new S2OutputStream(b)) {
                s.write(out.toByteArray());
            }
            return b.toByteArray();
        }
    }

    private static ObjectNode config() {
        ObjectNode c = JSON.createObjectNode().put("name", "ORD").put("retention", "limits").put("storage", "file")
                .put("max_msgs", -1).put("max_bytes", -1).put("max_age", 0).put("max_msgs_per_subject", -1)
                .put("discard", "old").put("num_replicas", 1);
        c.putArray("subjects").add("ord.*");
        return c;
    }

    private static Archive withState() {
        return new Archive().entry("state.json", T0, 0, new byte[0], "{\"messages\":3}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void messagesWithGapsAndAConsumerBecomeAStreamThatOpensWithThatState() throws Exception {
        byte[] consumer = ("{\"config\":{\"durable_name\":\"C\",\"name\":\"C\",\"ack_policy\":\"explicit\",\"deliver_policy\":\"all\"},"
                + "\"state\":{\"delivered\":{\"consumer_seq\":2,\"stream_seq\":7},\"ack_floor\":{\"consumer_seq\":1,\"stream_seq\":5},"
                + "\"pending\":{\"7\":{\"sequence\":2,\"ts\":" + (T0 + 5_000_000_000L) + "}},\"redelivered\":{\"7\":2}}}")
                .getBytes(StandardCharsets.UTF_8);
        Archive a = withState().entry("consumers/C", T0, 0, new byte[0], consumer)
                .entry("ord.a", T0 + 1, 5, new byte[0], "m5".getBytes(StandardCharsets.UTF_8))
                .entry("ord.b", T0 + 2, 7, "NATS/1.0\r\nX: 1\r\n\r\n".getBytes(StandardCharsets.UTF_8), "m7".getBytes(StandardCharsets.UTF_8))
                .entry("ord.a", T0 + 3, 8, new byte[0], new byte[0])
                .end();
        Path dir = tmp.resolve("ORD");

        SnapshotUnpacker.unpack(new ByteArrayInputStream(a.s2()), dir, config());

        StreamState s = StreamOpener.open("$G", "ORD", dir, MetaFiles.readStream(dir, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded()).state();
        assertThat(s.messages()).isEqualTo(3);
        assertThat(s.firstSeq()).isEqualTo(5);
        assertThat(s.lastSeq()).isEqualTo(8);
        assertThat(s.firstTs()).isEqualTo(T0 + 1);
        assertThat(s.deleted().toArray()).containsExactly(6);
        assertThat(s.subjects()).containsEntry("ord.a", 2L).containsEntry("ord.b", 1L);
        assertThat(dir.resolve("msgs/index.db")).as("a stream with gaps is left to the rebuild").doesNotExist();
        ConsumerState c = ConsumerStateCodec.decode(Files.readAllBytes(dir.resolve("obs/C/o.dat")));
        assertThat(c.delivered().streamSeq()).isEqualTo(7);
        assertThat(c.ackFloor().streamSeq()).isEqualTo(5);
        assertThat(c.pending()).extracting(ConsumerState.Pending::streamSeq).containsExactly(7L);
        assertThat(c.redelivered()).containsExactly(new ConsumerState.Redelivery(7, 2));
        MetaFiles.readConsumer(dir.resolve("obs/C"), "ORD", DiskGate.unbounded());
    }

    @Test
    void anArchiveCutBeforeItsEndMarkerFailsAndLeavesNoStream() throws IOException {
        Archive a = withState().entry("ord.a", T0, 1, new byte[0], new byte[] {1}).entry("ord.a", T0, 2, new byte[0], new byte[] {2});
        Path dir = tmp.resolve("streams").resolve("ORD");

        assertThatThrownBy(() -> SnapshotUnpacker.unpack(new ByteArrayInputStream(a.s2()), dir, config()))
                .isInstanceOf(IOException.class).hasMessageContaining("end marker").hasMessageContaining("sequence 2");
        try (var left = Files.list(tmp.resolve("streams"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void anEntryCutInsideItsPayloadNamesItsOffset() throws IOException {
        byte[] whole = withState().entry("ord.a", T0, 1, new byte[0], new byte[100]).end().out.toByteArray();
        byte[] cut = Arrays.copyOf(whole, whole.length - 60);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (S2OutputStream s = new S2OutputStream(b)) {
            s.write(cut);
        }
        int entryAt = withState().out.size();

        assertThatThrownBy(() -> SnapshotUnpacker.unpack(new ByteArrayInputStream(b.toByteArray()), tmp.resolve("ORD"), config()))
                .isInstanceOf(IOException.class).hasMessageContaining("offset " + entryAt);
    }

    @Test
    void anEntryDeclaringAHugePayloadIsRefusedBeforeAllocation() throws IOException {
        Archive a = withState();
        a.out.writeBytes(new byte[] {5, 0, 1, 0}); // name 5, ts 0, seq 1, header 0
        a.out.writeBytes(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10}); // payload 4 GiB
        a.out.writeBytes("ord.a".getBytes(StandardCharsets.US_ASCII));

        assertThatThrownBy(() -> SnapshotUnpacker.unpack(new ByteArrayInputStream(a.s2()), tmp.resolve("ORD"), config()))
                .isInstanceOf(IOException.class).hasMessageContaining("over the limits");
    }

    @Test
    void aGaplessStreamFromOneKeepsAnIndexThatJetstartTrusts() throws Exception {
        Archive a = withState().entry("ord.a", T0, 1, new byte[0], new byte[] {1}).entry("ord.b", T0 + 1, 2, new byte[0], new byte[] {2}).end();
        Path dir = tmp.resolve("ORD");

        SnapshotUnpacker.unpack(new ByteArrayInputStream(a.s2()), dir, config());

        var store = StreamOpener.open("$G", "ORD", dir, MetaFiles.readStream(dir, DiskGate.unbounded()).config(),
                StoreContext.singleThreaded());
        assertThat(store.state().messages()).isEqualTo(2);
        assertThat(store.problems()).isEmpty();
        assertThat(dir.resolve("msgs/index.db")).exists();
    }
}
