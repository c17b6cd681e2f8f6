package io.homeostat.jgroups;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Creates a cluster credential: a PKCS12 keystore holding one EC key pair (P-256) and its self-signed certificate,
 * made by the JDK's {@code keytool}. Every member gets a copy of the same file and password; with it configured
 * ({@link JGroupsOptions.Builder#credential}), members talk TLS 1.3 and each side of every connection must present
 * that certificate, so only holders of the credential can join or send.
 *
 * <pre>
 * HOMEOSTAT_KEYSTORE_PASSWORD=... java -cp homeostat-jgroups-transport.jar:... io.homeostat.jgroups.Keygen cluster.p12
 * </pre>
 * Without the environment variable the password is read from the console.
 */
public final class Keygen {

    /** The alias of the key pair in the keystore. */
    public static final String ALIAS = "homeostat-cluster";
    /** Environment variable {@link #main} reads the password from. */
    public static final String PASSWORD_ENV = "HOMEOSTAT_KEYSTORE_PASSWORD";
    /** Default certificate validity. */
    public static final int DEFAULT_VALIDITY_DAYS = 3_650;
    /** How long keytool may take. */
    public static final long KEYTOOL_TIMEOUT_MILLIS = 60_000;

    private static final String CHILD_PASSWORD_ENV = "HOMEOSTAT_KEYGEN_STOREPASS";

    private Keygen() {
    }

    /**
     * Writes a new credential to {@code keystore}.
     *
     * @param commonName   the certificate's subject CN, e.g. the cluster name
     * @param validityDays how long the certificate is valid
     * @throws IOException if the file exists, keytool is missing, fails or times out
     */
    public static void generate(Path keystore, String password, String commonName, int validityDays)
            throws IOException {
        if (password == null || password.length() < 6) {
            throw new IllegalArgumentException("the keystore password must have at least 6 characters");
        }
        if (validityDays < 1) {
            throw new IllegalArgumentException("validityDays must be >= 1, was " + validityDays);
        }
        if (commonName == null || !commonName.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("commonName must be 1-64 characters of letters, digits and ._-");
        }
        if (Files.exists(keystore)) {
            throw new IOException(keystore + " already exists; Keygen never overwrites a credential");
        }
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (!Files.isExecutable(keytool)) {
            keytool = Path.of(System.getProperty("java.home"), "bin", "keytool.exe");
        }
        ProcessBuilder pb = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", ALIAS,
                "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-validity", Integer.toString(validityDays), "-dname", "CN=" + commonName, "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass:env", CHILD_PASSWORD_ENV, "-keypass:env",
                CHILD_PASSWORD_ENV, "-noprompt"));
        pb.environment().put(CHILD_PASSWORD_ENV, password); // not on the command line, where ps would show it
        pb.redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().close();
        try {
            if (!p.waitFor(KEYTOOL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool did not finish within " + KEYTOOL_TIMEOUT_MILLIS + " ms");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for keytool", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0 || !Files.isRegularFile(keystore)) {
            throw new IOException("keytool failed (exit " + p.exitValue() + "): " + out);
        }
    }

    /** {@code Keygen <keystore.p12> [common-name]}; the password from {@value #PASSWORD_ENV} or the console. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: Keygen <keystore.p12> [common-name]   (password from $" + PASSWORD_ENV
                    + " or the console)");
            System.exit(2);
            return;
        }
        String password = System.getenv(PASSWORD_ENV);
        if (password == null) {
            Console console = System.console();
            if (console == null) {
                System.err.println("set $" + PASSWORD_ENV + " or run on a terminal");
                System.exit(2);
                return;
            }
            password = new String(console.readPassword("keystore password: "));
        }
        Path keystore = Path.of(args[0]);
        generate(keystore, password, args.length > 1 ? args[1] : "homeostat-cluster", DEFAULT_VALIDITY_DAYS);
        System.out.println("created cluster credential " + keystore.toAbsolutePath() + "; copy it to every member "
                + "over a secure channel and configure JGroupsOptions.builder().credential(path, password)");
    }
}
