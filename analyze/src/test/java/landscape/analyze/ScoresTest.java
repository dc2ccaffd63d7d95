package landscape.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import landscape.core.Matrix;
import org.junit.jupiter.api.Test;

/** ARI, label overlap, log-gamma, duplicate detection and pair ordering. */
class ScoresTest {
    @Test
    void ariOfAPartitionWithItselfIsOne() {
        Random rng = new Random(3);
        int[] a = new int[500];
        for (int i = 0; i < a.length; i++) {
            a[i] = rng.nextInt(7);
        }
        assertEquals(1.0, AdjustedRand.score(a, a), 0.0);
    }

    @Test
    void ariIsInvariantToRelabelling() {
        Random rng = new Random(4);
        int[] a = new int[400];
        int[] b = new int[400];
        int[] relabelled = new int[400];
        int[] perm = {5, 9, 0, 3, 100, -7};
        for (int i = 0; i < a.length; i++) {
            a[i] = rng.nextInt(6);
            b[i] = rng.nextInt(4);
            relabelled[i] = perm[a[i]];
        }
        assertEquals(AdjustedRand.score(a, b), AdjustedRand.score(relabelled, b), 1e-15);
        assertEquals(AdjustedRand.score(a, b), AdjustedRand.score(b, a), 1e-15);
        assertEquals(1.0, AdjustedRand.score(a, relabelled), 0.0);
    }

    @Test
    void ariMatchesScikitLearnValues() {
        assertEquals(0.5714285714285714, AdjustedRand.score(new int[] {0, 0, 1, 2}, new int[] {0, 0, 1, 1}), 1e-15);
        assertEquals(0.047619047619047616,
                AdjustedRand.score(new int[] {0, 0, 0, 1, 1, 1, 2, 2}, new int[] {0, 1, 1, 1, 2, 2, 2, 0}), 1e-15);
        assertEquals(0.0, AdjustedRand.score(new int[] {0, 0, 0}, new int[] {1, 2, 3}), 0.0);
        assertEquals(1.0, AdjustedRand.score(new int[] {0, 0, 0}, new int[] {5, 5, 5}), 0.0);
    }

    @Test
    void labelOverlapCountsSameLabelNeighboursPerClassFraction() {
        // 1-D points 0,1,2,10,11,12: two well separated classes of 3; class fraction 0.7 -> k_c = 2
        Matrix x = new Matrix(6, 1, new double[] {0, 1, 2, 10, 11, 12});
        Neighbours nn = Knn.compute(x, 5, Knn.Target.CPU, AnalysisParams.GIB);
        assertEquals(1.0, LabelOverlap.overlap(nn, new int[] {0, 0, 0, 1, 1, 1}, 0.7), 1e-15);
        // alternating labels: per point 1/2, 0, 1/2, 1/2, 0, 1/2 (ties go to the lower index); equal weights
        double o = LabelOverlap.overlap(nn, new int[] {0, 1, 0, 1, 0, 1}, 0.7);
        assertEquals(1.0 / 3, o, 1e-15);
    }

    @Test
    void logGammaMatchesPythonMathLgamma() {
        assertEquals(2.181021046367168, KnnDensity.logGamma(4.3), 1e-14);
        assertEquals(2.2527126517342055, KnnDensity.logGamma(0.1), 1e-14);
        assertEquals(62.90499082887651, KnnDensity.logGamma(27.5), 1e-13);
        assertEquals(-0.12078223763524543, KnnDensity.logGamma(1.5), 1e-14);
        assertEquals(Math.log(362880), KnnDensity.logGamma(10), 1e-13);
    }

    @Test
    void duplicatesKeepTheFirstOccurrenceAndTreatSignedZerosAsEqual() {
        Matrix x = new Matrix(5, 2, new double[] {1, 0, 2, 3, 1, -0.0, 2, 3, 4, 4});
        assertEquals(List.of(0, 1, 4),
                Arrays.stream(Duplicates.firstOccurrences(x)).boxed().toList());
    }

    @Test
    void radixSortOrdersByValueThenLowerIndex() {
        Random rng = new Random(9);
        double[] d = new double[3000];
        int[] ix = new int[3000];
        for (int i = 0; i < d.length; i++) {
            d[i] = rng.nextInt(50) * 0.37;
            ix[i] = (i * 7919) % 3000;
        }
        int n = d.length;
        PairSort.radixSortNonNegative(d, ix, 0, n, new long[n], new long[n], new int[n]);
        for (int i = 1; i < n; i++) {
            assertEquals(true, PairSort.less(d[i - 1], ix[i - 1], d[i], ix[i]), "position " + i);
        }
        double[] e = {3.5, 0.0, 1e-300, 2.0, 3.5, 1e300};
        int[] ex = {9, 70000, 2, 1 << 20, 4, 0};
        PairSort.radixSortNonNegative(e, ex, 0, e.length, new long[6], new long[6], new int[6]);
        assertEquals(List.of(70000, 2, 1 << 20, 4, 9, 0), Arrays.stream(ex).boxed().toList());
    }
}
