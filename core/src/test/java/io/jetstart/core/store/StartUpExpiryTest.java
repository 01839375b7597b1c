package io.jetstart.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jetstart.core.hash.RecordHashSource;
import io.jetstart.core.io.BlockBuffers;
import io.jetstart.core.io.DiskGate;
import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.meta.StreamConfig;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The expiry nats-server 2.15.1 does right after a start, on {@code nats-2.15.1-features}
 * (testdata/README.md): the store as the server stopped holds messages whose {@code Nats-TTL} or
 * {@code max_age} ran out seconds later; the fixture's oracle.json is what 2.15.1 answered once
 * started again, and the clock decides which state an open reports.
 */
class StartUpExpiryTest {
    /** Any time since the fixture was made: every short TTL has run out, no 100-year one has. */
    private static final long NOW = System.currentTimeMillis() * 1_000_000L;

    @TempDir
    Path tmp;

    private int copies;

    private StreamStore open(String stream, long now, ServerLine line) throws Exception {
        Path dir = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-features", tmp.resolve("copy" + copies++)), stream);
        return open(dir, MetaFiles.readStream(dir, DiskGate.unbounded()).config(), now, line);
    }

    private static StreamStore open(Path dir, StreamConfig config, long now, ServerLine line) throws Exception {
        StoreContext ctx = new StoreContext(DiskGate.unbounded(), new BlockBuffers(1), BlockWork.sequential(),
                RecordHashSource.chosen(), () -> now, StoreContext.ScanProgress.NONE);
        return StreamOpener.open("$G", dir.getFileName().toString(), dir, config, ctx, line);
    }

    private static List<Long> deleted(StreamState st) {
        List<Long> out = new ArrayList<>();
        for (long seq : st.deleted().toArray()) {
            out.add(seq);
        }
        return out;
    }

    @Test
    void messagesWhoseTtlRanOutSinceTheStopAreGoneAsTheRestartedServerReports() throws Exception {
        StreamState st = open("TTL", NOW, ServerLine.NEWEST).state();

        // oracle.json: the three ttl.late (2 s, published just before the stop) expired at the restart.
        assertThat(st.messages()).isEqualTo(12);
        assertThat(deleted(st)).containsExactly(4L, 7L, 10L, 13L, 18L, 19L, 20L);
        assertThat(st.subjects()).isEqualTo(Map.of("ttl.long", 5L, "ttl.never", 1L, "ttl.plain", 5L, "ttl.secs", 1L));
    }

    @Test
    void beforeAnyTtlRanOutTheFilesStateIsReported() throws Exception {
        StreamState st = open("TTL", 0L, ServerLine.NEWEST).state();

        assertThat(st.messages()).isEqualTo(15);
        assertThat(st.subjects()).containsEntry("ttl.late", 3L);
    }

    @Test
    void aLineThatKnowsNoTtlExpiresNothing() throws Exception {
        StreamState st = open("TTL", NOW, ServerLine.V2_10).state();

        assertThat(st.messages()).isEqualTo(15);
    }

    @Test
    void maxAgeWithDeleteMarkersTakesTheMarkersButNotANeverTtl() throws Exception {
        // The server skips max_age while opening such a stream; its first age check takes the
        // three markers (sdm.a/b/c) and keeps sdm.keep, whose Nats-TTL is "never".
        assertThat(open("SDM", 0L, ServerLine.NEWEST).state().messages()).as("at the stop").isEqualTo(4);

        StreamStore s = open("SDM", NOW, ServerLine.NEWEST);

        assertThat(s.state().messages()).isEqualTo(1);
        assertThat(s.state().subjects()).isEqualTo(Map.of("sdm.keep", 1L));
        assertThat(deleted(s.state())).containsExactly(8L, 9L, 10L);
        assertThat(s.problems()).as("a marker expiring writes no new marker").isEmpty();
    }

    @Test
    void aLineThatKnowsNoDeleteMarkersTakesMaxAgeAtTheOpenNeverTtlOrNot() throws Exception {
        // 2.10.27 started on these files: "Restored 0 messages for stream '$G > SDM'" (it ignores
        // subject_delete_marker_ttl and Nats-TTL, so max_age takes every message while opening).
        StreamState st = open("SDM", NOW, ServerLine.V2_10).state();

        assertThat(st.messages()).isZero();
        // The last sequence stays (expireMsgsOnRecover keeps it with a tombstone; from the source).
        assertThat(st.lastSeq()).isEqualTo(10);
    }

    @Test
    void kvLimitMarkersWhoseTtlRanOutAreGone() throws Exception {
        StreamState st = open("KV_KVT", NOW, ServerLine.NEWEST).state();

        assertThat(st.messages()).isEqualTo(6);
        assertThat(deleted(st)).containsExactly(4L, 5L, 7L, 10L, 11L);
    }

    @Test
    void theLastMessageOfASubjectExpiringUnderDeleteMarkersIsNamedSinceTheServerWritesAMarkerThen() throws Exception {
        Path dir = Fixtures.streamDir(Fixtures.copy("nats-2.15.1-features", tmp), "TTL");
        ObjectMapper json = new ObjectMapper();
        ObjectNode meta = (ObjectNode) json.readTree(Files.readAllBytes(dir.resolve("meta.inf")));
        meta.put("subject_delete_marker_ttl", 3_600_000_000_000L);

        StreamStore s = open(dir, StreamConfig.parse(json.writeValueAsBytes(meta)), NOW, ServerLine.NEWEST);

        assertThat(s.state().messages()).isEqualTo(12);
        assertThat(s.problems()).singleElement().extracting(Problem::message).asString()
                .contains("ttl.late").contains("subject delete marker");
    }
}
