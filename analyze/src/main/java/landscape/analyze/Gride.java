package landscape.analyze;

import java.util.Arrays;

/**
 * Gride intrinsic dimension at scales n1 = 1, 2, 4, ... (DADApy {@code return_id_scaling_gride} from stored
 * neighbour distances): at scale i the ratio {@code mu = r(2 n1) / r(n1)} of every point enters a maximum-likelihood
 * estimate of the ID (bisection on the derivative of the log-likelihood between d0 = 1e-3 and d1 = 1000 to 1e-7),
 * with its error from the Fisher information. {@code rs} is the mean of r(n1) and r(2 n1) over all points.
 */
public final class Gride {
    private static final double D0 = 0.001;
    private static final double D1 = 1000;
    private static final double EPS = 1e-7;
    private static final double DOUBLE_EPS = Math.ulp(1.0);

    private Gride() {
    }

    public record Result(double[] ids, double[] idsErr, double[] rs) {
    }

    /** Number of scales for {@code rangeMax} on {@code nn}: floor(log2(min(n, rangeMax, maxk))). */
    public static int scales(Neighbours nn, int rangeMax) {
        int maxRank = Math.min(Math.min(nn.rows(), rangeMax), nn.maxk());
        return 31 - Integer.numberOfLeadingZeros(maxRank);
    }

    public static Result scaling(Neighbours nn, int rangeMax) {
        int steps = scales(nn, rangeMax);
        int n = nn.rows();
        double[] ids = new double[steps];
        double[] errs = new double[steps];
        double[] rs = new double[steps];
        double[] mus = new double[n];
        for (int s = 0; s < steps; s++) {
            int n1 = 1 << s;
            int n2 = 2 * n1;
            double rsum = 0;
            for (int i = 0; i < n; i++) {
                double r1 = positive(nn.distance(i, n1));
                double r2 = positive(nn.distance(i, n2));
                mus[i] = r2 / r1;
                rsum += r1 + r2;
            }
            rs[s] = rsum / (2.0 * n);
            // DADApy nudges ratios of exactly 1 (in place, so the Fisher information sees them too)
            for (int i = 0; i < n; i++) {
                if (mus[i] == 1.0) {
                    mus[i] += 10 * DOUBLE_EPS;
                }
            }
            double[] kept = filterMus(mus);
            ids[s] = argmaxLoglik(kept, n1, n2);
            errs[s] = 1.0 / Math.sqrt(fisherInfo(ids[s], mus, n1, n2, 5 * DOUBLE_EPS));
        }
        return new Result(ids, errs, rs);
    }

    /** Zero neighbour distances (numerical duplicates) become machine epsilon, as DADApy's remove_zero_dists. */
    private static double positive(double r) {
        return r < DOUBLE_EPS ? DOUBLE_EPS : r;
    }

    /** Drops ratios above q50 + 20 (q95 - q50), very likely from overlapping points. */
    static double[] filterMus(double[] mus) {
        double[] sorted = mus.clone();
        Arrays.sort(sorted);
        double q95 = percentile(sorted, 95);
        double q50 = percentile(sorted, 50);
        double muMax = 20 * (q95 - q50) + q50;
        int m = 0;
        double[] out = new double[mus.length];
        for (double mu : mus) {
            if (mu < muMax) {
                out[m++] = mu;
            }
        }
        return Arrays.copyOf(out, m);
    }

    /** NumPy's default ("linear") percentile of sorted values, with its two-sided interpolation. */
    static double percentile(double[] sorted, double q) {
        double pos = q / 100.0 * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double t = pos - lo;
        double a = sorted[lo];
        double b = sorted[hi];
        double diff = b - a;
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
    }

    private static double argmaxLoglik(double[] mus, int n1, int n2) {
        int n = mus.length;
        double d0 = D0;
        double d1 = D1;
        double l1 = negDloglik(d1, mus, n1, n2, n);
        while (Math.abs(d0 - d1) > EPS) {
            double d2 = (d0 + d1) / 2.0;
            double l2 = negDloglik(d2, mus, n1, n2, n);
            if (l2 * l1 > 0) {
                d1 = d2;
            } else {
                d0 = d2;
            }
        }
        return (d0 + d1) / 2.0;
    }

    private static double negDloglik(double d, double[] mus, int n1, int n2, int n) {
        double sum = 0;
        for (double mu : mus) {
            double oneMinus = 1.0 - Math.pow(mu, -d);
            if (oneMinus < 2 * EPS) {
                oneMinus = 2 * EPS;
            }
            sum += ((1 - n2 + n1) / oneMinus + n2 - 1.0) * Math.log(mu);
        }
        return sum - (n - 1) / d;
    }

    private static double fisherInfo(double id, double[] mus, int n1, int n2, double eps) {
        int n = mus.length;
        double j1 = 0;
        for (double mu : mus) {
            double oneMinus = 1.0 - Math.pow(mu, -id);
            if (oneMinus < eps) {
                oneMinus = eps;
            }
            double f1 = Math.log(mu) / oneMinus;
            j1 += (n2 - n1 - 1) * (f1 * f1 * Math.pow(mu, -id));
        }
        return n / (id * id) + j1;
    }
}
