package io.jetstart.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of the README and of docs/ compiles against the libraries' API as an
 * application that copies it would compile it: {@code --release 21} (the libraries' floor), with
 * every lint warning an error but two (below), once on the class path and once as a named module
 * that {@code requires io.jetstart.metrics} (docs/embedding.md, "On the module path"), so a
 * snippet that uses a package a module does not export fails too. ({@link EmbeddingDocTest} checks
 * that the blocks quoting an example file equal it; {@link ExamplesTest} runs those.)
 *
 * <p>Not an error: lint {@code try} ({@code JetStartStore.close()} and {@code KeyValueWatch.close()}
 * throw InterruptedException by design: an interrupted close keeps the store's lock, see
 * docs/runtime.md; docs/embedding.md says so). It is not on by default. (As a module the blocks
 * also drew javac's "using incubating module(s): jdk.incubator.vector" while core required that
 * module statically; core's module-info says what replaced it.)
 *
 * <p>A block that declares a type is compiled as the file it is (its own {@code package} line); a
 * block of statements is wrapped in a method (its {@code import} lines hoisted above the class).
 * A block that must not compile carries {@code <!-- no-compile: why -->} on the line before its
 * fence, and the reason may not be empty. A failure names the page and its line.
 */
class DocSnippetsCompileTest {
    private static final Pattern NO_COMPILE = Pattern.compile("<!-- no-compile:(.*)-->");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+([\\w.]+)\\s*;");
    private static final Pattern TYPE = Pattern.compile(
            "(?m)^(?:public\\s+)?(?:(?:final|abstract|sealed|non-sealed)\\s+)*(?:class|interface|record|enum)\\s+(\\w+)");
    /** Jars an application module resolves beside the libraries (as ModulePathIT's list). */
    private static final List<String> MODULE_DEPENDENCIES = List.of("jackson-databind-", "jackson-core-",
            "jackson-annotations-", "jctools-core-", "slf4j-api-", "micrometer-core-", "micrometer-commons-",
            "micrometer-observation-");

    @TempDir
    Path out;

    /** One fenced Java block of a page: where it starts (the fence's line, 1-based) and its text. */
    record Snippet(Path page, int fenceLine, String code, String skipReason) {
        String where() {
            return repo().relativize(page) + ":" + fenceLine;
        }
    }

    /** The Java source a snippet becomes, and how many lines the wrapper put above its first line. */
    private record Unit(Snippet snippet, String path, String source, int linesAbove) {
    }

    static Path repo() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("mvnw")) && Files.isDirectory(d.resolve("docs"))) {
                return d;
            }
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }

    static List<Snippet> snippets() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(repo().resolve("README.md")));
        try (Stream<Path> docs = Files.walk(repo().resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<Snippet> found = new ArrayList<>();
        for (Path page : pages) {
            List<String> lines = Files.readAllLines(page, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (!lines.get(i).strip().equals("```java")) {
                    continue;
                }
                int fence = i;
                StringBuilder code = new StringBuilder();
                for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                    code.append(lines.get(i)).append('\n');
                }
                Matcher skip = NO_COMPILE.matcher(fence > 0 ? lines.get(fence - 1) : "");
                found.add(new Snippet(page, fence + 1, code.toString(), skip.find() ? skip.group(1).strip() : null));
            }
        }
        return found;
    }

    private static Unit unit(Snippet s, int index) {
        Matcher type = TYPE.matcher(s.code());
        if (type.find()) {
            Matcher pkg = PACKAGE.matcher(s.code());
            String dir = pkg.find() ? pkg.group(1).replace('.', '/') + "/" : "";
            return new Unit(s, dir + type.group(1) + ".java", s.code(), 0);
        }
        // Statements: imports hoisted, every other line kept in place so the page's line numbers hold.
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : s.code().split("\n", -1)) {
            boolean isImport = line.startsWith("import ");
            imports.append(isImport ? line : "").append('\n');
            body.append(isImport ? "" : line).append('\n');
        }
        String name = "Snippet" + index;
        String header = "package snippets;\n" + imports + "final class " + name + " {\n"
                + "    static void run() throws Exception {\n";
        return new Unit(s, "snippets/" + name + ".java", header + body + "    }\n}\n", (int) header.lines().count());
    }

    private static final class Source extends SimpleJavaFileObject {
        final Unit unit;

        Source(Unit unit) {
            super(URI.create("string:///" + unit.path()), Kind.SOURCE);
            this.unit = unit;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return unit.source();
        }
    }

    private static final class ModuleInfo extends SimpleJavaFileObject {
        ModuleInfo() {
            super(URI.create("string:///module-info.java"), Kind.SOURCE);
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return "module doc.snippets {\n    requires io.jetstart.metrics;\n}\n";
        }
    }

    /** This test's class path without test classes and test jars: what an application compiles against. */
    private static List<Path> apiClassPath() {
        List<Path> path = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty() && !entry.contains("test-classes") && !entry.endsWith("-tests.jar")) {
                path.add(Path.of(entry));
            }
        }
        return path;
    }

    /** The four library modules (classes folders or jars, with their module-info) and their dependencies. */
    private static List<Path> apiModulePath() {
        List<Path> path = new ArrayList<>();
        for (Path p : apiClassPath()) {
            String name = p.getFileName().toString();
            boolean library = Files.isRegularFile(p.resolve("module-info.class")) || name.matches("jetstart-\\w+-[0-9].*\\.jar");
            if (library || MODULE_DEPENDENCIES.stream().anyMatch(name::startsWith)) {
                path.add(p);
            }
        }
        return path;
    }

    /** Compiles the units together; returns each error as "page:line: message". */
    private List<String> compile(List<Unit> units, boolean asModule) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Path classes = Files.createDirectories(out.resolve(asModule ? "module" : "classpath"));
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            files.setLocationFromPaths(StandardLocation.CLASS_OUTPUT, List.of(classes));
            files.setLocationFromPaths(asModule ? StandardLocation.MODULE_PATH : StandardLocation.CLASS_PATH,
                    asModule ? apiModulePath() : apiClassPath());
            List<JavaFileObject> sources = new ArrayList<>();
            units.forEach(u -> sources.add(new Source(u)));
            if (asModule) {
                sources.add(new ModuleInfo());
            }
            javac.getTask(null, files, diagnostics, List.of("--release", "21", "-proc:none", "-Xlint:all,-try", "-Werror"),
                    null, sources).call();
        }
        List<String> errors = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.NOTE) {
                continue;
            }
            String where = d.getSource() instanceof Source s
                    ? repo().relativize(s.unit.snippet().page()) + ":"
                            + (s.unit.snippet().fenceLine() + d.getLineNumber() - s.unit.linesAbove())
                    : String.valueOf(d.getSource());
            errors.add(where + ": " + d.getKind() + ": " + d.getMessage(Locale.ROOT));
        }
        return errors;
    }

    private static List<Unit> unitsToCompile() throws IOException {
        List<Snippet> all = snippets();
        List<Unit> units = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).skipReason() == null) {
                units.add(unit(all.get(i), i));
            }
        }
        return units;
    }

    @Test
    void everyJavaBlockOfTheDocsCompilesOnTheClassPathForJava21() throws IOException {
        List<Unit> units = unitsToCompile();

        assertThat(units).as("Java blocks found in README.md and docs/").hasSizeGreaterThanOrEqualTo(5);
        assertThat(compile(units, false)).as("errors of the docs' Java blocks on the class path").isEmpty();
    }

    @Test
    void everyJavaBlockOfTheDocsCompilesInAModuleThatRequiresTheMetricsModule() throws IOException {
        assertThat(apiModulePath()).as("the library modules on the module path")
                .filteredOn(p -> Files.isRegularFile(p.resolve("module-info.class")) || p.getFileName().toString().startsWith("jetstart-"))
                .hasSize(4);

        assertThat(compile(unitsToCompile(), true)).as("errors of the docs' Java blocks in module doc.snippets").isEmpty();
    }

    @Test
    void aBlockLeftUncompiledSaysWhy() throws IOException {
        List<String> unexplained = snippets().stream()
                .filter(s -> s.skipReason() != null && s.skipReason().isEmpty())
                .map(Snippet::where).collect(Collectors.toList());

        assertThat(unexplained).as("blocks marked <!-- no-compile: --> without a reason").isEmpty();
    }

    @Test
    void aStaleBlockIsReportedAtItsLineOfThePage() throws IOException {
        Path page = Files.writeString(out.resolve("stale.md"), String.join("\n", "# A page", "",
                "```java", "import io.jetstart.runtime.RuntimeOptions;", "",
                "RuntimeOptions o = RuntimeOptions.defaults().withNoSuchOption(3);", "```", ""));
        Snippet stale = new Snippet(page, 3, "import io.jetstart.runtime.RuntimeOptions;\n\n"
                + "RuntimeOptions o = RuntimeOptions.defaults().withNoSuchOption(3);\n", null);
        Unit unit = unit(stale, 0);

        List<String> errors = compile(List.of(unit), false);

        assertThat(errors).hasSize(1);
        assertThat(errors.get(0)).endsWith("stale.md:6: ERROR: cannot find symbol\n"
                + "  symbol:   method withNoSuchOption(int)\n  location: class io.jetstart.runtime.RuntimeOptions");
    }
}
