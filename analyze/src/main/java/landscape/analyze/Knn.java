package landscape.analyze;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import landscape.core.LandscapeException;
import landscape.core.Matrix;

/**
 * Exact Euclidean k nearest neighbours in float64, on PyTorch GEMM through DJL.
 *
 * <p>Squared distances come from {@code |x|^2 - 2 x.y + |y|^2} (the scikit-learn formula, clipped at 0), computed
 * over the upper triangle of the distance matrix only: a block of B rows is multiplied with all later columns (in
 * spans the memory budget allows), and each pair is fed to both of its rows. B and the spans follow from the memory
 * budget, so the n x n matrix never exists.
 * Each row keeps a bounded candidate buffer that is cut back to the best {@code maxk + 1} whenever it fills.
 * Order is by distance, then by lower index; the point itself is always column 0 at distance 0.
 */
public final class Knn {
    /** Bytes per product element that live at once: the device product and its Java copy (8 each), with 2x slack. */
    private static final int BYTES_PER_BLOCK_ELEMENT = 32;
    private static final int MAX_BLOCK = 1024;
    private static final int FEED_TILE = 64;

    private Knn() {
    }

    /** The device names the CLI accepts. */
    public enum Target { CPU, GPU }

    /**
     * Loads the PyTorch engine (native libraries, thread pools) in the background, so that its start-up overlaps
     * with reading the layer. Failures surface later, in {@link #compute}.
     */
    public static void warmUpInBackground() {
        Thread t = new Thread(() -> {
            try {
                Engine.getEngine("PyTorch");
            } catch (RuntimeException | Error ignored) {
                // reported by compute()
            }
        }, "pytorch-warm-up");
        t.setDaemon(true);
        t.start();
    }

    public static Neighbours compute(Matrix x, int maxk, Target target, long memoryBudget) {
        int n = x.rows();
        if (n < 2) {
            throw new LandscapeException("kNN: need at least 2 points, got " + n);
        }
        int k = Math.min(maxk, n - 1);
        int keep = k + 1;
        int block = blockSize(n, memoryBudget);
        int cap = Math.max(2 * keep, keep + 64);
        double[] norms = rowNormsSquared(x);
        Candidates cand = new Candidates(n, keep, cap);

        Device device = device(target);
        try (NDManager base = NDManager.newBaseManager(device, "PyTorch")) {
            NDArray all = base.create(x.data(), new Shape(n, x.cols()));
            int width = columnSpan(block, memoryBudget);
            for (int a0 = 0; a0 < n; a0 += block) {
                int a1 = Math.min(n, a0 + block);
                // the rows of this block against every column from its own first row on: each pair once
                for (int c0 = a0; c0 < n; c0 += width) {
                    int c1 = Math.min(n, c0 + width);
                    feed(cand, products(base, all, a0, a1, c0, c1), norms, a0, a1, c0, c1);
                }
            }
        }
        return cand.finish(k);
    }

    /**
     * Columns per product: as many as the budget allows for {@code block} rows (at least one block's worth). Public,
     * with {@link #blockSize}, so that the benchmark can time the same products alone.
     */
    public static int columnSpan(int block, long memoryBudget) {
        long w = memoryBudget / ((long) BYTES_PER_BLOCK_ELEMENT * block);
        return (int) Math.max(block, Math.min(Integer.MAX_VALUE / 2 / block, w)); // a Java array holds the product
    }

    /** Rows per block of products for {@code n} points under {@code memoryBudget} bytes (blocks of equal size). */
    public static int blockSize(int n, long memoryBudget) {
        long byBudget = (long) Math.floor(Math.sqrt((double) memoryBudget / BYTES_PER_BLOCK_ELEMENT));
        int b = (int) Math.max(64, Math.min(MAX_BLOCK, byBudget));
        int nb = (n + b - 1) / b;
        return (n + nb - 1) / nb;
    }

    private static Device device(Target target) {
        if (target == Target.GPU) {
            if (Engine.getEngine("PyTorch").getGpuCount() < 1) {
                throw new LandscapeException("--device gpu: no CUDA device visible to PyTorch (CPU natives, or no GPU; "
                        + "CUDA natives come from the -Pcuda build or --libtorch DIR, docs/EXTRACT.md)");
            }
            return Device.gpu();
        }
        return Device.cpu();
    }

    static double[] rowNormsSquared(Matrix x) {
        int d = x.cols();
        double[] data = x.data();
        double[] out = new double[x.rows()];
        for (int i = 0; i < out.length; i++) {
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            int off = i * d;
            int j = 0;
            for (; j + 3 < d; j += 4) {
                double v0 = data[off + j];
                double v1 = data[off + j + 1];
                double v2 = data[off + j + 2];
                double v3 = data[off + j + 3];
                s0 += v0 * v0;
                s1 += v1 * v1;
                s2 += v2 * v2;
                s3 += v3 * v3;
            }
            for (; j < d; j++) {
                s0 += data[off + j] * data[off + j];
            }
            out[i] = (s0 + s1) + (s2 + s3);
        }
        return out;
    }

    /** Dot products of rows [a0,a1) with rows [c0,c1), row-major, computed on the device in a scoped sub-manager. */
    private static double[] products(NDManager base, NDArray all, int a0, int a1, int c0, int c1) {
        try (NDManager sub = base.newSubManager()) {
            NDArray xa = all.get(new NDIndex("{}:{}", a0, a1));
            xa.attach(sub);
            NDArray xc = all.get(new NDIndex("{}:{}", c0, c1));
            xc.attach(sub);
            return xa.matMul(xc.transpose()).toDoubleArray();
        }
    }

    /**
     * Squared distances {@code (|a|^2 - 2 a.c) + |c|^2} (scikit-learn's order of operations), clipped at 0, offered to
     * the rows of the block and, off the diagonal, to the rows of the columns.
     */
    /**
     * Offers the pairs of rows [a0,a1) x columns [c0,c1) (with c0 >= a0) to the block rows and, for columns past the
     * block, to the column rows too; the halves of each run in parallel (their rows are disjoint).
     */
    static void feed(Candidates cand, double[] g, double[] norms, int a0, int a1, int c0, int c1) {
        int am = (a0 + a1) >>> 1;
        int s0 = Math.max(c0, a1);
        int sm = (s0 + c1) >>> 1;
        List<Runnable> parts = new ArrayList<>(4);
        parts.add(() -> feedRows(cand, g, norms, a0, c0, c1, a0, am));
        parts.add(() -> feedRows(cand, g, norms, a0, c0, c1, am, a1));
        if (s0 < c1) {
            parts.add(() -> feedColumns(cand, g, norms, a0, a1, c0, c1, s0, sm));
            parts.add(() -> feedColumns(cand, g, norms, a0, a1, c0, c1, sm, c1));
        }
        parts.parallelStream().forEach(Runnable::run);
    }

    /** Block rows [r0,r1) against all product columns [c0,c1); the point itself enters as -1 (always first). */
    private static void feedRows(Candidates cand, double[] g, double[] norms, int a0, int c0, int c1, int r0, int r1) {
        int w = c1 - c0;
        for (int i = r0; i < r1; i++) {
            int off = (i - a0) * w - c0;
            double ni = norms[i];
            double thr = cand.threshold[i];
            for (int j = c0; j < c1; j++) {
                if (j == i) {
                    cand.add(i, -1.0, i);
                    thr = cand.threshold[i];
                    continue;
                }
                double v = (ni - 2 * g[off + j]) + norms[j];
                if (v <= thr) {
                    cand.add(i, v <= 0 ? 0.0 : v, j);
                    thr = cand.threshold[i];
                }
            }
        }
    }

    /** The same pairs for column rows [s0,s1), read row-major in tiles of columns so they stay in cache. */
    private static void feedColumns(Candidates cand, double[] g, double[] norms, int a0, int a1, int c0, int c1, int s0, int s1) {
        int w = c1 - c0;
        double[] thresholds = cand.threshold;
        for (int t0 = s0; t0 < s1; t0 += FEED_TILE) {
            int t1 = Math.min(s1, t0 + FEED_TILE);
            for (int i = a0; i < a1; i++) {
                int off = (i - a0) * w - c0;
                double ni = norms[i];
                for (int j = t0; j < t1; j++) {
                    double v = (ni - 2 * g[off + j]) + norms[j];
                    if (v <= thresholds[j]) {
                        cand.add(j, v <= 0 ? 0.0 : v, i);
                    }
                }
            }
        }
    }

    private static final int SAMPLE = 64;
    private static final ThreadLocal<long[][]> SORT_SCRATCH = ThreadLocal.withInitial(() -> new long[][] {new long[0], new long[0]});
    private static final ThreadLocal<int[]> SORT_SCRATCH_IDX = ThreadLocal.withInitial(() -> new int[0]);
    private static final ThreadLocal<double[]> SCRATCH = ThreadLocal.withInitial(() -> new double[SAMPLE]);

    /** Per-row bounded buffers of (squared distance, index) candidates. The self entry carries -1. */
    static final class Candidates {
        private final int keep;
        private final int cap;
        private final double[] dist;
        private final int[] idx;
        private final int[] size;
        final double[] threshold;

        Candidates(int n, int keep, int cap) {
            this.keep = keep;
            this.cap = cap;
            this.dist = new double[Math.multiplyExact(n, cap)];
            this.idx = new int[n * cap];
            this.size = new int[n];
            this.threshold = new double[n];
            Arrays.fill(threshold, Double.POSITIVE_INFINITY);
        }

        /** Adds a candidate the caller found at or below the row's threshold. */
        void add(int row, double d, int j) {
            int s = size[row];
            int base = row * cap;
            if (s == cap) {
                s = compact(row, base, cap);
                if (d > threshold[row]) {
                    size[row] = s;
                    return;
                }
            }
            dist[base + s] = d;
            idx[base + s] = j;
            size[row] = s + 1;
        }

        /**
         * Cuts a full row back to the candidates at or below a threshold T that at least {@code keep} of them meet
         * (so nothing that can still be among the best is lost) and makes T the row's threshold. T is read from a
         * sorted sample of 64 buffered distances, a little above the expected rank, and checked by counting; the
         * count and the cut are branch-free. Only if that fails (heavy ties) is the exact (distance, index) selection
         * used. Returns the new size.
         */
        private int compact(int row, int base, int s) {
            if (s < 4 * SAMPLE) {
                PairSort.select(dist, idx, base, base + s, keep);
                threshold[row] = dist[base + keep - 1];
                return keep;
            }
            double[] sample = SCRATCH.get();
            int step = s / SAMPLE;
            for (int q = 0; q < SAMPLE; q++) {
                sample[q] = dist[base + q * step];
            }
            Arrays.sort(sample, 0, SAMPLE);
            int r = (int) Math.ceil((double) SAMPLE * keep / s) + 3;
            double t = Double.NaN;
            int count = 0;
            while (r < SAMPLE) {
                t = sample[r];
                count = 0;
                for (int p = base; p < base + s; p++) {
                    count += dist[p] <= t ? 1 : 0;
                }
                if (count >= keep) {
                    break;
                }
                r += 4;
            }
            if (count < keep || count > s - s / 8) {
                PairSort.select(dist, idx, base, base + s, keep);
                threshold[row] = dist[base + keep - 1];
                return keep;
            }
            int m = base;
            for (int p = base; p < base + s; p++) {
                double v = dist[p];
                dist[m] = v;
                idx[m] = idx[p];
                m += v <= t ? 1 : 0;
            }
            threshold[row] = t;
            return m - base;
        }

        Neighbours finish(int k) {
            int n = size.length;
            int cols = k + 1;
            double[] outD = new double[n * cols];
            int[] outI = new int[n * cols];
            IntStream.range(0, n).parallel().forEach(row -> {
                int base = row * cap;
                int s = size[row];
                if (s > cols) {
                    s = compact(row, base, s); // at least cols remain, ties at the cut included
                }
                // the point itself (-1) first, the rest by (distance, index)
                for (int p = base; p < base + s; p++) {
                    if (dist[p] < 0) {
                        dist[p] = dist[base];
                        idx[p] = idx[base];
                        dist[base] = -1.0;
                        idx[base] = row;
                        break;
                    }
                }
                long[][] scratch = SORT_SCRATCH.get();
                int[] scratchIdx = SORT_SCRATCH_IDX.get();
                if (scratchIdx.length < s) {
                    scratch = new long[][] {new long[s], new long[s]};
                    scratchIdx = new int[s];
                    SORT_SCRATCH.set(scratch);
                    SORT_SCRATCH_IDX.set(scratchIdx);
                }
                PairSort.radixSortNonNegative(dist, idx, base + 1, base + s, scratch[0], scratch[1], scratchIdx);
                for (int c = 0; c < cols; c++) {
                    double v = dist[base + c];
                    outD[row * cols + c] = v <= 0 ? 0.0 : Math.sqrt(v);
                    outI[row * cols + c] = idx[base + c];
                }
            });
            return new Neighbours(n, k, outD, outI);
        }
    }
}
