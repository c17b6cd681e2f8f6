package io.homeostat.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Map;
import java.util.Set;

/**
 * The build-enforced ban on nondeterminism. Time, randomness, sleeping and threads reach the engine only through the
 * injected {@code Environment}; the only packages allowed to touch the real world are the threaded production driver
 * and the command line.
 */
final class DeterminismRules {

    /** Packages that may use real time and threads: the edge of the engine. */
    static final String[] EDGE = {"io.homeostat.runtime.threaded..", "io.homeostat.cli.."};

    /**
     * owner class -> forbidden method names: "&lt;init&gt;" is every constructor, "&lt;init&gt;()" only the unseeded
     * no-argument one (a generator seeded from the simulation seed is fine), "name(1)" only the one-argument form
     * (Collections.shuffle without a seeded generator).
     */
    static final Map<String, Set<String>> FORBIDDEN = Map.ofEntries(
            Map.entry("java.lang.System", Set.of("currentTimeMillis", "nanoTime")),
            Map.entry("java.lang.Math", Set.of("random")),
            Map.entry("java.lang.StrictMath", Set.of("random")),
            Map.entry("java.util.Random", Set.of("<init>()")),
            Map.entry("java.security.SecureRandom", Set.of("<init>", "getInstanceStrong")),
            Map.entry("java.util.SplittableRandom", Set.of("<init>()")),
            Map.entry("java.util.concurrent.ThreadLocalRandom", Set.of("current")),
            Map.entry("java.util.UUID", Set.of("randomUUID")),
            Map.entry("java.lang.Thread", Set.of("sleep", "<init>", "startVirtualThread", "ofVirtual", "ofPlatform",
                    "onSpinWait")),
            Map.entry("java.util.concurrent.Executors", Set.of("newFixedThreadPool", "newCachedThreadPool",
                    "newSingleThreadExecutor", "newScheduledThreadPool", "newSingleThreadScheduledExecutor",
                    "newWorkStealingPool", "newVirtualThreadPerTaskExecutor", "newThreadPerTaskExecutor")),
            Map.entry("java.util.concurrent.ThreadPoolExecutor", Set.of("<init>")),
            Map.entry("java.util.concurrent.ScheduledThreadPoolExecutor", Set.of("<init>")),
            Map.entry("java.util.concurrent.ForkJoinPool", Set.of("<init>", "commonPool")),
            Map.entry("java.util.concurrent.CompletableFuture", Set.of("runAsync", "supplyAsync", "delayedExecutor")),
            Map.entry("java.util.concurrent.TimeUnit", Set.of("sleep")),
            Map.entry("java.util.concurrent.locks.LockSupport", Set.of("parkNanos", "parkUntil")),
            Map.entry("java.util.Timer", Set.of("<init>")),
            Map.entry("java.lang.Object", Set.of("wait")),
            Map.entry("java.util.Collections", Set.of("shuffle(1)")),
            Map.entry("java.time.Instant", Set.of("now")),
            Map.entry("java.time.LocalDateTime", Set.of("now")),
            Map.entry("java.time.ZonedDateTime", Set.of("now")),
            Map.entry("java.time.OffsetDateTime", Set.of("now")),
            Map.entry("java.time.Clock", Set.of("systemUTC", "systemDefaultZone")));

    private DeterminismRules() {
    }

    static final DescribedPredicate<JavaCall<?>> NONDETERMINISTIC_CALL =
            new DescribedPredicate<>("a source of nondeterminism (wall clock, unseeded randomness, sleep, threads)") {
                @Override
                public boolean test(JavaCall<?> call) {
                    Set<String> names = FORBIDDEN.get(call.getTarget().getOwner().getFullName());
                    if (names == null) {
                        return false;
                    }
                    String name = call.getTarget().getName();
                    int arity = call.getTarget().getRawParameterTypes().size();
                    return names.contains(name) || (names.contains(name + "()") && arity == 0)
                            || (names.contains(name + "(1)") && arity == 1);
                }
            };

    /** No core class reads a clock, seeds its own randomness, sleeps or starts threads. */
    static ArchRule noNondeterminismOutsideTheEdge() {
        return noClasses().that().resideInAPackage("io.homeostat..").and().resideOutsideOfPackages(EDGE)
                .should().callCodeUnitWhere(NONDETERMINISTIC_CALL)
                .because("nondeterminism must enter through the injected Environment (see docs/ARCHITECTURE.md)");
    }

    /** Protocols are single-threaded state machines: no locks. */
    static ArchRule noSynchronizedOutsideTheEdge() {
        return methods().that().areDeclaredInClassesThat().resideInAPackage("io.homeostat..")
                .and().areDeclaredInClassesThat().resideOutsideOfPackages(EDGE)
                .should().notHaveModifier(JavaModifier.SYNCHRONIZED)
                .because("protocols run on one event-loop thread and need no locks");
    }

    /** Protocols know nothing of the drivers that run them. */
    static ArchRule protocolsDoNotDependOnDrivers() {
        return noClasses().that().resideInAnyPackage("io.homeostat.ring..", "io.homeostat.runtime")
                .should().dependOnClassesThat().resideInAnyPackage("io.homeostat.sim..",
                        "io.homeostat.runtime.threaded..", "io.homeostat.cli..", "io.homeostat.check..")
                .because("a protocol must run unchanged under the simulator and the production driver");
    }
}
