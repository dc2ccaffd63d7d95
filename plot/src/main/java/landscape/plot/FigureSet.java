package landscape.plot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import landscape.core.LandscapeVersion;
import landscape.core.run.AtomicOutput;

/**
 * The plot stage: reads the summaries, checks them, and writes the figure set (aris, ids, clusters, overlap as
 * PNG and/or SVG), accuracy.csv and report.html. Everything is first written into a staging folder next to
 * {@code out} (core's AtomicOutput); only when all files exist are they moved into {@code out}, so a failure never
 * leaves half a figure set, and only files that an earlier landscape-plot wrote are replaced ({@link PlotFiles});
 * figures of an earlier set in a format not asked for this time are removed, so none looks current that is not.
 * Bad input is refused before anything is created.
 */
public final class FigureSet {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private FigureSet() {
    }

    /** What was written: the files in {@code out}, in name order. */
    public record Result(Path out, List<Path> files, RunSet runs) {
    }

    public static Result render(List<Path> stats, Path out, PlotOptions options) {
        RunSet runs = SummaryInputs.load(stats);
        AtomicOutput.checkFiles(out, PlotFiles.figureSetNames(options.formats()), PlotFiles.RULE);
        try (AtomicOutput stage = AtomicOutput.files(out, PlotFiles.RULE)) {
            write(runs, stage.dir(), options);
            List<Path> files = stage.commit();
            PlotFiles.removeSuperseded(out, PlotFiles.figureSetNames(List.of("png", "svg")), files);
            return new Result(out.toAbsolutePath().normalize(), files, runs);
        }
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
                names.add(PlotFiles.write(dir, spec.name() + ".png", png.bytes()));
            }
            if (options.formats().contains("svg")) {
                String svg = FigureFiles.svg(spec, runs, options.title(), options.widthIn(), heightIn);
                names.add(PlotFiles.write(dir, spec.name() + ".svg", svg.getBytes(StandardCharsets.UTF_8)));
            }
        }
        names.add(PlotFiles.write(dir, "accuracy.csv", AccuracyTable.csv(runs).getBytes(StandardCharsets.UTF_8)));
        String created = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String html = HtmlReport.html(runs, figures, options.title(), LandscapeVersion.get(), created);
        names.add(PlotFiles.write(dir, "report.html", html.getBytes(StandardCharsets.UTF_8)));
        return names;
    }

    public static List<FigureSpec> figures() {
        return FigureSpec.ALL;
    }

}
