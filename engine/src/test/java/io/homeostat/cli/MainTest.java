package io.homeostat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    private record Run(int status, String out, String err) {
        String lastLine() {
            List<String> lines = out.lines().toList();
            return lines.get(lines.size() - 1);
        }
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void simulatePrintsProgressThenOneJsonLineWithTheRequiredFields() {
        Run r = run("simulate", "--scenario", "crash30", "--nodes", "24", "--seed", "9", "--seconds", "10");
        assertThat(r.status()).as(r.out()).isZero();
        assertThat(r.out()).contains("bootstrap:", "ring converged");
        String json = r.lastLine();
        assertThat(json).startsWith("{").endsWith("}");
        for (String field : List.of("nodes", "seed", "scenario", "simulatedSeconds", "events", "traceDigest",
                "meanHops", "p99Hops", "ringConverged", "convergenceSeconds", "violations")) {
            assertThat(json).contains("\"" + field + "\":");
        }
        assertThat(json).contains("\"nodes\":24", "\"seed\":9", "\"scenario\":\"crash30\"", "\"violations\":0");
    }

    @Test
    void theSameCommandReplaysTheSameTrace() {
        String a = run("simulate", "--scenario", "churn", "--nodes", "20", "--seed", "77", "--seconds", "5")
                .lastLine();
        String b = run("simulate", "--scenario", "churn", "--nodes", "20", "--seed", "77", "--seconds", "5")
                .lastLine();
        assertThat(digest(a)).isEqualTo(digest(b)).hasSize(16);
    }

    @Test
    void traceFileIsWritten(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("trace.txt");
        Run r = run("simulate", "--scenario", "join", "--nodes", "8", "--seed", "3", "--trace", file.toString());
        assertThat(r.status()).isZero();
        assertThat(Files.readAllLines(file)).hasSizeGreaterThan(1_000);
    }

    @Test
    void severalSeedsEndWithASummary() {
        Run r = run("simulate", "--scenario", "partition2", "--nodes", "16", "--seeds", "1..3", "--seconds", "5");
        assertThat(r.status()).as(r.out()).isZero();
        assertThat(r.lastLine()).contains("\"seeds\":3", "\"failingSeeds\":[]", "\"violations\":0");
    }

    @Test
    void storeScenariosEndWithTheCheckersVerdict() {
        Run r = run("simulate", "--scenario", "txn-nofault", "--seeds", "1..2", "--quiet");
        assertThat(r.status()).as(r.out()).isZero();
        for (String field : List.of("seeds", "operations", "committed", "aborted", "unavailable", "violations",
                "lostAcknowledgedWrites", "acceptorInstancesLeft", "failingSeeds")) {
            assertThat(r.lastLine()).contains("\"" + field + "\":");
        }
        assertThat(r.lastLine()).contains("\"seeds\":2", "\"violations\":0", "\"failingSeeds\":[]");
    }

    @Test
    void usageErrorsNameTheProblem() {
        Run unknown = run("simulate", "--scenario", "nope");
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown scenario 'nope'", "crash30");
        Run badNumber = run("simulate", "--scenario", "join", "--nodes", "many");
        assertThat(badNumber.status()).isEqualTo(2);
        assertThat(badNumber.err()).contains("--nodes takes a whole number");
        Run unknownOption = run("simulate", "--scenario", "join", "--colour", "red");
        assertThat(unknownOption.err()).contains("unknown option '--colour'");
        Run leasesOnARing = run("simulate", "--scenario", "join", "--lease-millis", "2000");
        assertThat(leasesOnARing.status()).isEqualTo(2);
        assertThat(leasesOnARing.err()).contains("--lease-millis applies to the kv-* and txn-* scenarios only");
        Run shortLease = run("simulate", "--scenario", "kv-nofault", "--lease-millis", "5");
        assertThat(shortLease.status()).isEqualTo(2);
        assertThat(shortLease.err()).contains("--lease-millis", "leaseMillis 0 (off) or in 10..60000");
    }

    /** With read leases on, the store scenarios read through near caches too, and the checkers still pass. */
    @Test
    void storeScenariosRunWithReadLeases() {
        Run r = run("simulate", "--scenario", "kv-crash", "--lease-millis", "2000", "--seed", "3");
        assertThat(r.status()).as(r.out()).isZero();
        assertThat(r.out()).contains("near-cache traffic");
        assertThat(r.lastLine()).contains("\"violations\":0", "\"failingSeeds\":[]");
    }

    private static String digest(String json) {
        int i = json.indexOf("\"traceDigest\":\"") + 15;
        return json.substring(i, json.indexOf('"', i));
    }
}
