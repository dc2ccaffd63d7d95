package landscape.plot;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import landscape.core.cli.Cli;
import landscape.core.cli.UsageError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code landscape-plot}: figures and the HTML report from the per-(model, shots) summaries. */
@Command(name = "landscape-plot", subcommands = MapCommand.class,
        description = "Draws aris, ids, clusters and overlap (PNG/SVG), accuracy.csv and a self-contained report.html "
                + "from the summary-<model>-<k>shot.json files of landscape-analyze summarize.")
public final class PlotMain implements Callable<Integer> {

    // --stats and --out are checked in call(), not by picocli, so that the `landscape` subcommand runs without them
    @Option(names = "--stats", arity = "1..*", paramLabel = "DIR",
            description = "Directories holding summary-*.json files (or the files themselves).")
    List<Path> stats;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output folder (created; only the files an earlier landscape-plot wrote in it are replaced).")
    Path out;

    @Option(names = "--format", split = ",", paramLabel = "FMT", defaultValue = "png,svg",
            description = "Figure formats: png, svg (default: ${DEFAULT-VALUE}).")
    List<String> formats;

    @Option(names = "--dpi", defaultValue = "200", description = "PNG resolution (default: ${DEFAULT-VALUE}).")
    int dpi;

    @Option(names = "--title", description = "Title above every figure and of the report.")
    String title;

    @Option(names = "--width", defaultValue = "8", paramLabel = "INCHES", description = "Figure width (default: ${DEFAULT-VALUE}).")
    double width;

    @Option(names = "--height", defaultValue = "3.7", paramLabel = "INCHES",
            description = "Height of one model's row of panels (default: ${DEFAULT-VALUE}).")
    double height;

    @Override
    public Integer call() {
        if (stats == null || stats.isEmpty()) {
            throw new UsageError("--stats: missing (directories with summary-*.json files)");
        }
        if (out == null) {
            throw new UsageError("--out: missing (the folder for the figures)");
        }
        PlotOptions options = new PlotOptions(PlotOptions.parseFormats(formats), dpi, title, width, height);
        FigureSet.Result result = FigureSet.render(stats, out, options);
        System.err.println("landscape-plot: wrote " + result.files().size() + " files to " + result.out());
        return 0;
    }

    /** The tool's command line: help, version, --debug, exit codes and messages from {@link Cli}. */
    public static CommandLine commandLine() {
        return Cli.commandLine(new PlotMain());
    }

    /** Runs the command line; returns the exit code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }
}
