package landscape.core.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code stats.json}, written by {@code landscape-analyze} for one extraction point. The arrays at the end are
 * present only with {@code --arrays}. {@code run} says where the layer came from (null fields when unknown).
 */
public record LayerStats(
        int nPoints,
        int maxk,
        double[] ids,
        double[] idsErr,
        double[] rs,
        int nClusters,
        double ariSubjects,
        double ariLetters,
        double coreFraction,
        double overlapSubjects,
        double overlapLetters,
        Map<String, Object> params,
        Map<String, Double> timings,
        RunRef run,
        @JsonInclude(JsonInclude.Include.NON_NULL) int[] keptRows,
        @JsonInclude(JsonInclude.Include.NON_NULL) int[] assignment,
        @JsonInclude(JsonInclude.Include.NON_NULL) int[] assignmentHalo,
        @JsonInclude(JsonInclude.Include.NON_NULL) double[] logDen,
        @JsonInclude(JsonInclude.Include.NON_NULL) double[] logDenErr) {

    /**
     * Provenance of the layer: which run, which point. {@code extraction} carries the manifest facts a reader of the
     * figures needs (architecture, layers, hidden size, mask, limit, compute dtype, extraction time and tool version).
     */
    public record RunRef(String model, String adapter, String dataset, String split, Integer shots, Integer layer,
                         String module, String source, Manifest.Accuracy accuracy,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Object> extraction) {
        public RunRef(String model, String adapter, String dataset, String split, Integer shots, Integer layer,
                      String module, String source, Manifest.Accuracy accuracy) {
            this(model, adapter, dataset, split, shots, layer, module, source, accuracy, null);
        }

        /** The extraction facts of a manifest, keyed for provenance tables. */
        public static Map<String, Object> extractionOf(Manifest m) {
            Map<String, Object> x = new LinkedHashMap<>();
            if (m.model() != null) {
                x.put("checkpoint", m.model().path());
                x.put("architecture", m.model().architecture());
                x.put("num_layers", m.model().numLayers());
                x.put("hidden_size", m.model().hiddenSize());
                x.put("vocab_size", m.model().vocabSize());
            }
            x.put("prompt_template", m.promptTemplate());
            x.put("mask", m.mask());
            x.put("limit", m.limit());
            x.put("rows", m.rows());
            x.put("compute_dtype", m.computeDtype());
            x.put("extracted", m.created());
            x.put("extract_tool_version", m.toolVersion());
            return x;
        }
    }

    /** Summary of one (model, shots) run: one entry per layer, in layer order. Written by {@code summarize}. */
    public record Summary(String model, String adapter, String dataset, String split, int shots,
                          Manifest.Accuracy accuracy, Map<String, Object> params, Map<String, Object> provenance,
                          List<SummaryLayer> layers) {
    }

    /** One layer's row in a summary (and in the CSV twin). {@code id} is the Gride ID at scale index log2(k). */
    public record SummaryLayer(int layer, String module, int nPoints, double id, double idErr, double[] ids,
                               double[] idsErr, double[] rs, int nClusters, double ariSubjects, double ariLetters,
                               double coreFraction, double overlapSubjects, double overlapLetters) {
    }
}
