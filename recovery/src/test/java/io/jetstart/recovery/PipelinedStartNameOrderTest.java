package io.jetstart.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jetstart.core.lines.ServerLine;
import io.jetstart.core.write.GeneratorSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipelined start ({@link PipelinedStart}) on a store whose names sort one way by their UTF-8
 * bytes (discovery's order, Go's) and another by {@link String#compareTo} (the line detector's
 * sample): there the early line would be detected on other streams than the plain start's, so the
 * line waits for discovery's end, and the report is the plain start's.
 *
 * <p>The store: two accounts of 40 streams each. {@code \uFF21} (UTF-8 {@code EF BC A1}) is listed
 * before {@code \uD83D\uDE00} (UTF-8 {@code F0 9F 98 80}), while {@code compareTo} puts the second
 * (UTF-16 {@code D83D}) first. The second account's streams were last written by a 2.10 server
 * ({@code index.db} v1), the first's by 2.14 or newer (v4): the detector's 32-stream sample is all
 * of the second account, the line 2.10; the first 32 streams discovery finds would say 2.15.
 */
class PipelinedStartNameOrderTest {
    static final GeneratorSpec SPEC = GeneratorSpec.of(40, 5, 32).withConsumers(1);
    static final String LISTED_FIRST = "\uFF21CC";
    static final String SORTED_FIRST = "\uD83D\uDE00CC";

    @Test
    void theLineWaitsForDiscoverysEndWhenItsOrderAndTheSamplesDifferAndTheReportIsThePlainStarts(
            @TempDir(factory = TestStores.FastTempDir.class) Path dir) throws Exception {
        // Such names are files only where the JVM names files in UTF-8 (as ./jetstart arranges).
        assumeTrue("UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding")), "file names in UTF-8");
        TestStores.generate(dir, SPEC.withAccount(LISTED_FIRST).withIndexVersion(4));
        TestStores.generate(dir, SPEC.withAccount(SORTED_FIRST).withIndexVersion(1));

        RecoveryReport plain = StoreRecovery.recover(dir, RecoveryOptions.defaults().withMode(RecoveryOptions.Mode.SEQUENTIAL));
        RecoveryReport pipelined = StoreRecovery.recover(dir, RecoveryOptions.defaults());

        assertThat(plain.streams()).hasSize(2 * SPEC.streams());
        assertThat(java.util.Arrays.compareUnsigned(LISTED_FIRST.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                SORTED_FIRST.getBytes(java.nio.charset.StandardCharsets.UTF_8))).as("listed first by UTF-8 bytes").isNegative();
        assertThat(SORTED_FIRST.compareTo(LISTED_FIRST)).as("sorted first by compareTo").isNegative();
        assertThat(plain.serverLine().line()).as("the sample's line: the account compareTo puts first").isEqualTo(ServerLine.V2_10);
        assertThat(SaidReports.said(pipelined)).isEqualTo(SaidReports.said(plain));
        assertThat(pipelined.allRecovered()).isTrue();
    }
}
