package landscape.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.geom.PathIterator;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import landscape.core.LandscapeVersion;
import landscape.core.run.LayerStats.Summary;
import landscape.core.run.LayerStats.SummaryLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FigureSetTest {
    static final int[] SHOTS = {0, 1, 2, 5};
    static final List<String> FIGURE_FILES = List.of("aris.png", "aris.svg", "ids.png", "ids.svg", "clusters.png",
            "clusters.svg", "overlap.png", "overlap.svg", "accuracy.csv", "report.html");

    @TempDir
    Path tmp;

    /** Two models, four shot counts each, in one stats folder (as summarize writes them). */
    private Path syntheticStats() throws IOException {
        Path stats = tmp.resolve("stats");
        for (String model : List.of("llama-3-8b", "mistral-7b")) {
            for (int k : SHOTS) {
                Summaries.write(stats, Summaries.paperLike(model, k, 32));
            }
        }
        return stats;
    }

    @Test
    void writesEveryFigureInBothFormatsWithTheCsvAndTheReport() throws IOException {
        Path out = tmp.resolve("figures");
        FigureSet.Result r = FigureSet.render(List.of(syntheticStats()), out, PlotOptions.defaults());
        for (String name : FIGURE_FILES) {
            assertTrue(Files.size(out.resolve(name)) > 0, name);
        }
        assertEquals(FIGURE_FILES.size(), r.files().size());
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".figures")).toList(),
                    "the staging folder is gone");
        }
    }

    @Test
    void pngsHaveTheRequestedSizeOneRowPerModelAndEverySeriesDrawnInEveryPanel() throws IOException {
        Path out = tmp.resolve("figures");
        PlotOptions options = PlotOptions.defaults();
        FigureSet.Result r = FigureSet.render(List.of(syntheticStats()), out, options);
        for (FigureSpec spec : FigureSet.figures()) {
            BufferedImage image = ImageIO.read(out.resolve(spec.name() + ".png").toFile());
            assertEquals(1600, image.getWidth(), spec.name());
            assertEquals(2 * 740, image.getHeight(), spec.name() + ": 3.7 in at 200 dpi per model row");
            FigureFiles.Png again = FigureFiles.png(spec, r.runs(), null, options.widthIn(), options.heightIn(2), options.dpi());
            List<Rectangle2D> areas = again.drawn().dataAreas();
            assertEquals(2 * spec.panels().size(), areas.size(), spec.name() + ": one row of panels per model");
            for (Rectangle2D area : areas) {
                Rectangle2D px = scale(area, again.pixelsPerPoint());
                assertTrue(px.getWidth() > 300 && px.getHeight() > 200, spec.name() + ": panel big enough " + px);
                assertTrue(nonBackground(image, px) > 0.01, spec.name() + ": panel " + px + " is not blank");
                for (int k : SHOTS) {
                    assertTrue(pixelsOf(image, px, ShotStyle.color(k)) > 50,
                            spec.name() + ": " + k + "-shot drawn in panel " + px);
                }
            }
        }
    }

    @Test
    void dpiAndSizeOptionsSetThePixelSize() throws IOException {
        Path out = tmp.resolve("figures");
        PlotOptions options = new PlotOptions(Set.of("png"), 100, "t", 6.0, 3.0);
        FigureSet.render(List.of(syntheticStats()), out, options);
        BufferedImage image = ImageIO.read(out.resolve("aris.png").toFile());
        assertEquals(600, image.getWidth());
        assertEquals(600, image.getHeight());
        assertFalse(Files.exists(out.resolve("aris.svg")), "svg not asked for");
        assertTrue(Files.exists(out.resolve("report.html")));
    }

    @Test
    void svgsNameEverySeriesAndEveryAxis() throws IOException {
        Path out = tmp.resolve("figures");
        FigureSet.render(List.of(syntheticStats()), out, PlotOptions.defaults().withTitle("Landscape demo"));
        for (FigureSpec spec : FigureSet.figures()) {
            String svg = Files.readString(out.resolve(spec.name() + ".svg"));
            assertTrue(svg.startsWith("<?xml") && svg.contains("<svg"), spec.name());
            assertTrue(svg.contains("width='576.0pt'") && svg.contains("viewBox='0.0 0.0 576.0 532.8'"),
                    spec.name() + ": 8 in wide, 3.7 in per model row, in points");
            assertWellFormedXml(svg, spec.name());
            List<String> expected = new ArrayList<>(List.of(FigureSpec.LAYER_LABEL, "Landscape demo", "llama-3-8b", "mistral-7b"));
            for (int k : SHOTS) {
                expected.add(ShotStyle.name(k));
            }
            for (PanelSpec p : spec.panels()) {
                expected.add(p.yLabel());
            }
            for (String text : expected) {
                assertTrue(svg.contains(">" + text + "<"), spec.name() + ".svg names " + text);
            }
        }
    }

    @Test
    void eachShotCountKeepsItsColourWhateverElseIsPlotted() throws IOException {
        Path onlyFive = tmp.resolve("five");
        Summaries.write(onlyFive, Summaries.paperLike("m", 5, 12));
        Path out = tmp.resolve("figures");
        FigureSet.Result r = FigureSet.render(List.of(onlyFive), out, PlotOptions.defaults());
        BufferedImage image = ImageIO.read(out.resolve("aris.png").toFile());
        FigureFiles.Png again = FigureFiles.png(FigureSpec.ALL.get(0), r.runs(), null, 8, 3.7, 200);
        Rectangle2D px = scale(again.drawn().dataAreas().get(0), again.pixelsPerPoint());
        assertTrue(pixelsOf(image, px, ShotStyle.color(5)) > 50, "5-shot has its colour when alone");
        assertEquals(0, pixelsOf(image, px, ShotStyle.color(0)), "and not the colour of the first series");
        assertEquals(4, IntStream.of(SHOTS).mapToObj(ShotStyle::color).distinct().count());
    }

    @Test
    void shotCountsUpToSeventeenNeverShareColourAndMarker() {
        // a sweep of 0, 5, 10, 20 shots must not draw two series alike (10 and 20 were both black circles)
        Set<String> styles = new HashSet<>();
        for (int k = 0; k <= 17; k++) {
            StringBuilder style = new StringBuilder(Integer.toHexString(ShotStyle.color(k).getRGB()));
            double[] c = new double[6];
            for (PathIterator it = ShotStyle.marker(k, 10).getPathIterator(null); !it.isDone(); it.next()) {
                int type = it.currentSegment(c);
                style.append(String.format(Locale.ROOT, " %d:%.3f,%.3f", type, c[0], c[1]));
            }
            assertTrue(styles.add(style.toString()), k + "-shot has the colour and marker of another shot count");
        }
    }

    @Test
    void reportHoldsEveryFigureAndTableAndRefersToNothingOutside() throws IOException {
        Path out = tmp.resolve("figures");
        FigureSet.render(List.of(syntheticStats()), out, PlotOptions.defaults());
        String html = Files.readString(out.resolve("report.html"));
        for (FigureSpec spec : FigureSet.figures()) {
            assertTrue(html.contains("<figure id=\"fig-" + spec.name() + "\">\n<img alt=\"" + spec.name()
                    + " figure\" src=\"data:image/png;base64,iVBORw0KGgo"), spec.name() + " inlined as PNG");
        }
        assertTrue(html.contains("id=\"table-accuracy\""));
        assertTrue(html.contains("Made by landscape-plot " + LandscapeVersion.get() + " on "), "the version in the footer");
        assertEquals(2 * SHOTS.length, count(html, "<table class=\"num layers\">"), "one per-layer table per run");
        for (String model : List.of("llama-3-8b", "mistral-7b")) {
            for (int k : SHOTS) {
                assertTrue(html.contains("id=\"run-" + model.replace('.', '-') + "-" + k + "shot\""), model + " " + k);
            }
        }
        assertTrue(html.contains("meta-llama/llama-3-8b"), "provenance shown");
        assertTrue(html.contains("class_fraction"), "analysis parameters shown");
        assertTrue(html.contains("abstract_algebra"), "per-subject accuracy shown");
        assertSelfContained(html);
    }

    static void assertWellFormedXml(String xml, String what) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.newDocumentBuilder().parse(new org.xml.sax.InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new AssertionError(what + " is not well-formed XML: " + e.getMessage(), e);
        }
    }

    static void assertSelfContained(String html) {
        // base64 may contain "//": take the inlined images out before looking for addresses
        String lower = html.replaceAll("data:image/png;base64,[A-Za-z0-9+/=]*", "data:image/png;base64,").toLowerCase();
        assertFalse(lower.contains("http:") || lower.contains("https:") || lower.contains("//"), "no URL at all");
        assertFalse(lower.contains("<script") || lower.contains("<link") || lower.contains("@import")
                || lower.contains("url(") || lower.contains("<iframe") || lower.contains("@font-face"), "no external resources");
        Matcher m = Pattern.compile("(src|href)\\s*=\\s*\"([^\"]*)\"").matcher(html);
        int refs = 0;
        while (m.find()) {
            refs++;
            String target = m.group(2);
            assertTrue(target.startsWith("data:image/png;base64,") || target.startsWith("#"),
                    "reference stays in the page: " + target.substring(0, Math.min(40, target.length())));
        }
        assertTrue(refs >= 4);
    }

    @Test
    void accuracyCsvHasOneRowPerRun() throws IOException {
        Path out = tmp.resolve("figures");
        FigureSet.render(List.of(syntheticStats()), out, PlotOptions.defaults());
        List<String> lines = Files.readAllLines(out.resolve("accuracy.csv"), StandardCharsets.UTF_8);
        assertEquals("model,adapter,dataset,split,shots,micro,macro,constrained_micro,constrained_macro", lines.get(0));
        assertEquals(1 + 2 * SHOTS.length, lines.size());
        assertEquals("llama-3-8b,,mmlu,test,5," + (0.45 + 0.04 * 5) + "," + (0.45 + 0.04 * 5 - 0.01) + ","
                + (0.45 + 0.04 * 5 + 0.03) + "," + (0.45 + 0.04 * 5 + 0.02), lines.get(4));
    }

    @Test
    void layerAxisStartsAtLayerOneLikeThePaper() throws IOException {
        Path stats = tmp.resolve("stats");
        Summaries.write(stats, Summaries.paperLike("m", 0, 8));
        Path out = tmp.resolve("figures");
        FigureSet.render(List.of(stats), out, PlotOptions.defaults());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<tr><td>1</td><td>1</td><td class=\"text\">model.layers.1.input_layernorm</td>"),
                "point 1 (after one decoder block) is drawn and listed as layer 1");
        assertEquals(33, FigureSpec.layerX(33));
    }

    @Test
    void acceptsSummaryFilesAsWellAsFoldersAndAnExistingOutputFolder() throws IOException {
        Path a = Summaries.write(tmp.resolve("a"), Summaries.paperLike("m", 0, 8));
        Path b = Summaries.write(tmp.resolve("b"), Summaries.paperLike("m", 5, 8));
        Path out = Files.createDirectories(tmp.resolve("figures"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        FigureSet.render(List.of(a), out, PlotOptions.defaults()); // a stale aris.png, of an earlier landscape-plot
        String stale = new String(Files.readAllBytes(out.resolve("aris.png")), StandardCharsets.ISO_8859_1);
        FigureSet.Result r = FigureSet.render(List.of(a, b.getParent()), out, PlotOptions.defaults());
        assertEquals(List.of(0, 5), r.runs().shots());
        assertEquals("mine", Files.readString(out.resolve("notes.txt")), "other files are left alone");
        assertNotEquals(stale, new String(Files.readAllBytes(out.resolve("aris.png")), StandardCharsets.ISO_8859_1));
    }

    @Test
    void commandLineWritesTheSetAndExitsZero() throws IOException {
        Path out = tmp.resolve("cli-out");
        int rc = PlotMain.run("--stats", syntheticStats().toString(), "--out", out.toString(), "--format", "svg", "--dpi", "72");
        assertEquals(0, rc);
        assertTrue(Files.exists(out.resolve("aris.svg")));
        assertFalse(Files.exists(out.resolve("aris.png")));
    }

    // ---- golden analysis sets ------------------------------------------------------------------------------

    static Stream<Path> goldenSets() throws IOException {
        return Summaries.goldenSets().stream();
    }

    @ParameterizedTest
    @MethodSource("goldenSets")
    void rendersEveryFigureFromAGoldenSetSummary(Path set) throws IOException {
        Path stats = tmp.resolve("stats");
        Summaries.write(stats, Summaries.fromGolden(set, "golden", 0, 4));
        Summaries.write(stats, Summaries.fromGolden(set, "golden", 2, 4));
        Path out = tmp.resolve("figures");
        FigureSet.Result r = FigureSet.render(List.of(stats), out, PlotOptions.defaults());
        for (FigureSpec spec : FigureSet.figures()) {
            BufferedImage image = ImageIO.read(out.resolve(spec.name() + ".png").toFile());
            assertEquals(1600, image.getWidth());
            assertEquals(740, image.getHeight());
            FigureFiles.Png again = FigureFiles.png(spec, r.runs(), null, 8, 3.7, 200);
            for (Rectangle2D area : again.drawn().dataAreas()) {
                Rectangle2D px = scale(area, again.pixelsPerPoint());
                // equal values for 0 and 2 shots: the later series (2-shot) is drawn on top
                assertTrue(pixelsOf(image, px, ShotStyle.color(2)) > 50, set.getFileName() + " " + spec.name());
            }
            String svg = Files.readString(out.resolve(spec.name() + ".svg"));
            assertTrue(svg.contains(">0-shot<") && svg.contains(">2-shot<") && svg.contains(">layer<"));
        }
        SummaryLayer expected = Summaries.goldenLayer(set, 0);
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<td>" + HtmlReport.fmt(expected.ariSubjects(), 3) + "</td><td>"
                + HtmlReport.fmt(expected.ariLetters(), 3) + "</td>"), "golden ARIs in the layer table");
        assertSelfContained(html);
    }

    @Test
    void goldenSetsAsTheLayersOfOneModelPlotTheirExpectedValues() throws IOException {
        List<Path> sets = Summaries.goldenSets();
        assertTrue(sets.size() >= 3, "golden analysis sets present");
        List<SummaryLayer> layers = new ArrayList<>();
        for (int i = 0; i < sets.size(); i++) {
            layers.add(Summaries.goldenLayer(sets.get(i), i));
        }
        Summary s = Summaries.withLayers(Summaries.fromGolden(sets.get(0), "golden-model", 5, 1), layers);
        Path stats = tmp.resolve("stats");
        Summaries.write(stats, s);
        Path out = tmp.resolve("figures");
        FigureSet.Result r = FigureSet.render(List.of(stats), out, PlotOptions.defaults());
        String html = Files.readString(out.resolve("report.html"));
        for (SummaryLayer l : layers) {
            assertTrue(html.contains("<td>" + l.nPoints() + "</td><td>" + HtmlReport.fmt(l.id(), 2) + "</td>"), l.module());
        }
        // the highest subject ARI lies within 0.9: the ARI axis keeps the paper's -0.05..0.9
        FigureFiles.Png png = FigureFiles.png(FigureSpec.ALL.get(0), r.runs(), null, 8, 3.7, 200);
        BufferedImage image = ImageIO.read(out.resolve("aris.png").toFile());
        Rectangle2D px = scale(png.drawn().dataAreas().get(0), png.pixelsPerPoint());
        assertTrue(pixelsOf(image, px, ShotStyle.color(5)) > 50);
        assertEquals(-0.05, FigureRenderer.valueRange(FigureSpec.ALL.get(0).panels().get(0), 0.79, 0.84).getLowerBound());
        assertEquals(0.9, FigureRenderer.valueRange(FigureSpec.ALL.get(0).panels().get(0), 0.79, 0.84).getUpperBound());
    }

    @Test
    void valuesBeyondAFixedRangeWidenTheAxisInsteadOfBeingClipped() {
        PanelSpec ari = FigureSpec.ALL.get(0).panels().get(0);
        assertTrue(FigureRenderer.valueRange(ari, -0.2, 0.97).getUpperBound() > 0.97);
        assertTrue(FigureRenderer.valueRange(ari, -0.2, 0.97).getLowerBound() <= -0.2);
    }

    @Test
    void layerTicksComeEveryFourLayersAndThinOutForDeepModels() {
        assertEquals(1, FigureRenderer.layerTickUnit(3));
        assertEquals(4, FigureRenderer.layerTickUnit(32));
        assertEquals(4, FigureRenderer.layerTickUnit(48));
        assertEquals(8, FigureRenderer.layerTickUnit(80));
    }

    // ---- pixels --------------------------------------------------------------------------------------------

    static Rectangle2D scale(Rectangle2D r, double s) {
        return new Rectangle2D.Double(r.getX() * s, r.getY() * s, r.getWidth() * s, r.getHeight() * s);
    }

    /** Pixels inside {@code r} (inset by 3 px, away from the frame) within a small distance of {@code c}. */
    static int pixelsOf(BufferedImage image, Rectangle2D r, Color c) {
        int n = 0;
        for (int y = (int) r.getMinY() + 3; y < (int) r.getMaxY() - 3; y++) {
            for (int x = (int) r.getMinX() + 3; x < (int) r.getMaxX() - 3; x++) {
                int rgb = image.getRGB(x, y);
                int dr = ((rgb >> 16) & 0xff) - c.getRed();
                int dg = ((rgb >> 8) & 0xff) - c.getGreen();
                int db = (rgb & 0xff) - c.getBlue();
                if (dr * dr + dg * dg + db * db < 12 * 12) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Fraction of pixels inside {@code r} that are not white. */
    static double nonBackground(BufferedImage image, Rectangle2D r) {
        long n = 0;
        long all = 0;
        for (int y = (int) r.getMinY() + 3; y < (int) r.getMaxY() - 3; y++) {
            for (int x = (int) r.getMinX() + 3; x < (int) r.getMaxX() - 3; x++) {
                all++;
                if ((image.getRGB(x, y) & 0xffffff) != 0xffffff) {
                    n++;
                }
            }
        }
        return (double) n / all;
    }

    static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
