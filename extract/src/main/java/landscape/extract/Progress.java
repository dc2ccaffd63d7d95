package landscape.extract;

import java.io.PrintStream;
import java.time.Duration;

/**
 * Progress on stderr: rows done, tokens/s and ETA. On a terminal one line is redrawn in place; otherwise (logs,
 * batch jobs) a plain line is printed at most every {@code logEvery}.
 */
public final class Progress {
    private final PrintStream err;
    private final boolean terminal;
    private final long totalRows;
    private final long totalTokens;
    private final long logEveryNanos;
    private final long start = System.nanoTime();
    private long lastPrint = start;
    private long rows;
    private long tokens;

    public Progress(PrintStream err, boolean terminal, long totalRows, long totalTokens, Duration logEvery) {
        this.err = err;
        this.terminal = terminal;
        this.totalRows = totalRows;
        this.totalTokens = totalTokens;
        this.logEveryNanos = logEvery.toNanos();
    }

    public static Progress forStderr(long totalRows, long totalTokens) {
        return new Progress(System.err, System.console() != null, totalRows, totalTokens, Duration.ofSeconds(30));
    }

    public void advance(long rowsDone, long tokensDone) {
        rows += rowsDone;
        tokens += tokensDone;
        long now = System.nanoTime();
        boolean done = rows >= totalRows;
        if (terminal) {
            if (now - lastPrint > 200_000_000L || done) {
                err.print("\r" + line(now) + (done ? "\n" : ""));
                err.flush();
                lastPrint = now;
            }
        } else if (now - lastPrint >= logEveryNanos || done) {
            err.println("landscape-extract: " + line(now));
            lastPrint = now;
        }
    }

    String line(long now) {
        double secs = Math.max(1e-9, (now - start) / 1e9);
        double tps = tokens / secs;
        double eta = tps > 0 ? (totalTokens - tokens) / tps : 0;
        return String.format("%d/%d rows  %.0f tokens/s  elapsed %s  ETA %s", rows, totalRows, tps, hms(secs),
                hms(Math.max(0, eta)));
    }

    static String hms(double seconds) {
        long s = Math.round(seconds);
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    public double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }
}
