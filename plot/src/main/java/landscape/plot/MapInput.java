package landscape.plot;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import landscape.core.LandscapeException;
import landscape.core.Matrix;
import landscape.core.format.LayerFiles;
import landscape.core.run.LayerStats;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.core.run.Sample;
import landscape.core.run.StatsFiles;

/**
 * The points of one layer to map: their rows in the layer file, their vectors, their subjects and (when the
 * layer's stats.json carries the arrays) their ADP cluster; {@code clusters} is null without it.
 */
public record MapInput(String title, int[] rows, double[][] points, List<String> subjects, int[] clusters) {

    /**
     * Reads extraction point {@code layer} of a representation directory. With {@code statsJson} (written by
     * {@code landscape-analyze --arrays}) the points are the analysed ones ({@code kept_rows}: mask applied,
     * duplicates dropped) coloured by their {@code assignment}; without it, every row.
     */
    public static MapInput fromRun(Path runDir, int layer, Path statsJson) {
        RepresentationDir dir = RepresentationDir.open(runDir);
        Manifest m = dir.manifest();
        Matrix x = LayerFiles.readMatrix(dir.checkedPointFile(layer));
        Map<Integer, String> subjectOf = new HashMap<>();
        for (Sample s : dir.samples()) {
            subjectOf.put(s.row(), s.subject());
        }
        int[] rows;
        int[] clusters = null;
        if (statsJson != null) {
            LayerStats stats = StatsFiles.readStats(statsJson);
            if (stats.keptRows() == null || stats.assignment() == null) {
                throw LandscapeException.of(statsJson, "no kept_rows/assignment arrays (run landscape-analyze with --arrays)");
            }
            if (stats.keptRows().length != stats.assignment().length) {
                throw LandscapeException.of(statsJson, "kept_rows has " + stats.keptRows().length + " entries but assignment has "
                        + stats.assignment().length);
            }
            if (stats.run() != null && stats.run().layer() != null && stats.run().layer() != layer) {
                throw LandscapeException.of(statsJson, "is for layer " + stats.run().layer() + ", not " + layer);
            }
            String otherRun = otherRun(stats.run(), m);
            if (otherRun != null) {
                throw LandscapeException.of(statsJson, "is not of this run " + runDir + " (" + otherRun + "): its kept_rows "
                        + "and clusters belong to another run's rows");
            }
            rows = stats.keptRows();
            clusters = stats.assignment();
        } else {
            rows = new int[x.rows()];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = i;
            }
        }
        double[][] points = new double[rows.length][];
        List<String> subjects = new ArrayList<>(rows.length);
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            if (r < 0 || r >= x.rows()) {
                throw LandscapeException.of(statsJson, "row " + r + " is outside the layer's " + x.rows() + " rows");
            }
            points[i] = row(x, r);
            String subject = subjectOf.get(r);
            if (subject == null) {
                throw LandscapeException.of(dir.samplesFile(), "no sample for row " + r);
            }
            subjects.add(subject);
        }
        String model = m.model() == null ? runDir.getFileName().toString() : m.model().id();
        String title = model + ", " + m.shots() + "-shot, layer " + FigureSpec.layerX(layer) + " (point " + layer + ")";
        return new MapInput(title, rows, points, subjects, clusters);
    }

    /** What in the stats' provenance says it is another run's analysis than {@code m}'s, or null. */
    private static String otherRun(LayerStats.RunRef r, Manifest m) {
        if (r == null) {
            return null;
        }
        String model = m.model() == null ? null : m.model().id();
        if (r.model() != null && model != null && !r.model().equals(model)) {
            return "model " + r.model() + ", the run's is " + model;
        }
        if (r.shots() != null && r.shots() != m.shots()) {
            return r.shots() + "-shot, the run is " + m.shots() + "-shot";
        }
        if (!Objects.equals(r.adapter(), m.adapter()) && r.model() != null) {
            return "adapter " + r.adapter() + ", the run's is " + m.adapter();
        }
        Object extracted = r.extraction() == null ? null : r.extraction().get("extracted");
        if (extracted != null && m.created() != null && !extracted.equals(m.created())) {
            return "extracted " + extracted + ", the run " + m.created();
        }
        return null;
    }

    static double[] row(Matrix x, int r) {
        double[] out = new double[x.cols()];
        System.arraycopy(x.data(), r * x.cols(), out, 0, x.cols());
        return out;
    }

    /** A seeded, order-keeping subset of at most {@code max} points. */
    public MapInput subsample(int max, long seed) {
        int n = rows.length;
        if (n <= max) {
            return this;
        }
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Random random = new Random(seed);
        for (int i = 0; i < max; i++) {
            int j = i + random.nextInt(n - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] pick = Arrays.copyOf(idx, max);
        Arrays.sort(pick);
        int[] r = new int[max];
        double[][] p = new double[max][];
        List<String> s = new ArrayList<>(max);
        int[] c = clusters == null ? null : new int[max];
        for (int i = 0; i < max; i++) {
            r[i] = rows[pick[i]];
            p[i] = points[pick[i]];
            s.add(subjects.get(pick[i]));
            if (c != null) {
                c[i] = clusters[pick[i]];
            }
        }
        return new MapInput(title, r, p, s, c);
    }
}
