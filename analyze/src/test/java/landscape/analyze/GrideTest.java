package landscape.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import landscape.core.Matrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GrideTest {
    /** Uniform points in [0,1]^d, rotated into D = 24 dimensions by a random orthonormal frame. */
    static Matrix embeddedCube(int n, int d, int bigD, long seed) {
        Random rng = new Random(seed);
        double[][] frame = new double[d][bigD];
        for (int a = 0; a < d; a++) {
            for (int j = 0; j < bigD; j++) {
                frame[a][j] = rng.nextGaussian();
            }
            for (int b = 0; b < a; b++) {
                double dot = 0;
                for (int j = 0; j < bigD; j++) {
                    dot += frame[a][j] * frame[b][j];
                }
                for (int j = 0; j < bigD; j++) {
                    frame[a][j] -= dot * frame[b][j];
                }
            }
            double norm = 0;
            for (int j = 0; j < bigD; j++) {
                norm += frame[a][j] * frame[a][j];
            }
            for (int j = 0; j < bigD; j++) {
                frame[a][j] /= Math.sqrt(norm);
            }
        }
        double[] x = new double[n * bigD];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                double u = rng.nextDouble();
                for (int j = 0; j < bigD; j++) {
                    x[i * bigD + j] += u * frame[a][j];
                }
            }
        }
        return new Matrix(n, bigD, x);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5})
    void grideOfAnEmbeddedUniformCubeIsNearItsDimension(int d) {
        Matrix x = embeddedCube(3000, d, 24, 11 + d);
        Neighbours nn = Knn.compute(x, 100, Knn.Target.CPU, AnalysisParams.GIB);
        Gride.Result r = Gride.scaling(nn, 100);
        assertEquals(6, r.ids().length);
        for (int s = 0; s < 2; s++) {
            assertEquals(d, r.ids()[s], 0.12 * d, "scale " + s + " ids " + Arrays.toString(r.ids()));
            assertTrue(r.idsErr()[s] > 0 && r.idsErr()[s] < 0.1 * d);
        }
        for (int s = 1; s < r.rs().length; s++) {
            assertTrue(r.rs()[s] > r.rs()[s - 1], "rs grows with the scale");
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, 10, 50, 95, 100})
    void percentileMatchesNumpyLinearInterpolation(double q) {
        double[] sorted = {1, 2, 4, 8, 16};
        double pos = q / 100 * 4;
        int lo = (int) Math.floor(pos);
        double expected = lo >= 4 ? 16 : sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (pos - lo);
        assertEquals(expected, Gride.percentile(sorted, q), 1e-12);
    }
}
