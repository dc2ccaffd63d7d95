package landscape.plot;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import landscape.core.cli.UsageError;

/**
 * How to draw: which files ({@code png}, {@code svg}), the PNG resolution, an optional title, and the size of one
 * row of panels in inches (a figure with n models is {@code width × n·rowHeight}). The report and accuracy.csv are
 * always written.
 */
public record PlotOptions(Set<String> formats, int dpi, String title, double widthIn, double rowHeightIn) {
    public static final double DEFAULT_WIDTH_IN = 8.0;
    public static final double DEFAULT_ROW_HEIGHT_IN = 3.7;
    public static final int DEFAULT_DPI = 200;

    public PlotOptions {
        formats = Set.copyOf(formats);
        for (String f : formats) {
            if (!f.equals("png") && !f.equals("svg")) {
                throw new UsageError("--format: unknown format '" + f + "' (use png, svg or png,svg)");
            }
        }
        if (dpi < 20 || dpi > 2400) {
            throw new UsageError("--dpi: " + dpi + " is outside 20..2400");
        }
        if (!(widthIn >= 2 && widthIn <= 40) || !(rowHeightIn >= 1 && rowHeightIn <= 40)) {
            throw new UsageError("--width/--height: " + widthIn + " x " + rowHeightIn + " inches is not a sensible figure size");
        }
    }

    public static PlotOptions defaults() {
        return new PlotOptions(Set.of("png", "svg"), DEFAULT_DPI, null, DEFAULT_WIDTH_IN, DEFAULT_ROW_HEIGHT_IN);
    }

    public static Set<String> parseFormats(List<String> values) {
        Set<String> out = new LinkedHashSet<>();
        for (String v : values) {
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return out;
    }

    public double heightIn(int rows) {
        return rowHeightIn * Math.max(1, rows);
    }

    public PlotOptions withTitle(String newTitle) {
        return new PlotOptions(formats, dpi, newTitle, widthIn, rowHeightIn);
    }
}
