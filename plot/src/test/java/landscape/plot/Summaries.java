package landscape.plot;

import static landscape.core.testing.JsonArrays.doubles;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import landscape.core.Json;
import landscape.core.run.LayerStats.Summary;
import landscape.core.run.LayerStats.SummaryLayer;
import landscape.core.run.Manifest;
import landscape.core.testing.Golden;

/** Summaries for tests: paper-like synthetic profiles, and summaries built from the golden analysis sets. */
final class Summaries {
    private Summaries() {
    }

    static Path goldenAnalysisRoot() {
        return Golden.analysis();
    }

    static List<Path> goldenSets() throws IOException {
        return Golden.analysisSets();
    }

    /**
     * A profile shaped like the paper's Llama-3-8B: subject ARI peaks mid-network (higher with more shots) and
     * collapses, letter ARI rises late, the ID peaks near the middle. Layer indices 1..layers.
     */
    static Summary paperLike(String model, int shots, int layers) {
        List<SummaryLayer> rows = new ArrayList<>();
        double peak = 0.18 + 0.12 * Math.min(shots, 5);
        for (int i = 1; i <= layers; i++) {
            double t = (double) i / layers;
            double bump = Math.exp(-Math.pow((t - 0.45) / 0.16, 2));
            double ariS = 0.05 + peak * bump * (t < 0.55 ? 1 : Math.exp(-(t - 0.55) * 12));
            double ariL = t < 0.55 ? 0.002 * i / layers : 0.01 + (0.04 + 0.02 * shots) * (t - 0.55) / 0.45;
            double id = 8 + 14 * Math.exp(-Math.pow((t - 0.5) / 0.22, 2)) - 0.4 * shots;
            double idErr = 0.3 + 0.03 * id;
            int nClusters = (int) Math.round(12 + 40 * bump + 3 * shots);
            double core = 0.55 + 0.3 * t - 0.01 * shots;
            double ovS = 0.35 + (0.35 + 0.03 * shots) * bump;
            double ovL = 0.25 + 0.15 * Math.max(0, t - 0.5) * (1 + 0.2 * shots);
            double[] ids = {id * 1.3, id * 1.15, id, id * 0.9, id * 0.8};
            double[] idsErr = {idErr * 2, idErr * 1.5, idErr, idErr * 0.8, idErr * 0.6};
            double[] rs = {1, 2, 3, 4, 5};
            rows.add(new SummaryLayer(i, "model.layers." + i + ".input_layernorm", 9181, id, idErr, ids, idsErr, rs,
                    nClusters, ariS, ariL, core, ovS, ovL));
        }
        return new Summary(model, null, "mmlu", "test", shots, accuracy(0.45 + 0.04 * shots), params(), provenance(model),
                rows);
    }

    static Manifest.Accuracy accuracy(double micro) {
        Map<String, Manifest.SubjectAccuracy> per = new LinkedHashMap<>();
        per.put("abstract_algebra", new Manifest.SubjectAccuracy(100, micro - 0.1, micro - 0.05));
        per.put("world_religions", new Manifest.SubjectAccuracy(171, micro + 0.1, micro + 0.12));
        return new Manifest.Accuracy(micro, micro - 0.01, micro + 0.03, micro + 0.02, per);
    }

    static Map<String, Object> params() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("maxk", 1000);
        p.put("range_max", 100);
        p.put("k", 16);
        p.put("Z", 1.6);
        p.put("class_fraction", 0.3);
        return p;
    }

    static Map<String, Object> provenance(String model) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("model_id", "meta-llama/" + model);
        p.put("mask", "test_mask_200.npy");
        p.put("tool_version", "0.1.0");
        p.put("created", "2026-11-26T10:00:00Z");
        return p;
    }

    /** One summary layer carrying a golden set's expected analysis values. */
    static SummaryLayer goldenLayer(Path set, int layer) throws IOException {
        JsonNode e = Json.MAPPER.readTree(set.resolve("expected.json").toFile()).get("expected");
        double[] ids = doubles(e.get("ids"));
        double[] idsErr = doubles(e.get("ids_err"));
        double[] rs = doubles(e.get("rs"));
        return new SummaryLayer(layer, "golden/" + set.getFileName(), e.get("n_points").asInt(), ids[4], idsErr[4], ids,
                idsErr, rs, e.get("n_clusters").asInt(), e.get("ari_subjects").asDouble(), e.get("ari_letters").asDouble(),
                e.get("core_fraction").asDouble(), e.get("overlap_subjects").asDouble(), e.get("overlap_letters").asDouble());
    }

    /** A summary whose every layer repeats a golden set's values (the set seen as a flat profile). */
    static Summary fromGolden(Path set, String model, int shots, int layers) throws IOException {
        List<SummaryLayer> rows = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            rows.add(goldenLayer(set, i));
        }
        return new Summary(model, null, "golden-" + set.getFileName(), "test", shots, accuracy(0.5), params(),
                provenance(model), rows);
    }

    static Summary withLayers(Summary s, List<SummaryLayer> layers) {
        return new Summary(s.model(), s.adapter(), s.dataset(), s.split(), s.shots(), s.accuracy(), s.params(),
                s.provenance(), layers);
    }

    static Summary withProvenance(Summary s, Map<String, Object> provenance) {
        return new Summary(s.model(), s.adapter(), s.dataset(), s.split(), s.shots(), s.accuracy(), s.params(),
                provenance, s.layers());
    }

    static Path write(Path dir, Summary s) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("summary-" + s.model() + "-" + s.shots() + "shot.json");
        Json.write(file, s);
        return file;
    }
}
