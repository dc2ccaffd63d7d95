package landscape.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import landscape.core.run.LayerStats.Summary;
import landscape.core.run.LayerStats.SummaryLayer;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.text.TextUtils;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.Range;
import org.jfree.data.xy.XYDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * Draws one figure onto any {@link Graphics2D} (a PNG raster or an SVG document) in points (1/72 inch): an optional
 * title, one row of panels per model (with the model's name above the row when there are several), and one legend
 * of the shot counts below everything, outside the data. Panels are JFreeChart XY plots without their own legends.
 */
public final class FigureRenderer {
    static final String FONT_FAMILY = "SansSerif";
    /**
     * Font sizes in points for the full-size (8 inch wide) figure: still 5-6 pt when shrunk to a 3.3 inch column.
     * Whole points, because SVG font sizes are written as integers.
     */
    static final float TICK_PT = 12f;
    static final float LABEL_PT = 14f;
    static final float LEGEND_PT = 13f;
    static final float ROW_PT = 13f;
    static final float TITLE_PT = 15f;
    static final float LINE_PT = 1.8f;
    static final double MARKER_PT = 5.5;

    private static final Color GRID = new Color(0xD9D9D9);
    private static final Color FRAME = new Color(0x666666);
    static final Color TEXT = new Color(0x1A1A1A);

    static {
        System.setProperty("java.awt.headless", "true");
        // draw rotated labels (the value axes) with drawString, so SVG keeps them as <text> (searchable, editable)
        // instead of glyph outlines; the old JDK bug this workaround avoided is long fixed
        TextUtils.setUseDrawRotatedStringWorkaround(false);
    }

    private FigureRenderer() {
    }

    /** The data areas of the panels drawn, row by row, in the figure's points. */
    public record Drawn(List<Rectangle2D> dataAreas) {
    }

    public static Drawn draw(Graphics2D g2, FigureSpec spec, RunSet runs, String title, double width, double height) {
        g2.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g2.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g2.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g2.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        g2.setPaint(Color.WHITE);
        g2.fill(new Rectangle2D.Double(0, 0, width, height));

        double top = 0;
        if (title != null && !title.isBlank()) {
            Font font = new Font(FONT_FAMILY, Font.BOLD, 1).deriveFont(TITLE_PT);
            top = drawCentred(g2, title, font, width / 2, 6) + 4;
        }
        double legendHeight = LEGEND_PT * 2.1;
        List<Integer> shots = runs.shots();
        drawLegend(g2, shots, width / 2, height - legendHeight, legendHeight);

        List<ModelRuns> models = runs.models();
        boolean rowHeaders = models.size() > 1;
        double rowHeader = rowHeaders ? ROW_PT * 1.7 : 0;
        double rowHeight = (height - top - legendHeight) / models.size();
        int cols = spec.panels().size();
        double colWidth = width / cols;
        List<Rectangle2D> dataAreas = new ArrayList<>();
        for (int r = 0; r < models.size(); r++) {
            ModelRuns m = models.get(r);
            double y = top + r * rowHeight;
            if (rowHeaders) {
                Font font = new Font(FONT_FAMILY, Font.BOLD, 1).deriveFont(ROW_PT);
                drawLeft(g2, m.label(), font, 10, y + 4);
            }
            for (int c = 0; c < cols; c++) {
                JFreeChart chart = panel(spec.panels().get(c), m);
                Rectangle2D area = new Rectangle2D.Double(c * colWidth, y + rowHeader, colWidth, rowHeight - rowHeader);
                ChartRenderingInfo info = new ChartRenderingInfo();
                chart.draw(g2, area, info);
                dataAreas.add((Rectangle2D) info.getPlotInfo().getDataArea().clone());
            }
        }
        return new Drawn(List.copyOf(dataAreas));
    }

    /**
     * One panel. Every row names its layer axis: dropping the label on upper rows would make their plots taller
     * than the bottom row's and give them different tick steps.
     */
    static JFreeChart panel(PanelSpec spec, ModelRuns model) {
        Font tickFont = new Font(FONT_FAMILY, Font.PLAIN, 1).deriveFont(TICK_PT);
        Font labelFont = new Font(FONT_FAMILY, Font.PLAIN, 1).deriveFont(LABEL_PT);

        int minX = Integer.MAX_VALUE;
        int maxX = Integer.MIN_VALUE;
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        XYLineAndShapeRenderer renderer;
        XYDataset dataset;
        if (spec.error() != null) {
            YIntervalSeriesCollection c = new YIntervalSeriesCollection();
            for (Summary s : model.runs()) {
                YIntervalSeries series = new YIntervalSeries(ShotStyle.name(s.shots()));
                for (SummaryLayer l : s.layers()) {
                    double v = spec.value().applyAsDouble(l);
                    double e = spec.error().applyAsDouble(l);
                    if (!Double.isFinite(e)) {
                        e = 0;
                    }
                    int x = FigureSpec.layerX(l.layer());
                    series.add(x, v, v - e, v + e);
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    if (Double.isFinite(v)) {
                        minY = Math.min(minY, v - e);
                        maxY = Math.max(maxY, v + e);
                    }
                }
                c.addSeries(series);
            }
            DeviationRenderer dev = new DeviationRenderer(true, true);
            dev.setAlpha(0.18f);
            renderer = dev;
            dataset = c;
        } else {
            XYSeriesCollection c = new XYSeriesCollection();
            for (Summary s : model.runs()) {
                XYSeries series = new XYSeries(ShotStyle.name(s.shots()), false, true);
                for (SummaryLayer l : s.layers()) {
                    double v = spec.value().applyAsDouble(l);
                    int x = FigureSpec.layerX(l.layer());
                    series.add(x, v);
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    if (Double.isFinite(v)) {
                        minY = Math.min(minY, v);
                        maxY = Math.max(maxY, v);
                    }
                }
                c.addSeries(series);
            }
            renderer = new XYLineAndShapeRenderer(true, true);
            dataset = c;
        }
        BasicStroke line = new BasicStroke(LINE_PT, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
        for (int i = 0; i < model.runs().size(); i++) {
            int shots = model.runs().get(i).shots();
            Color colour = ShotStyle.color(shots);
            renderer.setSeriesPaint(i, colour);
            renderer.setSeriesFillPaint(i, colour);
            renderer.setSeriesStroke(i, line);
            renderer.setSeriesShape(i, ShotStyle.marker(shots, markerSize(maxX - minX + 1)));
        }
        renderer.setUseFillPaint(false);
        renderer.setDrawOutlines(false);

        NumberAxis xAxis = new NumberAxis(FigureSpec.LAYER_LABEL);
        styleAxis(xAxis, tickFont, labelFont);
        xAxis.setRange(minX - 0.7, maxX + 0.7);
        xAxis.setTickUnit(new NumberTickUnit(layerTickUnit(maxX - minX), new DecimalFormat("0")));

        NumberAxis yAxis = new NumberAxis(spec.yLabel());
        styleAxis(yAxis, tickFont, labelFont);
        if (spec.integer()) {
            yAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        yAxis.setRange(valueRange(spec, minY, maxY));

        XYPlot plot = new XYPlot(dataset, xAxis, yAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlinePaint(FRAME);
        plot.setOutlineStroke(new BasicStroke(0.8f));
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setDomainGridlineStroke(new BasicStroke(0.6f));
        plot.setRangeGridlineStroke(new BasicStroke(0.6f));
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        // series 0 (fewest shots) first, so the many-shot curves the paper is about stay on top
        plot.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD);
        plot.setInsets(new RectangleInsets(4, 2, 2, 8));

        JFreeChart chart = new JFreeChart(null, null, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setBorderVisible(false);
        chart.setPadding(new RectangleInsets(8, 4, 2, 4));
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        return chart;
    }

    /**
     * Layer tick step: every 4 layers as in the paper; every layer for short runs (< 8 layers); doubled for deep
     * models until at most 12 ticks remain (80 layers: every 8), so tick labels never run into each other.
     */
    static int layerTickUnit(int span) {
        if (span < 8) {
            return 1;
        }
        int unit = 4;
        while (span / unit > 12) {
            unit *= 2;
        }
        return unit;
    }

    /** Marker size: full size up to 40 layers, then smaller so markers of deep models (80 layers) stay apart. */
    static double markerSize(int layers) {
        return layers <= 40 ? MARKER_PT : Math.max(3.0, MARKER_PT * 40.0 / layers);
    }

    /** The panel's value range: the fixed bounds, widened to the data when data fall outside them. */
    static Range valueRange(PanelSpec spec, double minY, double maxY) {
        if (!Double.isFinite(minY)) {
            minY = 0;
            maxY = 1;
        }
        double lo = Double.isNaN(spec.lower()) ? minY : Math.min(spec.lower(), minY);
        double hi;
        if (Double.isNaN(spec.upper())) {
            hi = maxY + 0.08 * Math.max(maxY - lo, 1e-9);
            if (spec.integer()) {
                hi = Math.max(hi, lo + 2);
            }
        } else {
            hi = Math.max(spec.upper(), maxY + (maxY > spec.upper() ? 0.03 * (maxY - lo) : 0));
        }
        if (Double.isNaN(spec.lower()) && lo == minY) {
            lo = minY - 0.08 * Math.max(hi - minY, 1e-9);
        }
        if (hi <= lo) {
            hi = lo + 1;
        }
        return new Range(lo, hi);
    }

    private static void styleAxis(NumberAxis axis, Font tickFont, Font labelFont) {
        axis.setTickLabelFont(tickFont);
        axis.setLabelFont(labelFont);
        axis.setTickLabelPaint(TEXT);
        axis.setLabelPaint(TEXT);
        axis.setAxisLineVisible(false);
        axis.setTickMarkPaint(FRAME);
        axis.setTickMarkOutsideLength(3f);
        axis.setTickMarkStroke(new BasicStroke(0.8f));
        axis.setLabelInsets(new RectangleInsets(2, 2, 2, 2));
        axis.setTickLabelInsets(new RectangleInsets(2, 2, 2, 2));
        axis.setAutoRangeIncludesZero(false);
    }

    /** The legend: one entry (line, marker, "k-shot") per shot count, centred on {@code cx}. */
    static void drawLegend(Graphics2D g2, List<Integer> shots, double cx, double y, double h) {
        Font font = new Font(FONT_FAMILY, Font.PLAIN, 1).deriveFont(LEGEND_PT);
        g2.setFont(font);
        FontMetrics fm = g2.getFontMetrics();
        double sample = 26;
        double gap = 6;
        double between = 20;
        double total = 0;
        for (int s : shots) {
            total += sample + gap + fm.getStringBounds(ShotStyle.name(s), g2).getWidth() + between;
        }
        total -= between;
        double x = cx - total / 2;
        double mid = y + h / 2;
        for (int s : shots) {
            Color colour = ShotStyle.color(s);
            g2.setPaint(colour);
            g2.setStroke(new BasicStroke(LINE_PT, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g2.draw(new Line2D.Double(x, mid, x + sample, mid));
            Shape marker = ShotStyle.marker(s, MARKER_PT);
            g2.fill(AffineTransform.getTranslateInstance(x + sample / 2, mid).createTransformedShape(marker));
            String name = ShotStyle.name(s);
            g2.setPaint(TEXT);
            float baseline = (float) (mid + (fm.getAscent() - fm.getDescent()) / 2.0);
            g2.drawString(name, (float) (x + sample + gap), baseline);
            x += sample + gap + fm.getStringBounds(name, g2).getWidth() + between;
        }
    }

    /** Draws text centred at cx with its top at y; returns the bottom. */
    private static double drawCentred(Graphics2D g2, String text, Font font, double cx, double y) {
        g2.setFont(font);
        g2.setPaint(TEXT);
        FontMetrics fm = g2.getFontMetrics();
        double w = fm.getStringBounds(text, g2).getWidth();
        g2.drawString(text, (float) (cx - w / 2), (float) (y + fm.getAscent()));
        return y + fm.getAscent() + fm.getDescent();
    }

    private static double drawLeft(Graphics2D g2, String text, Font font, double x, double y) {
        g2.setFont(font);
        g2.setPaint(TEXT);
        FontMetrics fm = g2.getFontMetrics();
        g2.drawString(text, (float) x, (float) (y + fm.getAscent()));
        return y + fm.getAscent() + fm.getDescent();
    }
}
