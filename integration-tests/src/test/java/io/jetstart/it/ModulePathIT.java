package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module descriptors, proven with the jars the build made: each library jar is a named module
 * exporting only its API packages, and the docs/embedding.md examples run with those jars and
 * their dependencies on a module path (the examples themselves on the class path, as an
 * application that is not a module yet would have them), with the structured runner and the
 * vector checksum, both loaded reflectively from packages no one else may see.
 */
class ModulePathIT {
    private static final List<String> LIBRARIES = List.of("core", "recovery", "metrics", "runtime");
    /** Dependencies of the libraries (and an SLF4J binding), found on this test's own class path. */
    private static final List<String> DEPENDENCIES = List.of("jackson-databind-", "jackson-core-", "jackson-annotations-",
            "jctools-core-", "slf4j-api-", "slf4j-simple-", "micrometer-core-", "micrometer-commons-",
            "micrometer-observation-");

    private final Path tmp = Repo.work("ModulePathIT");

    private static Path jar(String module) throws IOException {
        try (Stream<Path> files = Files.list(Repo.root().resolve(module).resolve("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("jetstart-" + module + "-[0-9].*(?<!-tests)\\.jar"))
                    .findFirst().orElseThrow(() -> new AssertionError("no jetstart-" + module + " jar in " + module
                            + "/target: run the build through the package phase first"));
        }
    }

    private static List<Path> modulePath() throws IOException {
        List<Path> path = new ArrayList<>();
        for (String m : LIBRARIES) {
            path.add(jar(m));
        }
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.endsWith(".jar") && DEPENDENCIES.stream().anyMatch(name::startsWith)) {
                path.add(Path.of(entry));
            }
        }
        return path;
    }

    @Test
    void eachLibraryJarIsANamedModuleExportingOnlyItsApiPackages() throws IOException {
        Map<String, Set<String>> exports = new TreeMap<>();
        for (String m : LIBRARIES) {
            ModuleReference ref = ModuleFinder.of(jar(m)).findAll().iterator().next();
            ModuleDescriptor d = ref.descriptor();
            assertThat(d.isAutomatic()).as("%s is automatic", d.name()).isFalse();
            exports.put(d.name(), d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
            assertThat(d.packages()).as("packages of %s", d.name()).containsAll(exports.get(d.name()));
        }

        assertThat(exports).containsOnlyKeys("io.jetstart.core", "io.jetstart.recovery", "io.jetstart.metrics", "io.jetstart.runtime");
        assertThat(exports.get("io.jetstart.core")).containsExactlyInAnyOrder("io.jetstart.core.backup", "io.jetstart.core.compress", "io.jetstart.core.crypto", "io.jetstart.core.format", "io.jetstart.core.hash",
                "io.jetstart.core.io", "io.jetstart.core.layout", "io.jetstart.core.lines", "io.jetstart.core.meta", "io.jetstart.core.options", "io.jetstart.core.store",
                "io.jetstart.core.write");
        assertThat(exports.get("io.jetstart.recovery")).containsExactlyInAnyOrder("io.jetstart.recovery", "io.jetstart.recovery.repair");
        assertThat(exports.get("io.jetstart.metrics")).containsExactly("io.jetstart.metrics");
        assertThat(exports.get("io.jetstart.runtime")).containsExactlyInAnyOrder("io.jetstart.runtime", "io.jetstart.runtime.kv");
    }

    @Test
    void theEmbeddingExamplesRunOnAModulePathWithTheStructuredRunnerAndTheVectorChecksum() throws Exception {
        Path store = StoreFiles.copy(Fixtures.dir().resolve("nats-2.15.1-small/store"), tmp.resolve("store"));

        Run recover = java("io.jetstart.examples.RecoverWithMetrics", store.toString());
        // jetstart.hash=vector fails every checksum unless the vector class loaded inside io.jetstart.core.
        Run read = java("io.jetstart.examples.ReadMessages", store.toString(), "LIM1");

        assertThat(recover.exit()).as("%s", recover).isZero();
        assertThat(recover.out()).as("%s", recover).contains("3 streams, 2475 messages, structured runner", "Ready[streams=3");
        assertThat(read.exit()).as("%s", read).isZero();
        assertThat(read.out()).as("%s", read).contains("1000 lim1.3 100 bytes", "lim1.0: s1:m1:");
    }

    private record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Run java(String mainClass, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of(java, "--enable-preview", "--add-modules=jdk.incubator.vector",
                "-Djetstart.hash=vector",
                "--module-path", modulePath().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
                "--add-modules", "io.jetstart.metrics",
                "-cp", Repo.root().resolve("metrics/target/test-classes").toString(), mainClass));
        command.addAll(List.of(args));
        Files.createDirectories(tmp);
        Path out = Files.createTempFile(tmp, "java-", ".stdout");
        Path err = Files.createTempFile(tmp, "java-", ".stderr");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 2 minutes");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
