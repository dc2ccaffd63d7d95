package landscape.analyze;

import java.util.HashMap;
import java.util.Map;

/**
 * Adjusted Rand index between two partitions, from the pair confusion matrix as scikit-learn's
 * {@code adjusted_rand_score}: identical partitions (including two trivial ones) score exactly 1.0, so the result
 * is never NaN.
 */
public final class AdjustedRand {
    private AdjustedRand() {
    }

    public static double score(int[] a, int[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("partitions of different sizes: " + a.length + " vs " + b.length);
        }
        long n = a.length;
        Map<Long, long[]> cells = new HashMap<>();
        Map<Integer, long[]> rowSums = new HashMap<>();
        Map<Integer, long[]> colSums = new HashMap<>();
        for (int i = 0; i < a.length; i++) {
            long key = ((long) a[i] << 32) ^ (b[i] & 0xffffffffL);
            cells.computeIfAbsent(key, x -> new long[1])[0]++;
            rowSums.computeIfAbsent(a[i], x -> new long[1])[0]++;
            colSums.computeIfAbsent(b[i], x -> new long[1])[0]++;
        }
        double sumSquares = 0;
        for (long[] c : cells.values()) {
            sumSquares += (double) c[0] * c[0];
        }
        double rowSq = 0;
        for (long[] c : rowSums.values()) {
            rowSq += (double) c[0] * c[0];
        }
        double colSq = 0;
        for (long[] c : colSums.values()) {
            colSq += (double) c[0] * c[0];
        }
        // pair confusion matrix (ordered pairs), as sklearn.metrics.cluster.pair_confusion_matrix
        double tp = sumSquares - n;
        double fp = rowSq - sumSquares;
        double fn = colSq - sumSquares;
        double tn = (double) n * n - fp - fn - sumSquares;
        if (fn == 0 && fp == 0) {
            return 1.0;
        }
        return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
    }
}
