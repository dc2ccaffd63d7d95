package landscape.analyze;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.Matrix;
import landscape.core.format.LayerFiles;
import landscape.core.format.ReferenceStatistics;
import landscape.core.run.AtomicOutput;
import landscape.core.run.LayerStats;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.core.run.RepresentationScanner;
import landscape.core.run.RunType;
import landscape.core.run.SamplesCsv;
import landscape.core.run.StatsFiles;

/**
 * One layer's analysis, the reference's steps in order: load (float64) and mask, drop duplicate rows, exact kNN,
 * Gride ID scaling, kNN density at the ID of scale log2(k), ADP without halo and the two ARIs, ADP with halo
 * (core fraction), class-balanced label overlaps.
 */
public final class LayerAnalysis {
    /** Answer letters accepted in samples.csv (MMLU's four choices). */
    public static final String LETTERS = "ABCD";

    private LayerAnalysis() {
    }

    /** What to analyse: the layer file, its samples.csv, the mask, and provenance (null fields when unknown). */
    public record Input(Path layer, Path samples, MaskSpec mask, LayerStats.RunRef run) {
    }

    /**
     * Input for point {@code index} of a run directory: this project's representation directory (provenance from
     * its manifest), or the reference pipeline's ({@code l<i>_target.pt} + {@code statistics_target.pkl}, labels from
     * the pickle, model and shots from the {@code <model>/<k>shot} path).
     */
    public static Input fromRun(Path dir, int index, MaskSpec mask) {
        if (!RepresentationDir.isRepresentationDir(dir) && RepresentationScanner.isReferenceDir(dir)) {
            return fromReferenceRun(dir, index, mask);
        }
        RepresentationDir rd = RepresentationDir.open(dir);
        Manifest m = rd.manifest();
        Manifest.Point p = rd.point(index);
        Path layer = rd.checkedPointFile(index);
        String model = m.model() == null ? null : m.model().id();
        LayerStats.RunRef ref = new LayerStats.RunRef(model, m.adapter(), m.dataset(), m.split(), m.shots(), p.index(),
                p.module(), layer.toString(), m.accuracy(), extraction(m));
        return new Input(layer, rd.samplesFile(), mask, ref);
    }

    /**
     * The manifest's extraction facts plus {@code points}, the indices the run extracted: with {@code --layers} a run
     * may skip points, and readers of the summary (landscape-plot) tell a point never extracted from a missing one.
     */
    static Map<String, Object> extraction(Manifest m) {
        Map<String, Object> x = new LinkedHashMap<>(LayerStats.RunRef.extractionOf(m));
        if (m.points() != null) {
            x.put("points", m.points().stream().map(Manifest.Point::index).sorted().toList());
        }
        return x;
    }

    private static Input fromReferenceRun(Path dir, int index, MaskSpec mask) {
        Path real;
        try {
            real = dir.toRealPath(); // a staged link keeps the <model>/<k>shot names only in its target
        } catch (IOException e) {
            throw LandscapeException.of(dir, "cannot resolve: " + e.getMessage());
        }
        RepresentationScanner.Point p = RepresentationScanner.scanDir(real).stream().filter(q -> q.layer() == index)
                .findFirst().orElseThrow(() -> LandscapeException.of(dir, "no l" + index + "_target.pt"));
        LayerStats.RunRef ref = new LayerStats.RunRef(p.model(), referenceAdapter(real), "mmlu", p.split(), p.shots(),
                p.layer(), p.module(), p.file().toString(), null);
        return new Input(p.file(), real.resolve(RepresentationScanner.REFERENCE_STATISTICS), mask, ref);
    }

    /**
     * The reference pipeline publishes a model's pretrained and fine-tuned runs under the same model name, in
     * {@code .../pretrained/<split>/<model>/<k>shot} and {@code .../finetuned/<split>/<model>/<k>shot}; the stats of
     * a fine-tuned run (core's {@link RunType} rule) get the adapter {@code finetuned}, so that summaries and figures
     * keep the two apart.
     */
    static String referenceAdapter(Path realDir) {
        return RunType.FINETUNED.equals(RunType.ofRun(realDir, null)) ? RunType.FINETUNED : null;
    }

    /**
     * Runs the analysis and writes stats.json all-or-nothing: {@code out} may only be an earlier stats.json (checked
     * before the analysis starts), the file is staged beside it for the whole run (removed on failure and SIGTERM),
     * and a non-finite metric is an error rather than a stats.json.
     */
    public static LayerStats runTo(Input in, AnalysisParams params, Path out) {
        try (AtomicOutput stage = AtomicOutput.file(out, StatsFiles.STATS)) {
            LayerStats stats = run(in, params);
            StatsFiles.checkStats(out, stats);
            Json.write(stage.file(), stats);
            stage.commit();
            return stats;
        }
    }

    public static LayerStats run(Input in, AnalysisParams params) {
        Map<String, Double> timings = new LinkedHashMap<>();
        Stopwatch sw = new Stopwatch();

        // 1. load as float64, apply the mask, check values (the kNN engine starts meanwhile)
        Knn.warmUpInBackground();
        Matrix full = LayerFiles.readMatrix(in.layer());
        List<String> subjects;
        List<String> answers;
        if (in.samples().getFileName().toString().endsWith(".pkl")) {
            ReferenceStatistics ref = ReferenceStatistics.read(in.samples());
            subjects = ref.subjects();
            answers = ref.answers();
        } else {
            SamplesCsv.Table table = SamplesCsv.readTable(in.samples());
            table.checkRowOrder();
            subjects = table.values("subject");
            answers = table.values("answer");
        }
        if (subjects.size() != full.rows() || answers.size() != full.rows()) {
            throw LandscapeException.of(in.samples(), subjects.size() + " sample rows but the layer " + in.layer()
                    + " has " + full.rows() + " rows");
        }
        int[] letterOf = letters(in.samples(), answers);
        int[] rows = in.mask().rows(full.rows(), subjects);
        if (rows == null) {
            rows = range(full.rows());
        }
        int[] finiteRows = finiteRows(in.layer(), full, rows, params.dropNonfinite());
        int dropped = rows.length - finiteRows.length;
        rows = finiteRows;
        timings.put("load", sw.lap());

        // 2. exact duplicates, first occurrence kept, in row order
        Matrix masked = rows.length == full.rows() && isIdentity(rows) ? full : full.selectRows(rows);
        full = null;
        int[] firsts = Duplicates.firstOccurrences(masked);
        Matrix x = firsts.length == masked.rows() ? masked : masked.selectRows(firsts);
        masked = null;
        int[] kept = new int[firsts.length];
        for (int i = 0; i < kept.length; i++) {
            kept[i] = rows[firsts[i]];
        }
        int n = x.rows();
        if (n < 2 * params.k() + 2) {
            throw LandscapeException.of(in.layer(), "only " + n + " distinct finite points after mask and deduplication; "
                    + "need at least 2k+2 = " + (2 * params.k() + 2));
        }
        timings.put("dedup", sw.lap());

        // 3. exact kNN
        Neighbours nn = Knn.compute(x, params.maxk(), params.device(), params.memoryBudget());
        x = null;
        timings.put("knn", sw.lap());

        // 4. Gride
        Gride.Result gride = Gride.scaling(nn, params.rangeMax());
        int scale = params.idScaleIndex();
        if (scale >= gride.ids().length) {
            throw LandscapeException.of(in.layer(), "--k " + params.k() + " needs Gride scale index " + scale + " but only "
                    + gride.ids().length + " scales exist (range_max " + params.rangeMax() + ", maxk " + nn.maxk() + ", " + n
                    + " points); raise --maxk/--range-max or lower --k");
        }
        timings.put("gride", sw.lap());

        // 5. density at the ID of scale log2(k)
        KnnDensity.Result den = KnnDensity.compute(nn, params.k(), gride.ids()[scale]);
        timings.put("density", sw.lap());

        // 6. ADP without halo (one clustering gives both labelings)
        Adp.Result adp = Adp.cluster(nn, den.logDen(), den.logDenErr(), params.k(), params.z());
        timings.put("adp", sw.lap());

        // 7. ARIs
        int[] subjectLabels = codes(subjects, kept);
        int[] letterLabels = new int[n];
        for (int i = 0; i < n; i++) {
            letterLabels[i] = letterOf[kept[i]];
        }
        double ariSubjects = AdjustedRand.score(adp.assignment(), subjectLabels);
        double ariLetters = AdjustedRand.score(adp.assignment(), letterLabels);
        timings.put("ari", sw.lap());

        // 8. ADP with halo
        double coreFraction = adp.coreFraction();
        timings.put("adp_halo", sw.lap());

        // 9. label overlap
        double overlapSubjects = LabelOverlap.overlap(nn, subjectLabels, params.classFraction());
        double overlapLetters = LabelOverlap.overlap(nn, letterLabels, params.classFraction());
        timings.put("overlap", sw.lap());
        timings.put("total", sw.total());

        Map<String, Object> p = params.toMap();
        p.put("mask", in.mask().describe());
        p.put("dropped_nonfinite", dropped);
        p.put("id_scale_index", scale);
        boolean arrays = params.arrays();
        return new LayerStats(n, nn.maxk(), gride.ids(), gride.idsErr(), gride.rs(), adp.nClusters(), ariSubjects,
                ariLetters, coreFraction, overlapSubjects, overlapLetters, p, timings, in.run(),
                arrays ? kept : null, arrays ? adp.assignment() : null, arrays ? adp.assignmentHalo() : null,
                arrays ? den.logDen() : null, arrays ? den.logDenErr() : null);
    }

    private static int[] letters(Path samples, List<String> answers) {
        int[] out = new int[answers.size()];
        for (int i = 0; i < out.length; i++) {
            String a = answers.get(i).trim();
            int code = a.length() == 1 ? LETTERS.indexOf(a.charAt(0)) : -1;
            if (a.isEmpty()) {
                throw LandscapeException.of(samples, "line " + (i + 2) + ": no answer letter; the analysis needs one of A,"
                        + " B, C, D per row (a run from --prompts without answers cannot be analysed)");
            }
            if (code < 0) {
                throw LandscapeException.of(samples, "line " + (i + 2) + ": unknown answer letter '" + answers.get(i)
                        + "' (expected one of A, B, C, D)");
            }
            out[i] = code;
        }
        return out;
    }

    /** Integer codes of labels, in order of first appearance among the kept rows. */
    private static int[] codes(List<String> labels, int[] kept) {
        Map<String, Integer> code = new HashMap<>();
        int[] out = new int[kept.length];
        for (int i = 0; i < kept.length; i++) {
            out[i] = code.computeIfAbsent(labels.get(kept[i]), s -> code.size());
        }
        return out;
    }

    private static int[] finiteRows(Path layer, Matrix m, int[] rows, boolean drop) {
        int d = m.cols();
        double[] a = m.data();
        List<Integer> bad = new ArrayList<>();
        for (int r : rows) {
            for (int j = 0; j < d; j++) {
                if (!Double.isFinite(a[r * d + j])) {
                    bad.add(r);
                    break;
                }
            }
        }
        if (bad.isEmpty()) {
            return rows;
        }
        if (!drop) {
            throw LandscapeException.of(layer, bad.size() + " row(s) contain NaN or Inf (first: row " + bad.get(0)
                    + "); pass --drop-nonfinite to drop them");
        }
        Set<Integer> badSet = new HashSet<>(bad);
        return Arrays.stream(rows).filter(r -> !badSet.contains(r)).toArray();
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private static boolean isIdentity(int[] rows) {
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** Seconds per step. */
    private static final class Stopwatch {
        private final long start = System.nanoTime();
        private long last = start;

        double lap() {
            long now = System.nanoTime();
            double s = (now - last) / 1e9;
            last = now;
            return s;
        }

        double total() {
            return (System.nanoTime() - start) / 1e9;
        }
    }
}
