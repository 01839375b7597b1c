package io.jetstart.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.jetstart.core.store.Problem;
import io.jetstart.core.store.StoredMessage;
import io.jetstart.core.store.StreamView;
import io.jetstart.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2.9 {@code .idx} cut at any byte never makes the runtime count a sequence it cannot read: the
 * campaign (2.9.10 LIM1 {@code 1.idx} truncated inside its delete list) found a cut list trusted,
 * its lost deletes counted live, and their reads failing on the intact {@code 1.blk}.
 */
class CutLegacyIndexTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"LIM1", "MAX1", "INT1"})
    void everySequenceTheStateCountsReadsBackWhereverItsIdxIsCut(String name) throws Exception {
        String rel = "jetstream/$G/streams/" + name + "/msgs/1.idx";
        byte[] idx = Files.readAllBytes(Fixtures.root().resolve("nats-2.9.10-small/store").resolve(rel));
        for (int cut = 0; cut < idx.length; cut++) {
            Path store = Fixtures.copyStore("nats-2.9.10-small", tmp.resolve(name + "-" + cut));
            Files.write(store.resolve(rel), Arrays.copyOf(idx, cut));
            try (JetStartStore rt = JetStart.open(store, RuntimeOptions.defaults())) {
                JetStartStream s = rt.stream(name).await(Duration.ofSeconds(30));
                StreamView v = s.info();
                long read = 0;
                for (long seq = v.firstSeq(); v.messages() > 0 && seq <= v.lastSeq(); seq++) {
                    // An error here (naming 1.blk, whose records are intact) is the defect.
                    Optional<StoredMessage> m = s.get(seq);
                    if (m.isPresent()) {
                        assertThat(m.get().seq()).isEqualTo(seq);
                        read++;
                    }
                }
                assertThat(read).as("%s 1.idx cut to %d of %d bytes: messages read = messages counted %s", name, cut,
                        idx.length, v).isEqualTo(v.messages());
                List<Problem> said = rt.recovery().get(30, TimeUnit.SECONDS).streams().stream()
                        .filter(r -> r.name().equals(name)).findFirst().orElseThrow().problems();
                assertThat(said).as("%s 1.idx cut to %d: said on 1.idx", name, cut)
                        .anySatisfy(p -> assertThat(p.file()).isEqualTo(store.resolve(rel)));
            }
        }
    }
}
