package io.homeostat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The machine's 1-minute load average, sampled every {@link #SAMPLE_MILLIS} ms on a daemon thread while a benchmark
 * runs, so that the report can say how loaded the machine was during each system's run (the benchmark's own processes
 * included). Reads {@code /proc/loadavg}; without it the load is "unknown" and nothing is sampled.
 */
public final class LoadAverage {

    static final long SAMPLE_MILLIS = 5_000;

    private final List<Double> samples = new CopyOnWriteArrayList<>();

    private LoadAverage() {
    }

    /** Starts sampling on a daemon thread, which ends with the JVM. */
    public static LoadAverage start() {
        LoadAverage l = new LoadAverage();
        Thread t = new Thread(l::sample, "loadavg");
        t.setDaemon(true);
        t.start();
        return l;
    }

    /** The 1, 5 and 15 minute load averages now, as {@code /proc/loadavg} gives them; "unknown" if it cannot. */
    public static String now() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** A mark for {@link #since}: the samples taken so far. */
    public int mark() {
        return samples.size();
    }

    /** "{@code who}: 1-min load average during its run: mean M, max X" over the samples since {@code mark}. */
    public Optional<String> since(int mark, String who) {
        List<Double> mine = new ArrayList<>(samples.subList(Math.min(mark, samples.size()), samples.size()));
        if (mine.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "%s: 1-min load average during its run: mean %.2f, max %.2f",
                who, mine.stream().mapToDouble(Double::doubleValue).average().orElse(0),
                mine.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
    }

    private void sample() {
        while (true) {
            try {
                samples.add(Double.parseDouble(now().split(" ")[0]));
                Thread.sleep(SAMPLE_MILLIS);
            } catch (InterruptedException | NumberFormatException e) {
                return;
            }
        }
    }
}
