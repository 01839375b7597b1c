package io.jetstart.runtime;

import static io.jetstart.runtime.RuntimeTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.crypto.StoreCipher;
import io.jetstart.core.crypto.StoreKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The temp files a kill left in a stream's directories (a block, key file, {@code index.db} or
 * {@code meta.inf} written by AtomicFiles, killed before its rename) are removed when the stream's
 * writer starts, before its first operation; nothing else in those directories is touched.
 */
class LeftoverTempFilesTest {
    @TempDir
    Path dir;

    /** The exact names AtomicFiles gives temp files, one for each file the writer replaces. */
    private static final List<String> LEFT_IN_MSGS = List.of(".1.blk.8417.tmp", ".12.blk.18446744073709551615.tmp",
            ".3.key.5986882230867997624.tmp", ".index.db.13546413709836662032.tmp");
    private static final List<String> LEFT_IN_STREAM = List.of(".meta.inf.42.tmp", ".meta.sum.7.tmp", ".meta.key.9.tmp");

    /** Names close to those that are not theirs: the operator's, another program's, a consumer's target, no number. */
    private static final List<String> NOT_OURS_IN_MSGS = List.of(".1.blk.tmp", "1.blk.8417.tmp", ".1.blk.84x7.tmp",
            ".1.blk.8417.tmp.bak", ".notes.1.tmp", ".o.dat.12.tmp", ".1.blk.184467440737095516150.tmp", "index.db.tmp",
            ".1.blk.99999999999999999999.tmp");
    private static final List<String> NOT_OURS_IN_STREAM = List.of(".o.dat.5.tmp", ".meta.inf.tmp", "meta.inf.5.tmp");

    @Test
    void aStartingWriterRemovesTheTempFilesAKillLeftAndNothingElse() throws Exception {
        Path streamDir = dir.resolve("jetstream/$G/streams/S");
        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = store.createStream("$G", config("{\"name\":\"S\",\"subjects\":[\"s\"]}"));
            s.publish("s", Headers.EMPTY, new byte[3]);
        }
        plant(streamDir.resolve("msgs"), LEFT_IN_MSGS, NOT_OURS_IN_MSGS);
        plant(streamDir, LEFT_IN_STREAM, NOT_OURS_IN_STREAM);
        Files.createDirectory(streamDir.resolve("msgs/.2.blk.77.tmp"));

        try (JetStartStore store = JetStart.open(dir, RuntimeOptions.defaults())) {
            JetStartStream s = RuntimeTestSupport.open(store, "S");
            // The writer removes them before its first operation: once this publish is acked, they are gone.
            assertThat(s.publish("s", Headers.EMPTY, new byte[4]).seq()).isEqualTo(2);
            assertThat(names(streamDir.resolve("msgs"))).doesNotContainAnyElementsOf(LEFT_IN_MSGS)
                    .containsAll(NOT_OURS_IN_MSGS).contains(".2.blk.77.tmp", "1.blk", "index.db");
            assertThat(names(streamDir)).doesNotContainAnyElementsOf(LEFT_IN_STREAM).containsAll(NOT_OURS_IN_STREAM)
                    .contains("meta.inf", "meta.sum", "msgs");
        }
        assertThat(RuntimeTestSupport.recovered(dir, "S").messages()).isEqualTo(2);
    }

    @Test
    void anEncryptedStreamsLeftoverKeyFileTempIsRemovedAndItsKeysStay() throws Exception {
        Path msgs = dir.resolve("jetstream/$G/streams/E/msgs");
        RuntimeOptions options = RuntimeOptions.defaults().withKey(StoreKey.ofText("leftover temps"), StoreCipher.AES);
        try (JetStartStore store = JetStart.open(dir, options)) {
            store.createStream("$G", config("{\"name\":\"E\",\"subjects\":[\"e\"]}")).publish("e", Headers.EMPTY, new byte[3]);
        }
        Files.write(msgs.resolve(".2.key.123.tmp"), new byte[64]);
        try (JetStartStore store = JetStart.open(dir, options)) {
            assertThat(RuntimeTestSupport.open(store, "E").publish("e", Headers.EMPTY, new byte[4]).seq()).isEqualTo(2);
            assertThat(names(msgs)).doesNotContain(".2.key.123.tmp").contains("1.blk", "1.key");
        }
    }

    private static void plant(Path dir, List<String> ours, List<String> notOurs) throws Exception {
        for (String n : Stream.concat(ours.stream(), notOurs.stream()).toList()) {
            Files.write(dir.resolve(n), new byte[] {1, 2, 3});
        }
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
