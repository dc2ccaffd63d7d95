package landscape.plot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.cli.UsageError;
import landscape.core.run.LayerStats.Summary;
import landscape.core.run.LayerStats.SummaryLayer;
import landscape.core.run.StatsFiles;

/**
 * Finds, reads and checks the {@code summary-*.json} files behind {@code --stats}. Every problem is a one-line
 * {@link LandscapeException} naming the file, raised before anything is written.
 *
 * <p>Checks: every metric is present and finite (core's {@link StatsFiles}, the rule analyze follows too); a
 * directory holds at least one summary; a summary has layers, in increasing order, with no gap in
 * the layer indices; one (model, adapter, shots) appears once; the runs of one model name agree on what the model
 * is (dataset, split, layer indices and the model-identity keys of the provenance), otherwise they come from
 * different models that share a name.
 */
public final class SummaryInputs {
    private SummaryInputs() {
    }

    /** Provenance keys that say which model a run used; two runs of one model name must not disagree on them. */
    static boolean isModelIdentityKey(String key) {
        String k = key.toLowerCase();
        return k.startsWith("model") || k.equals("num_layers") || k.equals("hidden_size") || k.equals("architecture")
                || k.equals("checkpoint");
    }

    public static RunSet load(List<Path> inputs) {
        if (inputs == null || inputs.isEmpty()) {
            throw new UsageError("--stats: no summary directory or file given");
        }
        Map<String, ModelRunsBuilder> byModel = new LinkedHashMap<>();
        for (Path input : inputs) {
            for (Path file : summaryFiles(input)) {
                Summary s = StatsFiles.readSummary(file);
                checkSummary(file, s);
                String key = s.model() + "\u0000" + Objects.toString(s.adapter(), "");
                byModel.computeIfAbsent(key, k -> new ModelRunsBuilder(s.model(), s.adapter())).add(file, s);
            }
        }
        List<ModelRuns> models = new ArrayList<>();
        for (ModelRunsBuilder b : byModel.values()) {
            models.add(b.build());
        }
        return new RunSet(List.copyOf(models));
    }

    /** The summary files of one --stats argument: the file itself, or the directory's summary-*.json, sorted. */
    static List<Path> summaryFiles(Path input) {
        if (Files.isRegularFile(input)) {
            return List.of(input);
        }
        if (!Files.isDirectory(input)) {
            throw LandscapeException.of(input, "no such stats directory or file");
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(input)) {
            files = list.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("summary-") && n.endsWith(".json") && Files.isRegularFile(p);
            }).sorted().toList();
        } catch (IOException e) {
            throw LandscapeException.of(input, "cannot list directory: " + Json.oneLine(e.getMessage()));
        }
        if (files.isEmpty()) {
            throw LandscapeException.of(input, "no summary-*.json files (empty stats directory; run landscape-analyze summarize first)");
        }
        return files;
    }

    static void checkSummary(Path file, Summary s) {
        if (s == null || s.model() == null || s.model().isBlank()) {
            throw LandscapeException.of(file, "summary has no model name");
        }
        if (s.shots() < 0) {
            throw LandscapeException.of(file, "negative shot count " + s.shots());
        }
        List<SummaryLayer> layers = s.layers();
        if (layers == null || layers.isEmpty()) {
            throw LandscapeException.of(file, "summary has no layers");
        }
        List<Integer> extracted = extractedPoints(s);
        for (int i = 1; i < layers.size(); i++) {
            int prev = layers.get(i - 1).layer();
            int cur = layers.get(i).layer();
            if (cur == prev) {
                throw LandscapeException.of(file, "layer " + cur + " appears twice");
            }
            if (cur < prev) {
                throw LandscapeException.of(file, "layers out of order: " + cur + " after " + prev);
            }
            if (cur != prev + 1 && extracted == null) {
                String missing = cur == prev + 2 ? "layer " + (prev + 1) : "layers " + (prev + 1) + ".." + (cur - 1);
                throw LandscapeException.of(file, "missing " + missing + " (summary jumps from layer " + prev + " to " + cur + ")");
            }
        }
        if (extracted != null) {
            // the run extracted only these points (landscape-extract --layers): a gap is missing only if extracted
            int first = layers.get(0).layer();
            Set<Integer> present = new HashSet<>();
            layers.forEach(l -> present.add(l.layer()));
            List<Integer> missing = extracted.stream().filter(p -> p >= first && !present.contains(p)).toList();
            if (!missing.isEmpty()) {
                throw LandscapeException.of(file, "missing layer" + (missing.size() > 1 ? "s " : " ")
                        + missing.stream().map(String::valueOf).collect(Collectors.joining(", "))
                        + " (extracted, per the provenance's points, but not in the summary)");
            }
        }
    }

    /** The extraction point indices recorded in the provenance ({@code points}), or null when not recorded. */
    static List<Integer> extractedPoints(Summary s) {
        Object points = s.provenance() == null ? null : s.provenance().get("points");
        if (!(points instanceof List<?> list) || list.isEmpty()) {
            return null;
        }
        List<Integer> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Number n)) {
                return null;
            }
            out.add(n.intValue());
        }
        return out;
    }

    private static final class ModelRunsBuilder {
        private final String model;
        private final String adapter;
        private final List<Summary> runs = new ArrayList<>();
        private final List<Path> files = new ArrayList<>();

        ModelRunsBuilder(String model, String adapter) {
            this.model = model;
            this.adapter = adapter;
        }

        void add(Path file, Summary s) {
            for (int i = 0; i < runs.size(); i++) {
                Summary other = runs.get(i);
                Path otherFile = files.get(i);
                if (other.shots() == s.shots()) {
                    throw LandscapeException.of(file, "model " + s.model() + " " + s.shots()
                            + "-shot appears twice (also in " + otherFile + "): stats from different runs with the same model name");
                }
                checkSameModel(file, s, otherFile, other);
            }
            runs.add(s);
            files.add(file);
        }

        private static void checkSameModel(Path file, Summary s, Path otherFile, Summary other) {
            String why = null;
            // datasets are compared by name: a Nextflow task sees the same dataset under a per-task staging path
            if (!Objects.equals(baseName(s.dataset()), baseName(other.dataset()))) {
                why = "dataset " + s.dataset() + " vs " + other.dataset();
            } else if (!Objects.equals(s.split(), other.split())) {
                why = "split " + s.split() + " vs " + other.split();
            } else if (first(s) != first(other) || last(s) != last(other)) {
                why = "layers " + first(s) + ".." + last(s) + " vs " + first(other) + ".." + last(other);
            } else if (s.provenance() != null && other.provenance() != null) {
                for (Map.Entry<String, Object> e : s.provenance().entrySet()) {
                    if (isModelIdentityKey(e.getKey()) && other.provenance().containsKey(e.getKey())
                            && !Objects.equals(e.getValue(), other.provenance().get(e.getKey()))) {
                        why = "provenance " + e.getKey() + " " + e.getValue() + " vs " + other.provenance().get(e.getKey());
                        break;
                    }
                }
            }
            if (why != null) {
                throw LandscapeException.of(file, "stats from different models with the same name " + s.model()
                        + " (" + why + " in " + otherFile + ")");
            }
            // one panel compares the shot counts: their runs must have been analysed alike
            Map<String, Object> p = s.params() == null ? Map.of() : s.params();
            Map<String, Object> q = other.params() == null ? Map.of() : other.params();
            for (String key : StatsFiles.SHARED_PARAMS) {
                if (!Objects.equals(p.get(key), q.get(key))) {
                    throw LandscapeException.of(file, "model " + s.model() + " " + s.shots() + "-shot: analysis parameter "
                            + key + " " + p.get(key) + " vs " + q.get(key) + " in " + otherFile + " (" + other.shots()
                            + "-shot); runs drawn in one panel must be analysed alike");
                }
            }
        }

        private static String baseName(String path) {
            if (path == null) {
                return null;
            }
            String p = path.replaceAll("/+$", "");
            return p.substring(p.lastIndexOf('/') + 1);
        }

        private static int first(Summary s) {
            return s.layers().get(0).layer();
        }

        private static int last(Summary s) {
            return s.layers().get(s.layers().size() - 1).layer();
        }

        ModelRuns build() {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                order.add(i);
            }
            order.sort(Comparator.comparingInt(i -> runs.get(i).shots()));
            return new ModelRuns(model, adapter, order.stream().map(runs::get).toList(),
                    order.stream().map(i -> files.get(i).toString()).toList());
        }
    }
}
