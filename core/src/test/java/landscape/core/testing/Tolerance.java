package landscape.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tolerance asserts for numeric parity with a reference. Each prints its largest deviation
 * ({@code deviation <what> max abs … max rel …}), the numbers docs/BENCHMARKS.md collects, and fails with the
 * deviation and the tolerance in the message.
 */
public final class Tolerance {
    private Tolerance() {
    }

    /** Every element within {@code tol} relative to the expected value. */
    public static void relative(String what, double[] expected, double[] actual, double tol) {
        double[] d = deviations(what, expected, actual);
        assertTrue(d[1] <= tol, what + ": max relative deviation " + d[1] + " > " + tol);
    }

    /** Every element within {@code tol} of the expected value. */
    public static void absolute(String what, double[] expected, double[] actual, double tol) {
        double[] d = deviations(what, expected, actual);
        assertTrue(d[0] <= tol, what + ": max absolute deviation " + d[0] + " > " + tol);
    }

    /** One value within {@code tol} of the expected value. */
    public static void absolute(String what, double expected, double actual, double tol) {
        absolute(what, new double[] {expected}, new double[] {actual}, tol);
    }

    /**
     * Every element within {@code tol × max(1, max|expected|)}: the acceptance rule of the golden model outputs.
     * Returns the largest deviation in those units (max|actual − expected| / max(1, max|expected|)).
     */
    public static double scaled(String what, double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 1;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double dev = maxAbsDifference(expected, actual);
        assertTrue(dev <= tol * scale, what + ": deviation " + dev + " > " + tol * scale);
        return dev / scale;
    }

    /** max |a[i] − b[i]| over arrays of one length. */
    public static double maxAbsDifference(double[] a, double[] b) {
        assertEquals(a.length, b.length, "lengths");
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    /**
     * {max abs, max rel} deviation, printed. An exact match is 0 relative; any other deviation from an expected 0 is
     * infinitely large relative (so {@link #relative} fails on it) and is left out of the printed relative value
     * of {@link #absolute}.
     */
    private static double[] deviations(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + " length");
        double maxAbs = 0;
        double maxRel = 0;
        double maxRelNonZero = 0;
        for (int i = 0; i < expected.length; i++) {
            double abs = Math.abs(expected[i] - actual[i]);
            maxAbs = Math.max(maxAbs, Double.isNaN(abs) ? Double.POSITIVE_INFINITY : abs);
            double rel = abs == 0 ? 0 : expected[i] == 0 || Double.isNaN(abs) ? Double.POSITIVE_INFINITY
                    : abs / Math.abs(expected[i]);
            maxRel = Math.max(maxRel, rel);
            if (expected[i] != 0) {
                maxRelNonZero = Math.max(maxRelNonZero, rel);
            }
        }
        System.out.printf("deviation %-32s max abs %.3e max rel %.3e%n", what, maxAbs, maxRelNonZero);
        return new double[] {maxAbs, maxRel};
    }
}
