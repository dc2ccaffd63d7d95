package landscape.analyze;

import java.util.Arrays;

/**
 * Selection and sorting of (value, index) pairs held in two parallel arrays, ordered by value and then by lower
 * index. This is the one ordering every neighbour list uses.
 */
final class PairSort {
    private PairSort() {
    }

    static boolean less(double da, int ia, double db, int ib) {
        return da < db || (da == db && ia < ib);
    }

    /**
     * Sorts {@code [from, to)} of non-negative values (and +0.0) by (value, index) with a stable LSD radix sort on
     * the 8-bit digits of the index and then of the value's bits (non-negative doubles order like their bits);
     * digits that are equal in every element are skipped. {@code keys}, {@code tmpKeys}, {@code tmpIdx} are
     * scratch of at least {@code to - from} elements.
     */
    static void radixSortNonNegative(double[] d, int[] ix, int from, int to, long[] keys, long[] tmpKeys, int[] tmpIdx) {
        int n = to - from;
        for (int p = 0; p < n; p++) {
            keys[p] = Double.doubleToRawLongBits(d[from + p]);
            tmpIdx[p] = ix[from + p];
        }
        int[] idxA = tmpIdx;
        int[] idxB = new int[n];
        long[] keyA = keys;
        long[] keyB = tmpKeys;
        int[] count = new int[257];
        // index digits first (least significant part of the composite key), then value digits
        for (int pass = 0; pass < 12; pass++) {
            Arrays.fill(count, 0);
            boolean onIndex = pass < 4;
            int shift = onIndex ? 8 * pass : 8 * (pass - 4);
            for (int p = 0; p < n; p++) {
                int digit = onIndex ? (idxA[p] >>> shift) & 0xff : (int) (keyA[p] >>> shift) & 0xff;
                count[digit + 1]++;
            }
            boolean trivial = false;
            for (int b = 1; b <= 256; b++) {
                if (count[b] == n) {
                    trivial = true;
                    break;
                }
            }
            if (trivial) {
                continue;
            }
            for (int b = 0; b < 256; b++) {
                count[b + 1] += count[b];
            }
            for (int p = 0; p < n; p++) {
                int digit = onIndex ? (idxA[p] >>> shift) & 0xff : (int) (keyA[p] >>> shift) & 0xff;
                int q = count[digit]++;
                keyB[q] = keyA[p];
                idxB[q] = idxA[p];
            }
            long[] tk = keyA;
            keyA = keyB;
            keyB = tk;
            int[] ti = idxA;
            idxA = idxB;
            idxB = ti;
        }
        for (int p = 0; p < n; p++) {
            d[from + p] = Double.longBitsToDouble(keyA[p]);
            ix[from + p] = idxA[p];
        }
    }

    /**
     * Rearranges {@code [from, to)} so that the {@code k} smallest pairs occupy {@code [from, from + k)} (in any order)
     * and position {@code from + k - 1} holds the k-th smallest.
     */
    static void select(double[] d, int[] ix, int from, int to, int k) {
        int target = from + k - 1;
        int lo = from;
        int hi = to;
        while (hi - lo > 24) {
            int p = partition(d, ix, lo, hi);
            if (p == target) {
                return;
            } else if (p < target) {
                lo = p + 1;
            } else {
                hi = p;
            }
        }
        insertion(d, ix, lo, hi);
    }

    private static void insertion(double[] d, int[] ix, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            double dv = d[i];
            int iv = ix[i];
            int j = i - 1;
            while (j >= from && less(dv, iv, d[j], ix[j])) {
                d[j + 1] = d[j];
                ix[j + 1] = ix[j];
                j--;
            }
            d[j + 1] = dv;
            ix[j + 1] = iv;
        }
    }

    /** Median-of-three Lomuto-style partition; returns the pivot's final position. */
    private static int partition(double[] d, int[] ix, int from, int to) {
        int mid = (from + to) >>> 1;
        int last = to - 1;
        if (less(d[mid], ix[mid], d[from], ix[from])) {
            swap(d, ix, mid, from);
        }
        if (less(d[last], ix[last], d[from], ix[from])) {
            swap(d, ix, last, from);
        }
        if (less(d[last], ix[last], d[mid], ix[mid])) {
            swap(d, ix, last, mid);
        }
        swap(d, ix, mid, last);
        double pd = d[last];
        int pi = ix[last];
        int store = from;
        for (int i = from; i < last; i++) {
            if (less(d[i], ix[i], pd, pi)) {
                swap(d, ix, i, store++);
            }
        }
        swap(d, ix, store, last);
        return store;
    }

    private static void swap(double[] d, int[] ix, int a, int b) {
        double t = d[a];
        d[a] = d[b];
        d[b] = t;
        int u = ix[a];
        ix[a] = ix[b];
        ix[b] = u;
    }
}
