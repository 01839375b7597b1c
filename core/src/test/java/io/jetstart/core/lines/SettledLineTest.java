package io.jetstart.core.lines;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.io.DiskGate;
import io.jetstart.core.layout.StoreLayout;
import io.jetstart.core.layout.StreamDir;
import io.jetstart.core.meta.MetaFiles;
import io.jetstart.core.testing.Fixtures;
import io.jetstart.core.write.GeneratorSpec;
import io.jetstart.core.write.StoreGenerator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * {@link ServerLineDetector#settledBy}: the line of a store's first streams, when no stream found
 * later can change it. Each sample of {@link ServerLineDetector#MAX_STREAMS} plain streams is
 * followed by each kind of encrypted stream a real server leaves (its clue is its {@code msgs/}
 * listing, read without a key), and a settled line must be the line of the whole.
 */
class SettledLineTest {
    static final GeneratorSpec SPEC = GeneratorSpec.of(ServerLineDetector.MAX_STREAMS, 2, 8);

    /** In memory where there is a tmpfs: the generator syncs every block it writes, 224 here. */
    @TempDir(factory = InMemory.class)
    static Path tmp;

    static final class InMemory implements TempDirFactory {
        @Override
        public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws java.io.IOException {
            Path shm = Path.of("/dev/shm");
            return Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "jetstart-test-")
                    : Files.createTempDirectory("jetstart-test-");
        }
    }

    /** Plain samples by what their files say. */
    static final Map<String, List<StreamDir>> SAMPLES = new LinkedHashMap<>();
    /** Encrypted streams by the clue of their listing. */
    static final Map<String, List<StreamDir>> FOLLOWERS = new LinkedHashMap<>();

    @BeforeAll
    static void stores() throws Exception {
        for (int v = 1; v <= 4; v++) {
            SAMPLES.put("index.db v" + v, streams(generated("v" + v, SPEC.withIndexVersion(v))));
        }
        Path meta210 = generated("meta210", SPEC);
        dropIndexDb(meta210);
        SAMPLES.put("meta.inf of 2.10", streams(meta210));
        Path meta29 = generated("meta29", SPEC);
        dropIndexDb(meta29);
        for (int i = 1; i <= SPEC.streams(); i++) {
            Path sd = meta29.resolve("jetstream/$G/streams/S" + i);
            String meta = Files.readString(sd.resolve(MetaFiles.META_INF), StandardCharsets.UTF_8);
            MetaFiles.writeStream(sd, "S" + i, meta.replace(",\"compression\":\"none\"", "").replace(",\"consumer_limits\":{}", "")
                    .getBytes(StandardCharsets.UTF_8));
        }
        SAMPLES.put("meta.inf of 2.9", streams(meta29));
        Path none = generated("none", SPEC);
        dropIndexDb(none);
        for (int i = 1; i <= SPEC.streams(); i++) {
            Files.delete(none.resolve("jetstream/$G/streams/S" + i).resolve(MetaFiles.META_INF));
        }
        SAMPLES.put("no clue", streams(none));

        FOLLOWERS.put(".idx alone (2.9.10)", streams(Fixtures.copyStore("nats-2.9.10-chacha", tmp.resolve("e29"))));
        FOLLOWERS.put("sealed index.db (2.10.27)", streams(Fixtures.copyStore("nats-2.10.27-chacha", tmp.resolve("e210"))));
        Path beside = Fixtures.copyStore("nats-2.9.10-chacha", tmp.resolve("beside"));
        Files.write(beside.resolve("jetstream/$G/streams/DEL/msgs/index.db"), new byte[] {(byte) 0x9d, 0x42, 0x17});
        FOLLOWERS.put("index.db beside .idx (the runtime's)", streams(beside));
        Path bare = Fixtures.copyStore("nats-2.15.1-aes", tmp.resolve("bare"));
        try (Stream<Path> files = Files.walk(bare)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("index.db")).toList()) {
                Files.delete(f);
            }
        }
        FOLLOWERS.put("neither (2.15.1, index.db deleted)", streams(bare));
    }

    private static Path generated(String name, GeneratorSpec spec) throws Exception {
        Path store = tmp.resolve(name);
        StoreGenerator.generate(store, spec, (done, written) -> { });
        return store;
    }

    private static void dropIndexDb(Path store) throws Exception {
        for (int i = 1; i <= SPEC.streams(); i++) {
            Files.delete(store.resolve("jetstream/$G/streams/S" + i + "/msgs/index.db"));
        }
    }

    private static List<StreamDir> streams(Path store) throws Exception {
        return StoreLayout.discover(store, DiskGate.unbounded()).streams();
    }

    private static List<StreamDir> concat(List<StreamDir> a, List<StreamDir> b) {
        List<StreamDir> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void aLineOf210OrNewerThatTheSampleSaidIsSettledAnd29OrNoClueIsNot() throws Exception {
        Map<String, ServerLine> settled = new LinkedHashMap<>();
        for (Map.Entry<String, List<StreamDir>> s : SAMPLES.entrySet()) {
            LineChoice c = ServerLineDetector.settledBy(s.getValue(), DiskGate.unbounded());
            settled.put(s.getKey(), c == null ? null : c.line());
        }

        Map<String, ServerLine> expected = new LinkedHashMap<>();
        expected.put("index.db v1", ServerLine.V2_10);
        expected.put("index.db v2", ServerLine.V2_11);
        expected.put("index.db v3", ServerLine.V2_12);
        expected.put("index.db v4", ServerLine.V2_15);
        expected.put("meta.inf of 2.10", ServerLine.V2_10);
        expected.put("meta.inf of 2.9", null);
        expected.put("no clue", null);
        assertThat(settled).isEqualTo(expected);
    }

    @Test
    void aSettledLineIsTheLineOfTheWholeStoreWhateverEncryptedStreamFollows() throws Exception {
        for (Map.Entry<String, List<StreamDir>> s : SAMPLES.entrySet()) {
            LineChoice early = ServerLineDetector.settledBy(s.getValue(), DiskGate.unbounded());
            if (early == null) {
                continue;
            }
            for (Map.Entry<String, List<StreamDir>> f : FOLLOWERS.entrySet()) {
                LineChoice whole = ServerLineDetector.detect(concat(s.getValue(), f.getValue()), DiskGate.unbounded());
                assertThat(whole.line()).as("%s, then %s: %s", s.getKey(), f.getKey(), whole.evidence()).isEqualTo(early.line());
            }
        }
    }

    /** Why 2.9 and "no clue" wait: one kind of encrypted stream each changes them. */
    @Test
    void aLineNotSettledIsChangedByAnEncryptedStreamFoundLater() throws Exception {
        List<StreamDir> meta29 = SAMPLES.get("meta.inf of 2.9");
        assertThat(ServerLineDetector.detect(meta29, DiskGate.unbounded()).line()).isEqualTo(ServerLine.V2_9);
        assertThat(ServerLineDetector.detect(concat(meta29, FOLLOWERS.get("sealed index.db (2.10.27)")), DiskGate.unbounded()).line())
                .isEqualTo(ServerLine.NEWEST);
        assertThat(ServerLineDetector.detect(concat(meta29, FOLLOWERS.get("index.db beside .idx (the runtime's)")), DiskGate.unbounded())
                .line()).isEqualTo(ServerLine.V2_10);

        List<StreamDir> none = SAMPLES.get("no clue");
        assertThat(ServerLineDetector.detect(none, DiskGate.unbounded()).line()).isEqualTo(ServerLine.NEWEST);
        assertThat(ServerLineDetector.detect(concat(none, FOLLOWERS.get(".idx alone (2.9.10)")), DiskGate.unbounded()).line())
                .isEqualTo(ServerLine.V2_9);
    }

    @Test
    void fewerPlainStreamsThanTheSampleSettleNothing() throws Exception {
        List<StreamDir> v4 = SAMPLES.get("index.db v4");

        assertThat(ServerLineDetector.settledBy(v4.subList(0, ServerLineDetector.MAX_STREAMS - 1), DiskGate.unbounded())).isNull();
        // Encrypted streams are not of the sample: they do not make up the count.
        assertThat(ServerLineDetector.settledBy(concat(v4.subList(0, ServerLineDetector.MAX_STREAMS - 1),
                FOLLOWERS.get("sealed index.db (2.10.27)")), DiskGate.unbounded())).isNull();
        assertThat(ServerLineDetector.settledBy(v4, DiskGate.unbounded()).line()).isEqualTo(ServerLine.V2_15);
    }
}
