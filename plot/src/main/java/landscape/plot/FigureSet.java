package landscape.plot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import landscape.core.LandscapeVersion;

/**
 * The plot stage: reads the summaries, checks them, and writes the figure set (aris, ids, clusters, overlap as
 * PNG and/or SVG), accuracy.csv and report.html. Everything is first written into a hidden temporary folder next
 * to {@code out}; only when all files exist are they moved into {@code out}, so a failure never leaves half a
 * figure set. Bad input is refused before anything is created.
 */
public final class FigureSet {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private FigureSet() {
    }

    /** What was written: the files in {@code out}, in writing order. */
    public record Result(Path out, List<Path> files, RunSet runs) {
    }

    public static Result render(List<Path> stats, Path out, PlotOptions options) {
        RunSet runs = SummaryInputs.load(stats);
        List<Path> files = OutputFolder.write(out, dir -> write(runs, dir, options));
        return new Result(out.toAbsolutePath().normalize(), files, runs);
    }

    /** Writes every file into {@code dir}; returns their names. */
    static List<String> write(RunSet runs, Path dir, PlotOptions options) {
        List<String> names = new ArrayList<>();
        List<HtmlReport.Figure> figures = new ArrayList<>();
        double heightIn = options.heightIn(runs.models().size());
        for (FigureSpec spec : FigureSet.figures()) {
            FigureFiles.Png png = FigureFiles.png(spec, runs, options.title(), options.widthIn(), heightIn, options.dpi());
            figures.add(new HtmlReport.Figure(spec, png.bytes()));
            if (options.formats().contains("png")) {
                names.add(OutputFolder.writeBytes(dir, spec.name() + ".png", png.bytes()));
            }
            if (options.formats().contains("svg")) {
                String svg = FigureFiles.svg(spec, runs, options.title(), options.widthIn(), heightIn);
                names.add(OutputFolder.writeBytes(dir, spec.name() + ".svg", svg.getBytes(StandardCharsets.UTF_8)));
            }
        }
        names.add(OutputFolder.writeBytes(dir, "accuracy.csv", AccuracyTable.csv(runs).getBytes(StandardCharsets.UTF_8)));
        String created = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String html = HtmlReport.html(runs, figures, options.title(), LandscapeVersion.get(), created);
        names.add(OutputFolder.writeBytes(dir, "report.html", html.getBytes(StandardCharsets.UTF_8)));
        return names;
    }

    public static List<FigureSpec> figures() {
        return FigureSpec.ALL;
    }

}
