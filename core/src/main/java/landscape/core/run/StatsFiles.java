package landscape.core.run;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import landscape.core.Json;
import landscape.core.LandscapeException;

/**
 * Reading and checking {@code stats.json} ({@link LayerStats}) and summaries ({@link LayerStats.Summary}): the one
 * place that decides which fields must be present and finite (docs/FORMAT.md "stats.json and summaries"), used by
 * analyze before it writes, by summarize and by plot when they read. A null, missing or non-finite metric is an
 * error that names the file and the field: read into the records as they are, it would become 0.0 in the CSV and in
 * the figures. Also the rules by which analyze recognises its own earlier outputs ({@link #STATS}, {@link #SUMMARIES}).
 */
public final class StatsFiles {
    /** The header of a summary's CSV twin (one row per layer). */
    public static final String SUMMARY_CSV_HEADER = "layer,module,n_points,id,id_err,n_clusters,ari_subjects,ari_letters,"
            + "core_fraction,overlap_subjects,overlap_letters";
    /**
     * The analysis parameters ({@code params}) that layers compared with each other must share: the layers of one
     * summary (summarize) and the runs drawn in one panel (landscape-plot).
     */
    public static final List<String> SHARED_PARAMS = List.of("maxk", "range_max", "k", "z", "class_fraction", "mask");
    /** What summarize writes into a summary's provenance {@code tool}. */
    public static final String SUMMARIZE_TOOL = "landscape-analyze summarize";

    /** Metrics of a stats.json (and of a summary layer) that must be finite numbers. */
    private static final List<String> STATS_NUMBERS = List.of("ari_subjects", "ari_letters", "core_fraction",
            "overlap_subjects", "overlap_letters");
    private static final List<String> STATS_INTEGERS = List.of("n_points", "maxk", "n_clusters");
    private static final List<String> SCALES = List.of("ids", "ids_err", "rs");
    /** Written only with {@code landscape-analyze --arrays}: checked when present. */
    private static final List<String> OPTIONAL_INTEGER_ARRAYS = List.of("kept_rows", "assignment", "assignment_halo");
    private static final List<String> OPTIONAL_NUMBER_ARRAYS = List.of("log_den", "log_den_err");
    private static final List<String> LAYER_NUMBERS = List.of("id", "id_err", "ari_subjects", "ari_letters",
            "core_fraction", "overlap_subjects", "overlap_letters");
    private static final List<String> LAYER_INTEGERS = List.of("layer", "n_points", "n_clusters");
    private static final List<String> ACCURACY_NUMBERS = List.of("micro", "macro", "constrained_micro",
            "constrained_macro");

    /** Also reads the bare NaN and Infinity that Python's json module writes, so that they are named, not a parse error. */
    private static final ObjectReader READER = Json.MAPPER.reader().with(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS);

    private StatsFiles() {
    }

    /** Reads and checks a stats.json. */
    public static LayerStats readStats(Path file) {
        JsonNode tree = tree(file);
        checkStats(file, tree);
        return convert(file, tree, LayerStats.class);
    }

    /** Reads and checks a summary. */
    public static LayerStats.Summary readSummary(Path file) {
        JsonNode tree = tree(file);
        checkSummary(file, tree);
        return convert(file, tree, LayerStats.Summary.class);
    }

    /** Checks stats about to be written to {@code file} (the analysis must not write a non-finite metric either). */
    public static void checkStats(Path file, LayerStats stats) {
        checkStats(file, Json.MAPPER.valueToTree(stats));
    }

    /** Checks a summary about to be written to {@code file}. */
    public static void checkSummary(Path file, LayerStats.Summary summary) {
        checkSummary(file, Json.MAPPER.valueToTree(summary));
    }

    private static JsonNode tree(Path file) {
        try {
            return READER.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw LandscapeException.of(file, "no such file");
            }
            throw LandscapeException.of(file, "cannot read JSON: " + Json.oneLine(e.getMessage()));
        }
    }

    private static <T> T convert(Path file, JsonNode tree, Class<T> type) {
        try {
            return Json.MAPPER.treeToValue(tree, type);
        } catch (IOException e) {
            throw LandscapeException.of(file, "cannot read JSON: " + Json.oneLine(e.getMessage()));
        }
    }

    private static void checkStats(Path file, JsonNode s) {
        if (s == null || !s.isObject()) {
            throw LandscapeException.of(file, "not a stats.json (not a JSON object)");
        }
        String where = "a stats.json";
        for (String f : STATS_INTEGERS) {
            integer(file, "", s, f, where);
        }
        for (String f : STATS_NUMBERS) {
            number(file, "", s, f, where);
        }
        int scales = -1;
        for (String f : SCALES) {
            int n = numbers(file, "", s, f, where, false);
            if (scales >= 0 && n != scales) {
                throw LandscapeException.of(file, "field '" + f + "' has " + n + " scales, '" + SCALES.get(0) + "' has "
                        + scales);
            }
            scales = n;
        }
        if (scales == 0) {
            throw LandscapeException.of(file, "field 'ids' is empty; " + where + " needs the ID at one scale at least");
        }
        for (String f : OPTIONAL_INTEGER_ARRAYS) {
            if (present(s, f)) {
                integers(file, s, f, where);
            }
        }
        for (String f : OPTIONAL_NUMBER_ARRAYS) {
            if (present(s, f)) {
                numbers(file, "", s, f, where, true);
            }
        }
        JsonNode run = s.get("run");
        if (run != null && run.isObject()) {
            accuracy(file, "run: ", run, where); // goes into the summary and the figures' accuracy table
        }
    }

    private static void checkSummary(Path file, JsonNode s) {
        if (s == null || !s.isObject()) {
            throw LandscapeException.of(file, "not a summary (not a JSON object)");
        }
        String where = "a summary";
        integer(file, "", s, "shots", where);
        JsonNode layers = s.get("layers");
        if (layers == null || !layers.isArray()) {
            throw LandscapeException.of(file, "field 'layers' " + (layers == null ? "is missing" : "is not a list")
                    + "; " + where + " needs one entry per layer");
        }
        for (int i = 0; i < layers.size(); i++) {
            JsonNode l = layers.get(i);
            JsonNode index = l.get("layer");
            String at = index != null && index.isIntegralNumber() ? "layer " + index.asInt() + ": " : "layers[" + i + "]: ";
            if (!l.isObject()) {
                throw LandscapeException.of(file, at + "not a JSON object");
            }
            for (String f : LAYER_INTEGERS) {
                integer(file, at, l, f, where);
            }
            for (String f : LAYER_NUMBERS) {
                number(file, at, l, f, where);
            }
            for (String f : SCALES) {
                numbers(file, at, l, f, where, false);
            }
        }
        accuracy(file, "", s, where);
    }

    /** The {@code accuracy} of {@code o} when present (absent for runs without answers: see docs/FORMAT.md). */
    private static void accuracy(Path file, String at, JsonNode o, String where) {
        if (!present(o, "accuracy")) {
            return;
        }
        JsonNode acc = o.get("accuracy");
        for (String f : ACCURACY_NUMBERS) {
            number(file, at + "accuracy: ", acc, f, where);
        }
        JsonNode per = acc.get("per_subject");
        if (per != null && per.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = per.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String subject = at + "accuracy of subject '" + e.getKey() + "': ";
                number(file, subject, e.getValue(), "accuracy", where);
                number(file, subject, e.getValue(), "constrained", where);
            }
        }
    }

    private static boolean present(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v != null && !v.isNull();
    }

    private static LandscapeException bad(Path file, String at, String field, String what, String where, String need) {
        return LandscapeException.of(file, at + "field '" + field + "' " + what + "; " + where + " needs " + need + " there");
    }

    /** Null for a finite number; otherwise what the value is, in words. */
    private static String notFinite(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "is missing";
        }
        if (v.isNull()) {
            return "is null";
        }
        if (v.isNumber()) {
            double d = v.doubleValue();
            return Double.isFinite(d) ? null : "is " + d;
        }
        if (v.isTextual()) {
            return switch (v.asText()) {
                case "NaN", "Infinity", "+Infinity", "-Infinity", "INF", "-INF" -> "is " + v.asText();
                default -> "is the text '" + Json.oneLine(v.asText()) + "', not a number";
            };
        }
        return "is " + v.getNodeType().toString().toLowerCase() + ", not a number";
    }

    private static void number(Path file, String at, JsonNode o, String f, String where) {
        String why = notFinite(o.get(f));
        if (why != null) {
            throw bad(file, at, f, why, where, "a finite number");
        }
    }

    private static void integer(Path file, String at, JsonNode o, String f, String where) {
        JsonNode v = o.get(f);
        String why = notFinite(v);
        if (why == null && (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0)) {
            why = "is " + v + ", not a count";
        }
        if (why != null) {
            throw bad(file, at, f, why, where, "a whole number");
        }
    }

    /** Checks a list of finite numbers; returns its length. */
    private static int numbers(Path file, String at, JsonNode o, String f, String where, boolean optional) {
        JsonNode v = o.get(f);
        if (v == null || v.isNull() || !v.isArray()) {
            if (optional && v == null) {
                return 0;
            }
            String why = v == null ? "is missing" : v.isNull() ? "is null" : "is not a list";
            throw bad(file, at, f, why, where, "a list of finite numbers");
        }
        for (int i = 0; i < v.size(); i++) {
            String why = notFinite(v.get(i));
            if (why != null) {
                throw bad(file, at, f + "[" + i + "]", why, where, "a finite number");
            }
        }
        return v.size();
    }

    private static void integers(Path file, JsonNode o, String f, String where) {
        JsonNode v = o.get(f);
        if (!v.isArray()) {
            throw bad(file, "", f, "is not a list", where, "a list of whole numbers");
        }
        for (int i = 0; i < v.size(); i++) {
            JsonNode x = v.get(i);
            if (x == null || !x.isIntegralNumber() || !x.canConvertToInt()) {
                throw bad(file, "", f + "[" + i + "]", notFinite(x) != null ? notFinite(x) : "is " + x + ", not a whole number",
                        where, "a whole number");
            }
        }
    }

    // ---- what analyze may replace ----------------------------------------------------------------------

    /** A stats.json written by landscape-analyze: a JSON object with its metrics' fields (values not checked). */
    public static final AtomicOutput.Rule STATS = new AtomicOutput.Rule() {
        @Override
        public String refusal(Path existing) {
            JsonNode j = quietTree(existing);
            boolean ours = j != null && j.isObject() && j.has("n_points") && j.has("ids") && j.has("ids_err")
                    && j.has("n_clusters") && j.has("ari_subjects");
            return ours ? null : "exists and is not a stats.json written by landscape-analyze";
        }

        @Override
        public boolean writes(String name) {
            return name.endsWith(".json");
        }
    };

    /**
     * Files of {@code landscape-analyze summarize}: {@code summary-<model>-<k>shot.json} whose provenance names the tool,
     * and its CSV twin with the summary header.
     */
    public static final AtomicOutput.Rule SUMMARIES = new AtomicOutput.Rule() {
        @Override
        public String refusal(Path existing) {
            String name = existing.getFileName().toString();
            boolean ours;
            if (name.endsWith(".csv")) {
                ours = SUMMARY_CSV_HEADER.equals(firstLine(existing));
            } else {
                JsonNode j = quietTree(existing);
                ours = j != null && j.isObject() && j.has("layers") && j.has("model")
                        && SUMMARIZE_TOOL.equals(j.path("provenance").path("tool").asText(null));
            }
            return ours ? null : "exists and is not a summary written by " + SUMMARIZE_TOOL;
        }

        @Override
        public boolean writes(String name) {
            return name.startsWith("summary-") && (name.endsWith(".json") || name.endsWith(".csv"));
        }
    };

    private static JsonNode quietTree(Path file) {
        try {
            return READER.readTree(Files.readAllBytes(file));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String firstLine(Path file) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return r.readLine();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
