package landscape.analyze;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import landscape.core.Matrix;
import org.junit.jupiter.api.Test;

class KnnTest {
    /** Points on a small integer grid: many exactly tied distances, all computed exactly in float64. */
    static Matrix gridPoints(int n, int d, int levels, long seed) {
        Random rng = new Random(seed);
        double[] a = new double[n * d];
        for (int i = 0; i < a.length; i++) {
            a[i] = rng.nextInt(levels);
        }
        return new Matrix(n, d, a);
    }

    /** The brute-force double loop: all distances, sorted by distance then index, self first. */
    static void assertMatchesBruteForce(Matrix x, Neighbours nn) {
        int n = x.rows();
        for (int i = 0; i < n; i++) {
            List<double[]> all = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int c = 0; c < x.cols(); c++) {
                    double t = x.get(i, c) - x.get(j, c);
                    s += t * t;
                }
                all.add(new double[] {j == i ? -1 : s, j});
            }
            all.sort(Comparator.<double[]>comparingDouble(p -> p[0]).thenComparingDouble(p -> p[1]));
            for (int c = 0; c <= nn.maxk(); c++) {
                assertEquals((int) all.get(c)[1], nn.index(i, c), "row " + i + " column " + c);
                assertEquals(Math.sqrt(Math.max(0, all.get(c)[0])), nn.distance(i, c), 1e-12, "row " + i + " column " + c);
            }
        }
    }

    @Test
    void knnEqualsBruteForceWithTiesAcrossManyBlocks() {
        Matrix x = gridPoints(300, 5, 3, 1);
        Neighbours nn = Knn.compute(x, 40, Knn.Target.CPU, 64L * 64 * 32); // 64-row blocks
        assertEquals(40, nn.maxk());
        assertMatchesBruteForce(x, nn);
    }

    @Test
    void knnEqualsBruteForceOnRandomGaussianData() {
        Random rng = new Random(7);
        double[] a = new double[257 * 13];
        for (int i = 0; i < a.length; i++) {
            a[i] = rng.nextGaussian();
        }
        Matrix x = new Matrix(257, 13, a);
        Neighbours nn = Knn.compute(x, 100, Knn.Target.CPU, AnalysisParams.GIB);
        assertMatchesBruteForce(x, nn);
    }

    @Test
    void blockSizeDoesNotChangeTheResult() {
        Matrix x = gridPoints(400, 4, 4, 3);
        Neighbours one = Knn.compute(x, 60, Knn.Target.CPU, AnalysisParams.GIB);
        Neighbours many = Knn.compute(x, 60, Knn.Target.CPU, 70L * 70 * 32);
        assertArrayEquals(one.indices(), many.indices());
        assertArrayEquals(one.distances(), many.distances());
    }

    @Test
    void maxkIsClampedToNMinusOneAndSelfIsColumnZero() {
        Matrix x = gridPoints(20, 3, 2, 5); // duplicates among 8 possible points
        Neighbours nn = Knn.compute(x, 1000, Knn.Target.CPU, AnalysisParams.GIB);
        assertEquals(19, nn.maxk());
        for (int i = 0; i < 20; i++) {
            assertEquals(i, nn.index(i, 0));
            assertEquals(0.0, nn.distance(i, 0));
        }
        assertMatchesBruteForce(x, nn);
    }

    @Test
    void blockSizeFollowsTheBudget() {
        assertEquals(1000, Knn.blockSize(1000, AnalysisParams.GIB));
        assertEquals(64, Knn.blockSize(128, 64L * 64 * 32));
        assertEquals(1021, Knn.blockSize(9181, AnalysisParams.GIB));
    }
}
