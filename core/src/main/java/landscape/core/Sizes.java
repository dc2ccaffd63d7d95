package landscape.core;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import landscape.core.cli.UsageError;

/**
 * Memory sizes on the command line and in reports, for every tool: binary units (K, M, G, T = 2^10 .. 2^40 bytes), as
 * -Xmx reads them.
 */
public final class Sizes {
    /** A decimal number, optionally a binary unit (K, M, G, T), optionally B or iB after it. */
    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(?:([KMGT])(?:I?B)?|B)?");

    private Sizes() {
    }

    /**
     * "80G", "80GB", "80GiB", "512M", "1.5G", "1073741824" (bytes); {@code option} names it in errors. Only decimal
     * numbers (the pipeline's schema takes the same), and at least one byte.
     */
    public static long parse(String option, String text) {
        Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (m.matches()) {
            long unit = m.group(2) == null ? 1 : 1L << (10 * ("KMGT".indexOf(m.group(2)) + 1));
            double v = Double.parseDouble(m.group(1)) * unit;
            if (v >= 1 && v <= Long.MAX_VALUE / 2.0) {
                return (long) v;
            }
        }
        throw new UsageError(option + ": expected a positive size like 80G, 512M or 1.5G, got '" + text + "'");
    }

    /** "70.6 GiB", "512 MiB", "12 KiB". */
    public static String format(long bytes) {
        double b = bytes;
        if (b >= (1L << 30)) {
            return String.format(Locale.ROOT, "%.1f GiB", b / (1L << 30));
        }
        if (b >= (1L << 20)) {
            return String.format(Locale.ROOT, "%.0f MiB", b / (1L << 20));
        }
        return String.format(Locale.ROOT, "%.0f KiB", b / 1024);
    }

    /** The same size as a command-line value ("80G", "1536M"), rounded down. */
    public static String option(long bytes) {
        if (bytes >= (1L << 30) && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "G";
        }
        if (bytes >= (1L << 30)) {
            return String.format(Locale.ROOT, "%.1fG", Math.floor(bytes * 10.0 / (1L << 30)) / 10);
        }
        return Math.max(1, bytes >> 20) + "M";
    }
}
