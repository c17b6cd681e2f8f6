package io.homeostat.jpa;

import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.hibernate.cache.spi.entry.StandardCacheEntryImpl;

/**
 * Encoding and decoding of one entity cache entry (the L2 benchmark's {@code Item}: version, counter and a 100-character
 * payload), in the L2 adapter's compact form against Java serialization deflated (how every entity entry was stored
 * before the compact form, and how entries with other values still are), alternating in one run, one thread:
 *
 * <pre>java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.homeostat.jpa.CodecBenchmark
 *     [--rounds 20] [--ops 20000]</pre>
 *
 * In the adapter's package because the codec is package-private.
 */
public final class CodecBenchmark {

    private CodecBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 20;
        int ops = 20_000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--ops" -> ops = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; valid: --rounds, --ops");
            }
        }
        Constructor<StandardCacheEntryImpl> c = StandardCacheEntryImpl.class.getDeclaredConstructor(
                Serializable[].class, String.class, Object.class);
        c.setAccessible(true);
        Codec codec = new Codec(List.of(), 1 << 20);
        String payload = "x".repeat(100);
        StandardCacheEntryImpl[] entries = new StandardCacheEntryImpl[1024];
        for (int i = 0; i < entries.length; i++) {
            entries[i] = c.newInstance(new Serializable[] {(long) i, 12_345L + i, payload}, "io.homeostat.bench.l2.Item",
                    (long) i);
        }
        byte[] compact = codec.encode(entries[7]);
        byte[] serialized = codec.javaSerialized(entries[7]);
        if (compact[0] != Codec.ENTITY) {
            throw new IllegalStateException("the compact form is not available in this runtime");
        }
        double[][] us = new double[4][rounds];
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                sink += codec.encode(entries[i & 1023]).length;
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                sink += codec.javaSerialized(entries[i & 1023]).length;
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                sink += ((StandardCacheEntryImpl) codec.decode(compact)).getDisassembledState().length;
            }
            long t3 = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                sink += ((StandardCacheEntryImpl) codec.decode(serialized)).getDisassembledState().length;
            }
            long t4 = System.nanoTime();
            us[0][r] = (t1 - t0) / 1e3 / ops;
            us[1][r] = (t2 - t1) / 1e3 / ops;
            us[2][r] = (t3 - t2) / 1e3 / ops;
            us[3][r] = (t4 - t3) / 1e3 / ops;
        }
        // the first half of the rounds warm the JIT; medians of the rest
        System.out.printf(Locale.ROOT, "entry bytes: compact %d, Java-serialized deflated %d (ratio %.2f)%n",
                compact.length, serialized.length, compact.length / (double) serialized.length);
        double enc = median(us[0]);
        double encBase = median(us[1]);
        double dec = median(us[2]);
        double decBase = median(us[3]);
        System.out.printf(Locale.ROOT, "encode µs: compact %.3f, Java-serialized %.3f (ratio %.3f)%n", enc, encBase,
                enc / encBase);
        System.out.printf(Locale.ROOT, "decode µs: compact %.3f, Java-serialized %.3f (ratio %.3f)%n", dec, decBase,
                dec / decBase);
        System.out.println("(" + rounds / 2 + " measured rounds of " + ops + " operations each; checksum " + sink + ")");
    }

    private static double median(double[] all) {
        double[] m = Arrays.copyOfRange(all, all.length / 2, all.length);
        Arrays.sort(m);
        return m[m.length / 2];
    }
}
