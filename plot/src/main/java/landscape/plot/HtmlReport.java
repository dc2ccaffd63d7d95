package landscape.plot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import landscape.core.Json;
import landscape.core.run.LayerStats.Summary;
import landscape.core.run.LayerStats.SummaryLayer;
import landscape.core.run.Manifest;

/**
 * {@code report.html}: one self-contained page. Figures are inlined as base64 PNG ({@code data:} URIs), the style
 * sheet is inline, and the page refers to nothing outside itself (no links, scripts, fonts or images from
 * anywhere else), so it opens offline and can be mailed as one file.
 */
public final class HtmlReport {
    private HtmlReport() {
    }

    /** A figure as it goes into the report. */
    public record Figure(FigureSpec spec, byte[] png) {
    }

    public static String html(RunSet runs, List<Figure> figures, String title, String toolVersion, String created) {
        String heading = title == null || title.isBlank() ? "Representation landscape" : title;
        StringBuilder h = new StringBuilder(1 << 16);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n").append(PlotFiles.HTML_MARK)
                .append("\n<title>")
                .append(esc(heading)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<h1>").append(esc(heading)).append("</h1>\n");
        h.append("<p class=\"meta\">Made by landscape-plot ").append(esc(toolVersion)).append(" on ").append(esc(created))
                .append(" from ").append(runCount(runs)).append(" run(s) of ").append(runs.models().size())
                .append(" model(s). Layer <i>i</i> is extraction point <i>i</i>: the residual stream after <i>i</i> decoder")
                .append(" blocks (input of block <i>i</i>); L is the final norm and L+1 the logits.</p>\n");
        h.append("<nav><a href=\"#figures\">Figures</a> · <a href=\"#accuracy\">Accuracy</a> · <a href=\"#runs\">Runs</a></nav>\n");

        h.append("<section id=\"figures\">\n<h2>Figures</h2>\n");
        for (Figure f : figures) {
            h.append("<figure id=\"fig-").append(f.spec().name()).append("\">\n<img alt=\"").append(f.spec().name())
                    .append(" figure\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(f.png()))
                    .append("\">\n<figcaption><b>").append(f.spec().name()).append("</b> — ")
                    .append(esc(f.spec().caption())).append("</figcaption>\n</figure>\n");
        }
        h.append("</section>\n");

        h.append("<section id=\"accuracy\">\n<h2>Accuracy</h2>\n<table class=\"num\" id=\"table-accuracy\">\n<thead><tr>");
        for (String c : AccuracyTable.HEADER) {
            h.append("<th>").append(esc(c.replace('_', ' '))).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : AccuracyTable.rows(runs)) {
            h.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                String v = row.get(i);
                h.append("<td>").append(esc(i >= 5 && !v.isEmpty() ? fmt(Double.parseDouble(v), 4) : v)).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n<p class=\"meta\">micro: fraction of questions answered right; macro: mean over subjects; "
                + "constrained: the argmax over the tokens A–D only.</p>\n</section>\n");

        h.append("<section id=\"runs\">\n<h2>Runs</h2>\n");
        for (ModelRuns m : runs.models()) {
            for (int i = 0; i < m.runs().size(); i++) {
                run(h, m, m.runs().get(i), m.files().get(i));
            }
        }
        h.append("</section>\n</body>\n</html>\n");
        return h.toString();
    }

    public static String runId(ModelRuns m, Summary s) {
        String base = (m.label() + "-" + s.shots() + "shot").toLowerCase(Locale.ROOT);
        return "run-" + base.replaceAll("[^a-z0-9]+", "-");
    }

    private static void run(StringBuilder h, ModelRuns m, Summary s, String file) {
        h.append("<section class=\"run\" id=\"").append(runId(m, s)).append("\">\n<h3>").append(esc(m.label()))
                .append(", ").append(s.shots()).append("-shot</h3>\n");
        h.append("<table class=\"kv\">\n");
        kv(h, "model", s.model());
        kv(h, "adapter", s.adapter() == null ? "none" : s.adapter());
        kv(h, "dataset", s.dataset());
        kv(h, "split", s.split());
        kv(h, "shots", Integer.toString(s.shots()));
        kv(h, "summary file", file);
        h.append("</table>\n");

        h.append("<h4>Analysis parameters</h4>\n");
        map(h, s.params());
        h.append("<h4>Provenance</h4>\n");
        map(h, s.provenance());

        h.append("<h4>Per-layer metrics</h4>\n<table class=\"num layers\">\n<thead><tr><th>layer</th><th>index</th><th>module</th>"
                + "<th>points</th><th>ID</th><th>ID error</th><th>clusters</th><th>ARI subjects</th><th>ARI letters</th>"
                + "<th>core fraction</th><th>overlap subjects</th><th>overlap letters</th></tr></thead>\n<tbody>\n");
        for (SummaryLayer l : s.layers()) {
            h.append("<tr><td>").append(FigureSpec.layerX(l.layer())).append("</td><td>").append(l.layer())
                    .append("</td><td class=\"text\">").append(esc(l.module() == null ? "" : l.module()))
                    .append("</td><td>").append(l.nPoints())
                    .append("</td><td>").append(fmt(l.id(), 2)).append("</td><td>").append(fmt(l.idErr(), 2))
                    .append("</td><td>").append(l.nClusters())
                    .append("</td><td>").append(fmt(l.ariSubjects(), 3)).append("</td><td>").append(fmt(l.ariLetters(), 3))
                    .append("</td><td>").append(fmt(l.coreFraction(), 3))
                    .append("</td><td>").append(fmt(l.overlapSubjects(), 3)).append("</td><td>").append(fmt(l.overlapLetters(), 3))
                    .append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n");

        Manifest.Accuracy a = s.accuracy();
        if (a != null && a.perSubject() != null && !a.perSubject().isEmpty()) {
            h.append("<details><summary>Accuracy per subject (").append(a.perSubject().size())
                    .append(" subjects)</summary>\n<table class=\"num\">\n<thead><tr><th>subject</th><th>questions</th>"
                            + "<th>accuracy</th><th>constrained</th></tr></thead>\n<tbody>\n");
            for (Map.Entry<String, Manifest.SubjectAccuracy> e : new TreeMap<>(a.perSubject()).entrySet()) {
                Manifest.SubjectAccuracy sa = e.getValue();
                h.append("<tr><td class=\"text\">").append(esc(e.getKey())).append("</td><td>")
                        .append(sa == null ? "" : Integer.toString(sa.n())).append("</td><td>")
                        .append(sa == null ? "" : fmt(sa.accuracy(), 4)).append("</td><td>")
                        .append(sa == null ? "" : fmt(sa.constrained(), 4)).append("</td></tr>\n");
            }
            h.append("</tbody>\n</table>\n</details>\n");
        }
        h.append("</section>\n");
    }

    private static void map(StringBuilder h, Map<String, Object> values) {
        if (values == null || values.isEmpty()) {
            h.append("<p class=\"meta\">not recorded</p>\n");
            return;
        }
        h.append("<table class=\"kv\">\n");
        for (Map.Entry<String, Object> e : new TreeMap<>(values).entrySet()) {
            kv(h, e.getKey(), value(e.getValue()));
        }
        h.append("</table>\n");
    }

    private static String value(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return s;
        }
        try {
            return Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(v);
        } catch (JsonProcessingException e) {
            return String.valueOf(v);
        }
    }

    private static void kv(StringBuilder h, String key, String value) {
        h.append("<tr><th>").append(esc(key)).append("</th><td>").append(esc(value == null ? "" : value)).append("</td></tr>\n");
    }

    private static int runCount(RunSet runs) {
        return runs.models().stream().mapToInt(m -> m.runs().size()).sum();
    }

    static String fmt(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static final String CSS = """
            body { font-family: sans-serif; color: #1a1a1a; margin: 2em auto; max-width: 70em; padding: 0 1em; line-height: 1.4; }
            h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; } h3 { margin-top: 1.8em; }
            h4 { margin: 1em 0 0.3em; font-size: 1em; }
            .meta { color: #555; font-size: 0.9em; }
            figure { margin: 1.5em 0; } figure img { width: 100%; max-width: 60em; height: auto; border: 1px solid #eee; }
            figcaption { font-size: 0.9em; color: #333; }
            table { border-collapse: collapse; font-size: 0.85em; margin: 0.3em 0 1em; }
            th, td { border: 1px solid #ddd; padding: 0.2em 0.5em; }
            thead th { background: #f3f3f3; position: sticky; top: 0; }
            table.num td { text-align: right; font-variant-numeric: tabular-nums; } table.num td.text { text-align: left; }
            table.kv th { text-align: left; background: #f8f8f8; font-weight: normal; }
            table.kv td { font-family: monospace; word-break: break-all; }
            nav a { color: #0072b2; }
            """;
}
