package io.homeostat.arch;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Enforces {@link DeterminismRules} on the engine's main code, and shows the rules catch a planted violation. */
class ArchitectureTest {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.homeostat");
        assertThat(main.contain("io.homeostat.ring.RingNode")).isTrue();
    }

    @Test
    void coreHasNoNondeterminism() {
        DeterminismRules.noNondeterminismOutsideTheEdge().check(main);
    }

    @Test
    void coreHasNoSynchronizedMethods() {
        DeterminismRules.noSynchronizedOutsideTheEdge().check(main);
    }

    @Test
    void protocolsDoNotDependOnDrivers() {
        DeterminismRules.protocolsDoNotDependOnDrivers().check(main);
    }

    @Test
    void theRuleCatchesAPlantedViolation() {
        JavaClasses fixture = new ClassFileImporter().importPackages("io.homeostat.arch.fixture");
        EvaluationResult r = DeterminismRules.noNondeterminismOutsideTheEdge().evaluate(fixture);
        assertThat(r.hasViolation()).isTrue();
        String report = String.join("\n", r.getFailureReport().getDetails());
        assertThat(report).contains("System.nanoTime", "sleep(long)", "Random.<init>", "UUID.randomUUID");
        EvaluationResult sync = DeterminismRules.noSynchronizedOutsideTheEdge().evaluate(fixture);
        assertThat(sync.hasViolation()).isTrue();
    }
}
