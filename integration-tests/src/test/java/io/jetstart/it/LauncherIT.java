package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The launcher adds the vector checksum's incubating module (and so the JDK's "Using incubator
 * modules" warning) only to runs that use the vector checksum (bin/vector.sh), as a user runs it,
 * and C1 only (bin/quick-jit.args) only to short store reads that do not.
 */
class LauncherIT {
    private static final String WARNING = "Using incubator modules";
    private static final Path tmp = Repo.work("LauncherIT");
    private static Path store;

    @BeforeAll
    static void copyAFixture() {
        store = io.jetstart.core.testing.Fixtures.copyStore("nats-2.15.1-small", tmp);
    }

    @Test
    void helpAndASmallStoreShowNoIncubatorWarning() throws Exception {
        Jetstart jetstart = new Jetstart(tmp);
        Map<String, String> plain = Map.of("JETSTART_VECTOR", "", "JETSTART_JAVA_OPTS", "");
        for (String[] args : new String[][] {{"--help"}, {"inspect", store.toString()}, {"recover", store.toString(), "--json"},
                {"dump", store.toString(), "--json"}}) {
            Jetstart.Result r = jetstart.run(plain, args);
            assertThat(r.stderr()).as("%s", r).doesNotContain(WARNING);
        }
    }

    @Test
    void aRecoveryThatUsesTheVectorChecksumIsStartedWithItsModule() throws Exception {
        Jetstart jetstart = new Jetstart(tmp);
        Path copy = io.jetstart.core.testing.Fixtures.copyStore("nats-2.15.1-small", tmp.resolve("rebuild"));
        io.jetstart.core.testing.Fixtures.dropIndexes(copy);
        // The store is 0.3 MB; lowering the threshold to 0 bytes makes the launcher's rule and the
        // recovery's rule both choose the vector checksum, as they would for a 256 MiB store.
        Jetstart.Result r = jetstart.run(Map.of("JETSTART_VECTOR", "", "JETSTART_JAVA_OPTS", "-Djetstart.hash.vectorMinBytes=0"),
                "recover", copy.toString(), "--json");
        assertThat(r.stderr()).as("%s", r).contains(WARNING);
        String checksum = r.json().path("summary").path("checksum").asText();
        // A CPU without native 256-bit vectors keeps the scalar hash even with the module.
        assertThat(checksum).as("%s", r).matches("(vector|scalar) \\(.*");
    }

    @Test
    void aReadOfASmallStoreRunsC1OnlyAndOneThatUsesTheVectorChecksumDoesNot() throws Exception {
        Jetstart jetstart = new Jetstart(tmp);
        String flags = "-XX:+PrintCommandLineFlags"; // the JVM prints its final command-line flags on stdout
        Jetstart.Result small = jetstart.run(Map.of("JETSTART_VECTOR", "", "JETSTART_QUICK_JIT", "", "JETSTART_JAVA_OPTS", flags),
                "recover", store.toString());
        assertThat(small.stdout()).as("%s", small).contains("-XX:TieredStopAtLevel=1");
        Jetstart.Result vector = jetstart.run(Map.of("JETSTART_VECTOR", "", "JETSTART_QUICK_JIT", "",
                "JETSTART_JAVA_OPTS", flags + " -Djetstart.hash.vectorMinBytes=0"), "recover", store.toString());
        assertThat(vector.stdout()).as("%s", vector).doesNotContain("TieredStopAtLevel");
        Jetstart.Result off = jetstart.run(Map.of("JETSTART_VECTOR", "", "JETSTART_QUICK_JIT", "0", "JETSTART_JAVA_OPTS", flags),
                "inspect", store.toString());
        assertThat(off.stdout()).as("%s", off).doesNotContain("TieredStopAtLevel");
        Jetstart.Result help = jetstart.run(Map.of("JETSTART_VECTOR", "", "JETSTART_QUICK_JIT", "", "JETSTART_JAVA_OPTS", flags),
                "--help");
        assertThat(help.stdout()).as("%s", help).doesNotContain("TieredStopAtLevel");
    }

    @Test
    void withNoLocaleSetTheJvmReadsFileNamesAsUtf8AndALocaleTheUserSetIsKept() throws Exception {
        Jetstart jetstart = new Jetstart(tmp);
        // The JVM prints its system properties on stderr at start.
        String settings = "-XshowSettings:properties";
        Jetstart.Result none = jetstart.run(Map.of("LC_ALL", "", "LC_CTYPE", "", "LANG", "", "JETSTART_JAVA_OPTS", settings), "--help");
        assertThat(none.stderr()).as("%s", none).contains("sun.jnu.encoding = UTF-8").contains("stdout.encoding = UTF-8");
        Jetstart.Result chosen = jetstart.run(Map.of("LC_ALL", "", "LC_CTYPE", "", "LANG", "C", "JETSTART_JAVA_OPTS", settings), "--help");
        assertThat(chosen.stderr()).as("%s", chosen).doesNotContain("sun.jnu.encoding = UTF-8");
    }
}
