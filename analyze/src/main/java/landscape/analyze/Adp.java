package landscape.analyze;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import landscape.core.LandscapeException;

/**
 * Advanced Density Peaks clustering (d'Errico et al. 2021), as DADApy's {@code compute_clustering_ADP}:
 * <ol>
 *   <li>putative centres are points whose corrected density {@code g = rho_c - err} is not exceeded by any of their
 *       k* neighbours; a centre that lies among the k* neighbours of a denser point is dropped;</li>
 *   <li>every other point, in decreasing g, joins the cluster of its nearest already-assigned neighbour;</li>
 *   <li>a saddle between two clusters is the densest point of one whose nearest neighbour in the other has no closer
 *       point of the first cluster;</li>
 *   <li>while some pair's peaks are not significantly (Z) above their saddle, the pair with the highest saddle merges,
 *       the less significant peak into the more significant one;</li>
 *   <li>halo points are those below the highest saddle of their cluster.</li>
 * </ol>
 * Cluster labels follow the order of the surviving centres by point index, as DADApy numbers them.
 */
public final class Adp {
    private Adp() {
    }

    /** Labels without halo, labels with halo (-1 = halo), number of clusters. */
    public record Result(int[] assignment, int[] assignmentHalo, int nClusters) {
        public double coreFraction() {
            long core = Arrays.stream(assignmentHalo).filter(a -> a != -1).count();
            return (double) core / assignmentHalo.length;
        }
    }

    public static Result cluster(Neighbours nn, double[] logDen, double[] logDenErr, int kstar, double z) {
        int n = nn.rows();
        int cols = nn.cols();
        if (kstar < 1 || kstar > nn.maxk()) {
            throw new IllegalArgumentException("ADP k* " + kstar + " outside 1.." + nn.maxk());
        }
        double minLow = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            minLow = Math.min(minLow, logDen[i] - z * logDenErr[i]);
        }
        double[] rhoC = new double[n];
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            rhoC[i] = logDen[i] - minLow + 1;
            g[i] = rhoC[i] - logDenErr[i];
        }

        // 1. putative centres, then drop those inside the neighbourhood of a denser point
        boolean[] putative = new boolean[n];
        for (int i = 0; i < n; i++) {
            boolean peak = true;
            for (int j = 1; j <= kstar; j++) {
                if (g[i] < g[nn.index(i, j)]) {
                    peak = false;
                    break;
                }
            }
            putative[i] = peak;
        }
        boolean[] removed = new boolean[n];
        int[] denser = new int[n];
        Arrays.fill(denser, -1);
        for (int i = 0; i < n; i++) {
            for (int j = 1; j <= kstar; j++) {
                int c = nn.index(i, j);
                if (putative[c] && g[i] > g[c]) {
                    removed[c] = true;
                    if (denser[c] < 0 || g[i] > g[denser[c]]) {
                        denser[c] = i;
                    }
                }
            }
        }
        int[] centers = IntStream.range(0, n).filter(i -> putative[i] && !removed[i]).toArray();
        boolean[] isCenter = new boolean[n];
        int nclus = centers.length;
        int[] init = new int[n];
        Arrays.fill(init, -1);
        for (int c = 0; c < nclus; c++) {
            init[centers[c]] = c;
            isCenter[centers[c]] = true;
        }

        // 2. preliminary assignment in decreasing g (stable for ties)
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -g[i]));
        for (int ele : order) {
            int nb = 0;
            while (init[ele] == -1 && nb < cols - 1) {
                nb++;
                init[ele] = init[nn.index(ele, nb)];
            }
            if (init[ele] == -1) {
                init[ele] = fallback(nn, ele, removed, denser, g, init);
            }
        }
        List<List<Integer>> members = new ArrayList<>(nclus);
        for (int c = 0; c < nclus; c++) {
            members.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            members.get(init[i]).add(i);
        }

        // 3. saddle points
        double[] rhoBord = new double[nclus * nclus];
        double[] rhoBordErr = new double[nclus * nclus];
        int[] pointBord = new int[nclus * nclus];
        Arrays.fill(pointBord, -1);
        for (int c = 0; c < nclus; c++) {
            for (int p1 : members.get(c)) {
                if (isCenter[p1]) {
                    continue;
                }
                int pp = -1;
                int cp = -1;
                for (int k = 1; k <= kstar; k++) {
                    int p2 = nn.index(p1, k);
                    if (init[p2] != c) {
                        pp = p2;
                        cp = init[pp];
                        break;
                    }
                }
                if (pp == -1) {
                    continue;
                }
                for (int k = 1; k < cols; k++) {
                    int po = nn.index(pp, k);
                    if (po == p1) {
                        break;
                    }
                    if (init[po] == c) {
                        pp = -1;
                        break;
                    }
                }
                if (pp != -1 && g[p1] > rhoBord[c * nclus + cp]) {
                    rhoBord[c * nclus + cp] = g[p1];
                    rhoBord[cp * nclus + c] = g[p1];
                    pointBord[cp * nclus + c] = p1;
                    pointBord[c * nclus + cp] = p1;
                }
            }
        }
        for (int i = 0; i < nclus - 1; i++) {
            for (int j = i + 1; j < nclus; j++) {
                if (pointBord[i * nclus + j] != -1) {
                    rhoBord[i * nclus + j] = rhoC[pointBord[i * nclus + j]];
                    rhoBord[j * nclus + i] = rhoC[pointBord[j * nclus + i]];
                    rhoBordErr[i * nclus + j] = logDenErr[pointBord[i * nclus + j]];
                    rhoBordErr[j * nclus + i] = logDenErr[pointBord[j * nclus + i]];
                }
            }
        }
        for (int i = 0; i < nclus; i++) {
            rhoBord[i * nclus + i] = -1.;
            rhoBordErr[i * nclus + i] = 0.;
        }

        // 4. merge non-significant peaks, highest saddle first
        boolean[] alive = new boolean[nclus];
        Arrays.fill(alive, true);
        while (true) {
            int bi = -1;
            int bj = -1;
            double maxpos = -9999999999.0;
            for (int i = 0; i < nclus - 1; i++) {
                for (int j = i + 1; j < nclus; j++) {
                    double b = rhoBord[i * nclus + j];
                    double be = rhoBordErr[i * nclus + j];
                    double a1 = rhoC[centers[i]] - b;
                    double a2 = rhoC[centers[j]] - b;
                    double e1 = z * (logDenErr[centers[i]] + be);
                    double e2 = z * (logDenErr[centers[j]] + be);
                    if ((a1 < e1 || a2 < e2) && b > maxpos) {
                        maxpos = b;
                        bi = i;
                        bj = j;
                    }
                }
            }
            if (bi < 0) {
                break;
            }
            int imod = bi;
            int jmod = bj;
            double b = rhoBord[imod * nclus + jmod];
            double be = rhoBordErr[imod * nclus + jmod];
            double c1 = (rhoC[centers[imod]] - b) / (logDenErr[centers[imod]] + be);
            double c2 = (rhoC[centers[jmod]] - b) / (logDenErr[centers[jmod]] + be);
            if (c1 < c2) {
                int t = jmod;
                jmod = imod;
                imod = t;
            }
            alive[jmod] = false;
            rhoBord[imod * nclus + jmod] = -1.;
            rhoBord[jmod * nclus + imod] = -1.;
            rhoBordErr[imod * nclus + jmod] = 0.;
            rhoBordErr[jmod * nclus + imod] = 0.;
            members.get(imod).addAll(members.get(jmod));
            members.get(jmod).clear();
            for (int i = 0; i < nclus; i++) {
                if (i != imod && i != jmod) {
                    if (rhoBord[imod * nclus + i] < rhoBord[jmod * nclus + i]) {
                        pointBord[imod * nclus + i] = pointBord[jmod * nclus + i];
                        pointBord[i * nclus + imod] = pointBord[imod * nclus + i];
                        rhoBord[imod * nclus + i] = rhoBord[jmod * nclus + i];
                        rhoBord[i * nclus + imod] = rhoBord[imod * nclus + i];
                        rhoBordErr[imod * nclus + i] = rhoBordErr[jmod * nclus + i];
                        rhoBordErr[i * nclus + imod] = rhoBordErr[imod * nclus + i];
                    }
                    rhoBord[jmod * nclus + i] = -1;
                    rhoBord[i * nclus + jmod] = -1;
                    rhoBordErr[jmod * nclus + i] = 0;
                    rhoBordErr[i * nclus + jmod] = 0;
                }
            }
        }

        // 5. final labels and halo
        int[] label = new int[n];
        int[] labelHalo = new int[n];
        int m = 0;
        for (int c = 0; c < nclus; c++) {
            if (!alive[c]) {
                continue;
            }
            double rhoHalo = Double.NEGATIVE_INFINITY;
            for (int o = 0; o < nclus; o++) {
                if (alive[o]) {
                    rhoHalo = Math.max(rhoHalo, rhoBord[c * nclus + o]);
                }
            }
            for (int p : members.get(c)) {
                label[p] = m;
                labelHalo[p] = rhoC[p] < rhoHalo ? -1 : m;
            }
            m++;
        }
        return new Result(label, labelHalo, m);
    }

    /**
     * A point none of whose neighbours is assigned yet joins the cluster of the densest point that displaced a
     * removed centre among its neighbours (DADApy's fallback; in practice unreachable with hundreds of neighbours).
     */
    private static int fallback(Neighbours nn, int ele, boolean[] removed, int[] denser, double[] g, int[] init) {
        int best = -1;
        for (int c = 0; c < nn.cols(); c++) {
            int q = nn.index(ele, c);
            if (removed[q] && denser[q] >= 0 && (best < 0 || g[denser[q]] > g[best])) {
                best = denser[q];
            }
        }
        if (best < 0 || init[best] < 0) {
            throw new LandscapeException("ADP: point " + ele + " has no assigned neighbour among its "
                    + nn.maxk() + " nearest; increase --maxk");
        }
        return init[best];
    }
}
