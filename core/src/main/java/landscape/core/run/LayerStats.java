package landscape.core.run;

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
        int[] keptRows,
        int[] assignment,
        int[] assignmentHalo,
        double[] logDen,
        double[] logDenErr) {

    /** Provenance of the layer: which run, which point. */
    public record RunRef(String model, String adapter, String dataset, String split, Integer shots, Integer layer,
                         String module, String source, Manifest.Accuracy accuracy) {
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
