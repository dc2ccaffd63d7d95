package landscape.core.run;

import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a representation directory (docs/FORMAT.md). Field names are the snake_case forms of
 * the component names.
 */
public record Manifest(
        String format,
        int formatVersion,
        ModelInfo model,
        String adapter,
        String dataset,
        String split,
        int shots,
        String promptTemplate,
        Integer limit,
        String mask,
        String computeDtype,
        int rows,
        String created,
        String toolVersion,
        Accuracy accuracy,
        List<Point> points) {

    public static final String FORMAT = "landscape-representations";
    public static final int FORMAT_VERSION = 1;

    /**
     * Config summary of the model. {@code family} ("llama", "mistral", "qwen2", "qwen3", "gemma2", "gemma3", "phi3")
     * is null in manifests written before it was recorded.
     */
    public record ModelInfo(String id, String path, String architecture, int numLayers, int hiddenSize,
                            int vocabSize, int numAttentionHeads, int numKeyValueHeads, int intermediateSize,
                            String family) {
        /** Without the family (as older manifests have it). */
        public ModelInfo(String id, String path, String architecture, int numLayers, int hiddenSize, int vocabSize,
                         int numAttentionHeads, int numKeyValueHeads, int intermediateSize) {
            this(id, path, architecture, numLayers, hiddenSize, vocabSize, numAttentionHeads, numKeyValueHeads,
                    intermediateSize, null);
        }
    }

    /** One extraction point: index, module name, tensor file (relative), shape and checksum. */
    public record Point(int index, String module, String file, int rows, int dim, String dtype, String sha256) {
    }

    /** Micro and macro accuracy, unconstrained and constrained to A-D, with per-subject values. */
    public record Accuracy(double micro, double macro, double constrainedMicro, double constrainedMacro,
                           Map<String, SubjectAccuracy> perSubject) {
    }

    public record SubjectAccuracy(int n, double accuracy, double constrained) {
    }
}
