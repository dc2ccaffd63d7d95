package landscape.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;
import landscape.core.LandscapeException;
import landscape.core.cli.UsageError;
import landscape.core.run.AtomicOutput;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGUnits;
import org.jfree.svg.ViewBox;
import smile.manifold.TSNE;
import smile.math.MathEx;

/**
 * {@code landscape-plot landscape}: a 2-D t-SNE map (Smile) of one layer's points, side by side coloured by
 * subject and by ADP cluster. Writes {@code landscape-layer<X>.png/.svg} and {@code landscape-layer<X>.csv}
 * (row, subject, cluster, x, y) where X is the layer (extraction point index), all-or-nothing like the figure set.
 */
public final class LayerMap {
    static {
        System.setProperty("java.awt.headless", "true");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }

    private LayerMap() {
    }

    /** t-SNE settings; {@code maxPoints} caps the O(n²) cost by a seeded subsample. */
    public record Options(int maxPoints, double perplexity, int iterations, long seed, PlotOptions plot) {
        public Options {
            if (maxPoints < 10) {
                throw new UsageError("--max-points: " + maxPoints + " is too few (at least 10)");
            }
            if (!(perplexity >= 2)) {
                throw new UsageError("--perplexity: " + perplexity + " must be at least 2");
            }
            if (iterations < 250) {
                throw new UsageError("--iterations: " + iterations + " is too few (at least 250)");
            }
        }
    }

    public record Result(List<Path> files, double[][] coordinates, MapInput input) {
    }

    public static Result render(MapInput input, int layer, Path out, Options options) {
        MapInput in = input.subsample(options.maxPoints(), options.seed());
        int n = in.points().length;
        if (n < 4 * options.perplexity() + 2) {
            throw new LandscapeException("layer " + layer + ": " + n + " points are too few for perplexity "
                    + options.perplexity() + " (need " + (int) Math.ceil(4 * options.perplexity() + 2) + ")");
        }
        MathEx.setSeed(options.seed());
        double[][] y = new TSNE(in.points(), 2, options.perplexity(), 200, options.iterations()).coordinates;
        String base = "landscape-layer" + FigureSpec.layerX(layer);
        PlotOptions p = options.plot();
        double widthIn = p.widthIn();
        double heightIn = Math.max(p.rowHeightIn(), widthIn * (in.clusters() == null ? 0.75 : 0.5)) ;
        String title = p.title() != null ? p.title() : in.title();
        List<String> names = new ArrayList<>();
        for (String f : List.of("png", "svg", "csv")) {
            if (f.equals("csv") || p.formats().contains(f)) {
                names.add(base + "." + f);
            }
        }
        AtomicOutput.checkFiles(out, names, PlotFiles.RULE);
        List<Path> files;
        try (AtomicOutput stage = AtomicOutput.files(out, PlotFiles.RULE)) {
            Path dir = stage.dir();
            if (p.formats().contains("png")) {
                PlotFiles.write(dir, base + ".png", png(in, y, title, widthIn, heightIn, p.dpi()));
            }
            if (p.formats().contains("svg")) {
                PlotFiles.write(dir, base + ".svg", svg(in, y, title, widthIn, heightIn).getBytes(StandardCharsets.UTF_8));
            }
            PlotFiles.write(dir, base + ".csv", csv(in, y).getBytes(StandardCharsets.UTF_8));
            files = stage.commit();
        }
        PlotFiles.removeSuperseded(out, List.of(base + ".png", base + ".svg"), files);
        return new Result(files, y, in);
    }

    static byte[] png(MapInput in, double[][] y, String title, double widthIn, double heightIn, int dpi) {
        int w = (int) Math.round(widthIn * dpi);
        int h = (int) Math.round(heightIn * dpi);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g2 = image.createGraphics();
        try {
            g2.scale(w / (widthIn * 72.0), h / (heightIn * 72.0));
            draw(g2, in, y, title, widthIn * 72, heightIn * 72);
        } finally {
            g2.dispose();
        }
        return FigureFiles.encodePng(image, dpi);
    }

    static String svg(MapInput in, double[][] y, String title, double widthIn, double heightIn) {
        double w = Math.round(widthIn * 7200.0) / 100.0;
        double h = Math.round(heightIn * 7200.0) / 100.0;
        SVGGraphics2D g2 = new SVGGraphics2D(w, h, SVGUnits.PT);
        draw(g2, in, y, title, w, h);
        return FigureFiles.svgDocument(g2.getSVGElement(null, true, new ViewBox(0, 0, w, h), null, null));
    }

    /** Draws the panels; returns their data areas in points. */
    static List<Rectangle2D> draw(Graphics2D g2, MapInput in, double[][] y, String title, double width, double height) {
        g2.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g2.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g2.setPaint(Color.WHITE);
        g2.fill(new Rectangle2D.Double(0, 0, width, height));
        Font titleFont = new Font(FigureRenderer.FONT_FAMILY, Font.BOLD, 1).deriveFont(FigureRenderer.TITLE_PT);
        g2.setFont(titleFont);
        g2.setPaint(FigureRenderer.TEXT);
        FontMetrics fm = g2.getFontMetrics();
        g2.drawString(title, (float) (width / 2 - fm.getStringBounds(title, g2).getWidth() / 2), (float) (6 + fm.getAscent()));
        double top = 6 + fm.getHeight() + 4;

        List<String> subjects = in.subjects();
        List<JFreeChart> charts = new ArrayList<>();
        Map<String, Integer> subjectCode = new TreeMap<>();
        for (String s : subjects) {
            subjectCode.putIfAbsent(s, 0);
        }
        int k = 0;
        for (Map.Entry<String, Integer> e : subjectCode.entrySet()) {
            e.setValue(k++);
        }
        charts.add(scatter("coloured by subject (" + subjectCode.size() + ")", y, i -> subjectCode.get(subjects.get(i)),
                subjectCode.size()));
        if (in.clusters() != null) {
            Map<Integer, Integer> clusterCode = new TreeMap<>();
            for (int c : in.clusters()) {
                clusterCode.putIfAbsent(c, 0);
            }
            int j = 0;
            for (Map.Entry<Integer, Integer> e : clusterCode.entrySet()) {
                e.setValue(j++);
            }
            charts.add(scatter("coloured by ADP cluster (" + clusterCode.size() + ")", y,
                    i -> clusterCode.get(in.clusters()[i]), clusterCode.size()));
        }
        List<Rectangle2D> areas = new ArrayList<>();
        double colWidth = width / charts.size();
        for (int c = 0; c < charts.size(); c++) {
            ChartRenderingInfo info = new ChartRenderingInfo();
            charts.get(c).draw(g2, new Rectangle2D.Double(c * colWidth, top, colWidth, height - top), info);
            areas.add((Rectangle2D) info.getPlotInfo().getDataArea().clone());
        }
        return areas;
    }

    private static JFreeChart scatter(String caption, double[][] y, IntUnaryOperator category, int categories) {
        XYSeriesCollection data = new XYSeriesCollection();
        Map<Integer, XYSeries> series = new LinkedHashMap<>();
        for (int c = 0; c < categories; c++) {
            XYSeries s = new XYSeries(c, false, true);
            series.put(c, s);
            data.addSeries(s);
        }
        for (int i = 0; i < y.length; i++) {
            series.get(category.applyAsInt(i)).add(y[i][0], y[i][1]);
        }
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        Ellipse2D dot = new Ellipse2D.Double(-1.6, -1.6, 3.2, 3.2);
        for (int c = 0; c < categories; c++) {
            r.setSeriesShape(c, dot);
            r.setSeriesPaint(c, categorical(c, categories));
        }
        Font tickFont = new Font(FigureRenderer.FONT_FAMILY, Font.PLAIN, 1).deriveFont(FigureRenderer.TICK_PT);
        Font labelFont = new Font(FigureRenderer.FONT_FAMILY, Font.PLAIN, 1).deriveFont(FigureRenderer.LABEL_PT);
        NumberAxis xAxis = new NumberAxis("t-SNE 1");
        NumberAxis yAxis = new NumberAxis("t-SNE 2");
        for (NumberAxis a : List.of(xAxis, yAxis)) {
            a.setTickLabelsVisible(false);
            a.setTickMarksVisible(false);
            a.setLabelFont(labelFont);
            a.setTickLabelFont(tickFont);
            a.setAutoRangeIncludesZero(false);
            a.setAxisLineVisible(false);
        }
        XYPlot plot = new XYPlot(data, xAxis, yAxis, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlinePaint(new Color(0x666666));
        plot.setOutlineStroke(new BasicStroke(0.8f));
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        JFreeChart chart = new JFreeChart(null, null, plot, false);
        TextTitle t = new TextTitle(caption, new Font(FigureRenderer.FONT_FAMILY, Font.PLAIN, 1).deriveFont(FigureRenderer.LABEL_PT));
        chart.setTitle(t);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(new RectangleInsets(4, 6, 4, 6));
        return chart;
    }

    /**
     * Colour of category c of n: Okabe–Ito when n ≤ 8; beyond that (57 subjects, dozens of clusters) no palette
     * stays colour-blind safe, so hues are spread by the golden angle with two lightness levels.
     */
    static Color categorical(int c, int n) {
        if (n <= 7) {
            return ShotStyle.OKABE_ITO[c];
        }
        float hue = (float) ((c * 0.618033988749895) % 1.0);
        float brightness = c % 2 == 0 ? 0.85f : 0.6f;
        return Color.getHSBColor(hue, 0.75f, brightness);
    }

    static String csv(MapInput in, double[][] y) {
        StringBuilder sb = new StringBuilder(PlotFiles.MAP_CSV_HEADER + "\n");
        for (int i = 0; i < y.length; i++) {
            sb.append(in.rows()[i]).append(',').append(AccuracyTable.quote(in.subjects().get(i))).append(',')
                    .append(in.clusters() == null ? "" : Integer.toString(in.clusters()[i])).append(',')
                    .append(String.format(Locale.ROOT, "%.6g", y[i][0])).append(',')
                    .append(String.format(Locale.ROOT, "%.6g", y[i][1])).append('\n');
        }
        return sb.toString();
    }
}
