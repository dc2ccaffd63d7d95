package landscape.plot;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code landscape-plot landscape}: the 2-D t-SNE map of one layer, coloured by subject and by ADP cluster. */
@Command(name = "landscape",
        description = "2-D t-SNE map (Smile) of one extraction point, coloured by subject and by ADP cluster.")
final class MapCommand implements Callable<Integer> {
    @Option(names = "--run", required = true, paramLabel = "DIR", description = "Representation directory (manifest.json).")
    Path run;

    @Option(names = "--layer", required = true, paramLabel = "I", description = "Extraction point index (drawn as layer I).")
    int layer;

    @Option(names = "--stats", paramLabel = "FILE",
            description = "That layer's stats.json from landscape-analyze --arrays: analysed rows and ADP clusters.")
    Path stats;

    @Option(names = "--out", defaultValue = "figures", paramLabel = "DIR", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--format", split = ",", defaultValue = "png,svg", paramLabel = "FMT")
    List<String> formats;

    @Option(names = "--dpi", defaultValue = "200")
    int dpi;

    @Option(names = "--title")
    String title;

    @Option(names = "--max-points", defaultValue = "2000", description = "Seeded subsample above this (default: ${DEFAULT-VALUE}).")
    int maxPoints;

    @Option(names = "--perplexity", defaultValue = "30")
    double perplexity;

    @Option(names = "--iterations", defaultValue = "1000")
    int iterations;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Override
    public Integer call() {
        PlotOptions plot = new PlotOptions(PlotOptions.parseFormats(formats), dpi, title, PlotOptions.DEFAULT_WIDTH_IN,
                PlotOptions.DEFAULT_ROW_HEIGHT_IN);
        LayerMap.Options options = new LayerMap.Options(maxPoints, perplexity, iterations, seed, plot);
        LayerMap.Result r = LayerMap.render(MapInput.fromRun(run, layer, stats), layer, out, options);
        System.err.println("landscape-plot landscape: wrote " + r.files());
        return 0;
    }
}
