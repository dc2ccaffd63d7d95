package landscape.analyze;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import landscape.core.Matrix;

/** Exact duplicate rows (value equality, so -0.0 equals 0.0): the first occurrence of each row, in row order. */
public final class Duplicates {
    private Duplicates() {
    }

    public static int[] firstOccurrences(Matrix x) {
        int n = x.rows();
        int d = x.cols();
        double[] a = x.data();
        Map<Integer, List<Integer>> byHash = new HashMap<>();
        int[] keep = new int[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            int h = 1;
            for (int j = 0; j < d; j++) {
                double v = a[i * d + j] + 0.0; // -0.0 + 0.0 == +0.0
                h = 31 * h + Double.hashCode(v);
            }
            List<Integer> same = byHash.computeIfAbsent(h, k -> new ArrayList<>(1));
            boolean dup = false;
            for (int r : same) {
                if (equalValues(a, i * d, r * d, d)) {
                    dup = true;
                    break;
                }
            }
            if (!dup) {
                same.add(i);
                keep[m++] = i;
            }
        }
        return Arrays.copyOf(keep, m);
    }

    private static boolean equalValues(double[] a, int p, int q, int d) {
        for (int j = 0; j < d; j++) {
            if (a[p + j] != a[q + j]) {
                return false;
            }
        }
        return true;
    }
}
