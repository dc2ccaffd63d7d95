package landscape.analyze;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import landscape.core.Sizes;
import landscape.core.cli.Cli;
import landscape.core.cli.UsageError;
import landscape.core.run.LayerStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code landscape-analyze}: the per-layer analysis (one stats.json), and {@code summarize}. Thin: options are
 * checked here, the work is {@link LayerAnalysis#runTo} and {@link Summaries#write}.
 */
@Command(name = "landscape-analyze", subcommands = AnalyzeMain.Summarize.class,
        description = "Intrinsic dimension (Gride), kNN density, Advanced Density Peaks, ARIs and label overlap of one layer.")
public final class AnalyzeMain implements Callable<Integer> {
    @Option(names = "--layer", paramLabel = "FILE", description = "Layer tensor [rows, dim] (.safetensors, .npy or .pt).")
    Path layer;
    @Option(names = "--samples", paramLabel = "CSV", description = "samples.csv (columns subject and answer are used).")
    Path samples;
    @Option(names = "--run", paramLabel = "DIR", description = "Representation directory (takes layer and samples from it).")
    Path run;
    @Option(names = "--layer-index", paramLabel = "I", description = "Extraction point index (with --run; provenance otherwise).")
    Integer layerIndex;
    @Option(names = "--mask", paramLabel = "NPY", description = "int64 row indices to analyse (like test_mask_200.npy).")
    Path mask;
    @Option(names = "--balanced", paramLabel = "N", description = "At most N rows per subject (seeded, see --seed).")
    Integer balanced;
    @Option(names = "--seed", defaultValue = "0", description = "Seed for --balanced (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--maxk", defaultValue = "1000", description = "Neighbours kept (clamped to n-1; default ${DEFAULT-VALUE}).")
    int maxk;
    @Option(names = "--range-max", defaultValue = "100", description = "Largest Gride rank (default ${DEFAULT-VALUE}).")
    int rangeMax;
    @Option(names = "--k", defaultValue = "16", description = "Density neighbours and ADP k* (default ${DEFAULT-VALUE}).")
    int k;
    @Option(names = "--z", defaultValue = "1.6", description = "ADP merging significance Z (default ${DEFAULT-VALUE}).")
    double z;
    @Option(names = "--class-fraction", defaultValue = "0.3",
            description = "Label overlap neighbours per class size (default ${DEFAULT-VALUE}).")
    double classFraction;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (default ${DEFAULT-VALUE}).")
    Knn.Target device;
    @Option(names = "--memory-budget", defaultValue = "1G", paramLabel = "SIZE",
            description = "Bound on the kNN's distance blocks, e.g. 512M, 2G (default ${DEFAULT-VALUE}).")
    String memoryBudget;
    @Option(names = "--arrays", description = "Also write kept_rows, assignment, assignment_halo, log_den, log_den_err.")
    boolean arrays;
    @Option(names = "--drop-nonfinite", description = "Drop rows with NaN/Inf instead of failing.")
    boolean dropNonfinite;
    @Option(names = "--model", paramLabel = "NAME", description = "Provenance for a bare --layer file.")
    String model;
    @Option(names = "--shots", paramLabel = "K", description = "Provenance for a bare --layer file.")
    Integer shots;
    @Option(names = "--out", paramLabel = "FILE", description = "stats.json to write (replaces only an earlier stats.json).")
    Path out;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (also what tests execute): help, version, --debug and exit codes from {@link Cli}. */
    public static CommandLine commandLine() {
        CommandLine cl = Cli.commandLine(new AnalyzeMain());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    @Override
    public Integer call() {
        if (out == null) {
            throw new UsageError("--out: missing (the stats.json to write)");
        }
        if ((layer == null) == (run == null)) {
            throw new UsageError("give exactly one of --layer FILE (with --samples) or --run DIR (with --layer-index)");
        }
        if (shots != null && shots < 0) {
            throw new UsageError("--shots: " + shots + " is negative");
        }
        if (layerIndex != null && layerIndex < 0) {
            throw new UsageError("--layer-index: " + layerIndex + " is negative");
        }
        if (mask != null && balanced != null) {
            throw new UsageError("--mask and --balanced exclude each other");
        }
        MaskSpec spec = mask != null ? new MaskSpec.File(mask)
                : balanced != null ? new MaskSpec.Balanced(balanced, seed) : new MaskSpec.All();
        AnalysisParams params;
        try {
            params = new AnalysisParams(maxk, rangeMax, k, z, classFraction, device,
                    Sizes.parse("--memory-budget", memoryBudget), arrays, dropNonfinite);
        } catch (IllegalArgumentException e) {
            throw new UsageError("invalid parameters: --maxk >= 1, --range-max >= 2, --k >= 1, --z > 0 and finite, "
                    + "--class-fraction > 0 and finite, --memory-budget > 0");
        }
        LayerAnalysis.Input in;
        if (run != null) {
            if (layerIndex == null) {
                throw new UsageError("--run " + run + ": --layer-index is required");
            }
            String ignored = samples != null ? "--samples" : model != null ? "--model" : shots != null ? "--shots" : null;
            if (ignored != null) {
                throw new UsageError(ignored + ": not with --run (the run directory gives samples.csv, model and shots)");
            }
            in = LayerAnalysis.fromRun(run, layerIndex, spec);
        } else {
            if (samples == null) {
                throw new UsageError("--layer " + layer + ": --samples is required");
            }
            LayerStats.RunRef ref = new LayerStats.RunRef(model, null, null, null, shots, layerIndex, null,
                    layer.toString(), null);
            in = new LayerAnalysis.Input(layer, samples, spec, ref);
        }
        LayerStats s = LayerAnalysis.runTo(in, params, out);
        int scale = params.idScaleIndex();
        System.out.printf(Locale.ROOT, "%s: n_points %d, id %.3f, clusters %d, ARI subjects %.3f letters %.3f, %.2f s%n",
                out, s.nPoints(), s.ids()[scale], s.nClusters(), s.ariSubjects(), s.ariLetters(), s.timings().get("total"));
        return 0;
    }

    /** {@code landscape-analyze summarize}: per (model, shots) summary JSON and CSV. */
    @Command(name = "summarize",
            description = "Collect stats.json files into summary-<model>-<k>shot.json and .csv (one row per layer).")
    static final class Summarize implements Callable<Integer> {
        @Option(names = "--stats", required = true, arity = "1..*", paramLabel = "GLOB|DIR",
                description = "stats.json files: globs (quote them), directories or files.")
        List<String> stats;
        @Option(names = "--out", required = true, paramLabel = "DIR",
                description = "Output directory (its other files are left alone; only earlier summaries are replaced).")
        Path out;

        @Override
        public Integer call() {
            List<Path> written = Summaries.write(stats, out);
            for (Path p : written) {
                System.out.println(p);
            }
            return 0;
        }
    }
}
