package landscape.analyze;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import landscape.core.format.DType;
import landscape.core.format.Npy;
import landscape.core.format.Tensor;
import landscape.core.testing.Golden;

/** Small layers and samples.csv files written into a test's temp folder. */
final class Fixtures {
    private Fixtures() {
    }

    static Path goldenSet(String name) {
        return Golden.file("analysis", name);
    }

    /** {@code n} points in {@code groups} Gaussian blobs in 8-D; subject = blob. */
    static double[] blobs(int n, int d, int groups, long seed) {
        Random rng = new Random(seed);
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            int g = i % groups;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (j == g % d ? 6.0 * (1 + g / d) : 0) + rng.nextGaussian();
            }
        }
        return x;
    }

    static Path writeLayer(Path dir, String name, int n, int d, double[] values) {
        Path f = dir.resolve(name);
        Npy.write(f, Tensor.ofDoubles(DType.F32, new long[] {n, d}, values));
        return f;
    }

    static Path writeSamples(Path dir, int n, int groups, String answerOverride, int overrideRow) throws IOException {
        StringBuilder sb = new StringBuilder("row,dataset_index,subject,answer,prediction\n");
        String[] letters = {"A", "B", "C", "D"};
        for (int i = 0; i < n; i++) {
            String answer = i == overrideRow ? answerOverride : letters[(i * 7) % 4];
            sb.append(i).append(',').append(i).append(",subject_").append(i % groups).append(',').append(answer).append(",A\n");
        }
        Path f = dir.resolve("samples.csv");
        Files.writeString(f, sb.toString());
        return f;
    }
}
