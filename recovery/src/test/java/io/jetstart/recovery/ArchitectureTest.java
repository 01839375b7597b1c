package io.jetstart.recovery;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, proof 6: the arrows of design.md section 2 point down, and the preview API stays in its
 * one package. Core and recovery are imported from the classpath (core from its jar); metrics,
 * runtime and cli are not on it, and ArchUnit checks references to them all the same.
 */
class ArchitectureTest {
    private static final String STRUCTURED_SCOPE = "java\\.util\\.concurrent\\.StructuredTaskScope.*";
    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.jetstart.core", "io.jetstart.recovery");
    }

    @Test
    void bothModulesAreImported() {
        // Rules over an empty import would pass whatever the code does.
        assertThat(classes.containPackage("io.jetstart.core.store")).isTrue();
        assertThat(classes.containPackage("io.jetstart.recovery.structured")).isTrue();
        assertThat(classes.contain(StoreRecovery.class)).isTrue();
    }

    @Test
    void onlyTheStructuredPackageReferencesStructuredTaskScope() {
        noClasses().that().resideOutsideOfPackage("io.jetstart.recovery.structured..")
                .should().dependOnClassesThat().haveNameMatching(STRUCTURED_SCOPE)
                .check(classes);
    }

    @Test
    void theStructuredPackageDoesUseStructuredTaskScope() {
        // The rule above is only worth something if the preview API is used where it is allowed.
        classes().that().haveFullyQualifiedName("io.jetstart.recovery.structured.StructuredTaskRunner")
                .should().dependOnClassesThat().haveNameMatching(STRUCTURED_SCOPE)
                .check(classes);
    }

    @Test
    void coreDependsOnNoOtherJetstartModule() {
        noClasses().that().resideInAPackage("io.jetstart.core..")
                .should().dependOnClassesThat().resideInAnyPackage("io.jetstart.recovery..", "io.jetstart.metrics..",
                        "io.jetstart.runtime..", "io.jetstart.cli..")
                .check(classes);
    }

    @Test
    void recoveryDependsOnNeitherMetricsNorRuntimeNorCli() {
        noClasses().that().resideInAPackage("io.jetstart.recovery..")
                .should().dependOnClassesThat().resideInAnyPackage("io.jetstart.metrics..", "io.jetstart.runtime..",
                        "io.jetstart.cli..")
                .check(classes);
    }

    @Test
    void cryptoDecryptsButParsesNothing() {
        // core.crypto hands plaintext to the codecs; it must not grow a second reader of any format.
        noClasses().that().resideInAPackage("io.jetstart.core.crypto..")
                .should().dependOnClassesThat().resideInAnyPackage("io.jetstart.core.format..", "io.jetstart.core.store..",
                        "io.jetstart.core.meta..", "io.jetstart.core.layout..", "io.jetstart.core.write..")
                .check(classes);
    }

    @Test
    void onlyTheRepairPackageRemovesOrCutsFiles() {
        // Issue 14: repair is the one place that removes bytes, always through its quarantine.
        // AtomicFiles deletes only its own temp file when a replace fails.
        // core's test jar (its tests, the fixture locator and the fault generator) is on the class path
        // as a jar, which DO_NOT_INCLUDE_TESTS does not recognise: test code is left out by name.
        noClasses().that().resideOutsideOfPackages("io.jetstart.recovery.repair..", "io.jetstart.core.testing..")
                .and().haveSimpleNameNotEndingWith("Test")
                .and().doNotHaveFullyQualifiedName("io.jetstart.core.io.AtomicFiles")
                .should().callMethod(java.nio.file.Files.class, "delete", java.nio.file.Path.class)
                .orShould().callMethod(java.nio.file.Files.class, "deleteIfExists", java.nio.file.Path.class)
                .orShould().callMethod(java.nio.channels.FileChannel.class, "truncate", long.class)
                .check(classes);
    }

    @Test
    void theRepairPackageDoesCutFiles() {
        // The rule above is only worth something if the calls it forbids elsewhere are seen where they are made.
        classes().that().haveFullyQualifiedName("io.jetstart.recovery.repair.Repair")
                .should().callMethod(java.nio.channels.FileChannel.class, "truncate", long.class)
                .check(classes);
    }

    @Test
    void recoveryDoesDependOnCore() {
        // A sanity check that dependencies between the imported modules are seen at all.
        classes().that().haveFullyQualifiedName(StoreRecovery.class.getName())
                .should().dependOnClassesThat().resideInAPackage("io.jetstart.core..")
                .check(classes);
    }
}
