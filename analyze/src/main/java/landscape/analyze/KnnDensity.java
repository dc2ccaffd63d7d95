package landscape.analyze;

/**
 * kNN density (DADApy {@code compute_density_kNN}): {@code log rho_i = log k - log(omega_d r_ik^d) - log n}, where
 * {@code omega_d = pi^(d/2) / Gamma(d/2 + 1)} is the unit-ball volume and r_ik the distance to the k-th neighbour;
 * the error is {@code 1/sqrt(k)} for every point.
 */
public final class KnnDensity {
    private KnnDensity() {
    }

    public record Result(double[] logDen, double[] logDenErr) {
    }

    public static Result compute(Neighbours nn, int k, double id) {
        if (k < 1 || k > nn.maxk()) {
            throw new IllegalArgumentException("density k " + k + " outside 1.." + nn.maxk());
        }
        int n = nn.rows();
        double logPrefactor = Math.log(Math.exp(id / 2.0 * Math.log(Math.PI) - logGamma((id + 2) / 2)));
        double logK = Math.log(k);
        double logN = Math.log(n);
        double err = 1.0 / Math.sqrt(k);
        double[] logDen = new double[n];
        double[] logDenErr = new double[n];
        for (int i = 0; i < n; i++) {
            logDen[i] = logK - (logPrefactor + id * Math.log(nn.distance(i, k))) - logN;
            logDenErr[i] = err;
        }
        return new Result(logDen, logDenErr);
    }

    /**
     * log Gamma(x) for x > 0: shifted up to x >= 15 with the recurrence, then Stirling's series to x^-15; the error
     * is a few ulps.
     */
    static double logGamma(double x) {
        if (!(x > 0)) {
            throw new IllegalArgumentException("logGamma needs x > 0, got " + x);
        }
        double shift = 0;
        double prod = 1;
        while (x < 15) {
            prod *= x;
            x += 1;
            if (prod > 1e280) {
                shift += Math.log(prod);
                prod = 1;
            }
        }
        shift += Math.log(prod);
        double inv = 1 / x;
        double inv2 = inv * inv;
        double series = inv * (1.0 / 12 + inv2 * (-1.0 / 360 + inv2 * (1.0 / 1260 + inv2 * (-1.0 / 1680
                + inv2 * (1.0 / 1188 + inv2 * (-691.0 / 360360 + inv2 * (1.0 / 156 + inv2 * (-3617.0 / 122400))))))));
        return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
    }
}
