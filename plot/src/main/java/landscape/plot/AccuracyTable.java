package landscape.plot;

import java.util.ArrayList;
import java.util.List;
import landscape.core.run.LayerStats.Summary;
import landscape.core.run.Manifest;

/** The accuracy of every run (micro, macro, constrained to A–D), one row per (model, shots): accuracy.csv. */
public final class AccuracyTable {
    public static final List<String> HEADER = List.of("model", "adapter", "dataset", "split", "shots",
            "micro", "macro", "constrained_micro", "constrained_macro");

    private AccuracyTable() {
    }

    public static List<List<String>> rows(RunSet runs) {
        List<List<String>> rows = new ArrayList<>();
        for (ModelRuns m : runs.models()) {
            for (Summary s : m.runs()) {
                Manifest.Accuracy a = s.accuracy();
                rows.add(List.of(m.model(), nz(m.adapter()), nz(s.dataset()), nz(s.split()), Integer.toString(s.shots()),
                        a == null ? "" : num(a.micro()), a == null ? "" : num(a.macro()),
                        a == null ? "" : num(a.constrainedMicro()), a == null ? "" : num(a.constrainedMacro())));
            }
        }
        return rows;
    }

    public static String csv(RunSet runs) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", HEADER)).append('\n');
        for (List<String> row : rows(runs)) {
            for (int i = 0; i < row.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(quote(row.get(i)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String quote(String v) {
        if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
            return "\"" + v.replace("\"", "\"\"") + "\"";
        }
        return v;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "";
    }
}
