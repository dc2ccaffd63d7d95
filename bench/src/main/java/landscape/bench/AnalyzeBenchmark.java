package landscape.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import landscape.analyze.AnalysisParams;
import landscape.analyze.Knn;
import landscape.analyze.LayerAnalysis;
import landscape.analyze.MaskSpec;
import landscape.analyze.Neighbours;
import landscape.core.Json;
import landscape.core.Matrix;
import landscape.core.format.DType;
import landscape.core.format.LayerFiles;
import landscape.core.format.Npy;
import landscape.core.format.Tensor;
import landscape.core.run.LayerStats;

/**
 * Benchmark of one layer's analysis at the paper's shape (not a test). Two modes, run as separate processes so the
 * analysis' peak RSS is not inflated by the generator:
 * <pre>
 *   java -cp bench/target/landscape-bench.jar landscape.bench.AnalyzeBenchmark generate DIR [N D]
 *   java -cp bench/target/landscape-bench.jar landscape.bench.AnalyzeBenchmark run DIR [cpu|gpu] [repeats]
 *   java -cp bench/target/landscape-bench.jar landscape.bench.AnalyzeBenchmark knn-time DIR [repeats]
 *   java -cp bench/target/landscape-bench.jar landscape.bench.AnalyzeBenchmark knn DIR
 * </pre>
 * {@code generate} writes DIR/layer.npy (float32 [N, D], default 9181 x 4096) and DIR/samples.csv: 57 subjects,
 * each a curved 8-dimensional patch around its own centre, plus a shared 16-dimensional drift and isotropic noise.
 * {@code run} prints the time of each step, the total and the peak RSS (VmHWM), and writes DIR/stats.json.
 * {@code knn-time} splits the kNN's time from outside: {@code Knn.compute} alone, then the same half-GEMM products
 * alone (same blocks and spans, timed here), so that the rest is the candidate feed and the final sort.
 * {@code knn} writes our neighbours (knn_indices.npy, knn_distances.npy) for {@code bench/analyze/compare_knn.py}.
 */
public final class AnalyzeBenchmark {
    private AnalyzeBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: AnalyzeBenchmark generate DIR [N D] | run DIR [cpu|gpu] [repeats]"
                    + " | knn-time DIR [repeats] | knn DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[1]);
        if (args[0].equals("knn")) {
            saveNeighbours(dir);
        } else if (args[0].equals("knn-time")) {
            knnTime(dir, args.length > 2 ? Integer.parseInt(args[2]) : 1);
        } else if (args[0].equals("generate")) {
            int n = args.length > 2 ? Integer.parseInt(args[2]) : 9181;
            int d = args.length > 3 ? Integer.parseInt(args[3]) : 4096;
            generate(dir, n, d, 57, 20240917L);
        } else {
            Knn.Target target = args.length > 2 ? Knn.Target.valueOf(args[2].toUpperCase(Locale.ROOT)) : Knn.Target.CPU;
            int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 1;
            run(dir, target, repeats);
        }
    }

    /** Writes DIR/knn_indices.npy (int64) and DIR/knn_distances.npy (float64), [n, 1001], to compare with sklearn. */
    static void saveNeighbours(Path dir) {
        Matrix x = LayerFiles.readMatrix(dir.resolve("layer.npy"));
        Neighbours nn = Knn.compute(x, 1000, Knn.Target.CPU, AnalysisParams.GIB);
        long[] shape = {nn.rows(), nn.cols()};
        double[] idx = new double[nn.indices().length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = nn.indices()[i];
        }
        Npy.write(dir.resolve("knn_indices.npy"), Tensor.ofDoubles(DType.I64, shape, idx));
        Npy.write(dir.resolve("knn_distances.npy"), Tensor.ofDoubles(DType.F64, shape, nn.distances()));
        System.out.println("wrote " + dir.resolve("knn_indices.npy") + " and knn_distances.npy");
    }

    /**
     * Where the kNN's time goes, measured from outside the algorithm: {@code Knn.compute} (maxk 1000, 1 GiB budget,
     * CPU) in wall and process-CPU seconds, then the products it computes (the upper triangle in the same blocks of
     * rows and spans of columns, through the same DJL calls, copied back to Java) alone; the difference is the
     * candidate feed and the final sort.
     */
    static void knnTime(Path dir, int repeats) {
        Matrix x = LayerFiles.readMatrix(dir.resolve("layer.npy"));
        Engine.getEngine("PyTorch"); // started before the clock, as the analysis starts it while reading the layer
        long budget = AnalysisParams.GIB;
        int block = Knn.blockSize(x.rows(), budget);
        int span = Knn.columnSpan(block, budget);
        for (int r = 0; r < repeats; r++) {
            long c0 = cpuNanos();
            long t0 = System.nanoTime();
            Neighbours nn = Knn.compute(x, 1000, Knn.Target.CPU, budget);
            double knnWall = (System.nanoTime() - t0) / 1e9;
            double knnCpu = (cpuNanos() - c0) / 1e9;
            c0 = cpuNanos();
            t0 = System.nanoTime();
            products(x, block, span);
            double gemmWall = (System.nanoTime() - t0) / 1e9;
            double gemmCpu = (cpuNanos() - c0) / 1e9;
            System.out.printf(Locale.ROOT, "knn %d: n=%d maxk=%d block %d span %d (wall / process CPU seconds): "
                    + "Knn.compute %.3f / %.3f; its products alone %.3f / %.3f; so feed + final sort %.3f / %.3f%n",
                    r + 1, nn.rows(), nn.maxk(), block, span, knnWall, knnCpu, gemmWall, gemmCpu, knnWall - gemmWall,
                    knnCpu - gemmCpu);
        }
    }

    /** The products Knn computes (rows of a block against every column from the block's first row on), timed alone. */
    private static void products(Matrix x, int block, int span) {
        int n = x.rows();
        try (NDManager base = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray all = base.create(x.data(), new Shape(n, x.cols()));
            for (int a0 = 0; a0 < n; a0 += block) {
                int a1 = Math.min(n, a0 + block);
                for (int c0 = a0; c0 < n; c0 += span) {
                    int c1 = Math.min(n, c0 + span);
                    try (NDManager sub = base.newSubManager()) {
                        NDArray xa = all.get(new NDIndex("{}:{}", a0, a1));
                        xa.attach(sub);
                        NDArray xc = all.get(new NDIndex("{}:{}", c0, c1));
                        xc.attach(sub);
                        xa.matMul(xc.transpose()).toDoubleArray();
                    }
                }
            }
        }
    }

    static void run(Path dir, Knn.Target target, int repeats) {
        AnalysisParams params = new AnalysisParams(1000, 100, 16, 1.6, 0.3, target, AnalysisParams.GIB, false, false);
        LayerAnalysis.Input in = new LayerAnalysis.Input(dir.resolve("layer.npy"), dir.resolve("samples.csv"),
                new MaskSpec.All(), null);
        for (int r = 0; r < repeats; r++) {
            long cpu0 = cpuNanos();
            LayerStats s = LayerAnalysis.run(in, params);
            double cpu = (cpuNanos() - cpu0) / 1e9;
            StringBuilder line = new StringBuilder();
            for (Map.Entry<String, Double> e : s.timings().entrySet()) {
                line.append(String.format(Locale.ROOT, " %s=%.3f", e.getKey(), e.getValue()));
            }
            System.out.printf(Locale.ROOT, "run %d (%s): n=%d maxk=%d id[4]=%.4f clusters=%d ari_subjects=%.4f%n"
                    + "  wall seconds:%s%n  process CPU seconds: %.3f%n",
                    r + 1, target, s.nPoints(), s.maxk(), s.ids()[4], s.nClusters(), s.ariSubjects(), line, cpu);
            if (r == repeats - 1) {
                Json.write(dir.resolve("stats.json"), s);
            }
        }
        System.out.println("peak RSS (VmHWM): " + peakRss());
    }

    static long cpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    static String peakRss() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM")) {
                    return l.substring(6).trim();
                }
            }
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        return "unknown";
    }

    static void generate(Path dir, int n, int d, int subjects, long seed) throws IOException {
        Files.createDirectories(dir);
        Random rng = new Random(seed);
        int latent = 8;
        int shared = 16;
        float[][] centres = new float[subjects][d];
        float[][][] basis = new float[subjects][latent][d];
        for (int s = 0; s < subjects; s++) {
            for (int j = 0; j < d; j++) {
                centres[s][j] = (float) (rng.nextGaussian() * 0.6);
                for (int l = 0; l < latent; l++) {
                    basis[s][l][j] = (float) (rng.nextGaussian() / Math.sqrt(latent));
                }
            }
        }
        float[][] drift = new float[shared][d];
        for (int l = 0; l < shared; l++) {
            for (int j = 0; j < d; j++) {
                drift[l][j] = (float) (rng.nextGaussian() * 0.5 / Math.sqrt(shared));
            }
        }
        double[] values = new double[Math.multiplyExact(n, d)];
        String[] letters = {"A", "B", "C", "D"};
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("samples.csv"), StandardCharsets.UTF_8)) {
            w.write("row,subject,answer\n");
            double[] z = new double[latent];
            double[] y = new double[shared];
            for (int i = 0; i < n; i++) {
                int s = (int) ((long) i * subjects / n);
                for (int l = 0; l < latent; l++) {
                    z[l] = rng.nextGaussian();
                }
                for (int l = 0; l < shared; l++) {
                    y[l] = rng.nextGaussian();
                }
                int off = i * d;
                for (int j = 0; j < d; j++) {
                    double v = centres[s][j];
                    for (int l = 0; l < latent; l++) {
                        v += basis[s][l][j] * (z[l] + 0.15 * z[l] * z[(l + 1) % latent]);
                    }
                    for (int l = 0; l < shared; l++) {
                        v += drift[l][j] * y[l];
                    }
                    values[off + j] = (float) (v + 0.3 * rng.nextGaussian());
                }
                w.write(i + ",subject_" + String.format(Locale.ROOT, "%02d", s) + "," + letters[rng.nextInt(4)] + "\n");
            }
        }
        Npy.write(dir.resolve("layer.npy"), Tensor.ofDoubles(DType.F32, new long[] {n, d}, values));
        System.out.println("wrote " + dir.resolve("layer.npy") + " [" + n + ", " + d + "] float32 and samples.csv");
    }
}
