package landscape.core;

import java.util.Locale;
import landscape.core.cli.UsageError;

/**
 * Memory sizes on the command line and in reports, for every tool: binary units (K, M, G, T = 2^10 .. 2^40 bytes), as
 * -Xmx reads them.
 */
public final class Sizes {
    private Sizes() {
    }

    /** "80G", "80GB", "80GiB", "512M", "1.5G", "1073741824" (bytes); {@code option} names it in errors. */
    public static long parse(String option, String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                case 'T' -> unit = 1L << 40;
                default -> unit = 1;
            }
        }
        String number = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            double v = Double.parseDouble(number);
            if (!(v > 0) || Double.isInfinite(v) || v * unit > Long.MAX_VALUE / 2.0) {
                throw new NumberFormatException();
            }
            return (long) (v * unit);
        } catch (NumberFormatException e) {
            throw new UsageError(option + ": expected a positive size like 80G, 512M or 1.5G, got '" + text + "'");
        }
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
