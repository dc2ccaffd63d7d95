package landscape.extract;

import java.nio.file.Path;

/**
 * Everything {@code landscape-extract run} needs. Exactly one of {@code dataset} or {@code prompts} is set.
 * {@code limit}, {@code mask}, {@code layers}, {@code adapter} and {@code modelId} may be null.
 * {@code allowLongPrompts}: extract prompts longer than max_position_embeddings (with a warning) instead of refusing.
 */
public record ExtractOptions(
        Path model,
        String modelId,
        Path adapter,
        Path dataset,
        String split,
        int shots,
        Path prompts,
        Integer limit,
        Path mask,
        String layers,
        long batchTokens,
        String device,
        String dtype,
        boolean shuffleShots,
        long seed,
        Path out,
        boolean progress,
        boolean allowLongPrompts) {

    public static final long DEFAULT_BATCH_TOKENS = 4096;

    /** Without allowing long prompts. */
    public ExtractOptions(Path model, String modelId, Path adapter, Path dataset, String split, int shots, Path prompts,
                          Integer limit, Path mask, String layers, long batchTokens, String device, String dtype,
                          boolean shuffleShots, long seed, Path out, boolean progress) {
        this(model, modelId, adapter, dataset, split, shots, prompts, limit, mask, layers, batchTokens, device, dtype,
                shuffleShots, seed, out, progress, false);
    }

    public ExtractOptions withAllowLongPrompts(boolean allow) {
        return new ExtractOptions(model, modelId, adapter, dataset, split, shots, prompts, limit, mask, layers, batchTokens,
                device, dtype, shuffleShots, seed, out, progress, allow);
    }

    /** Defaults for a dataset run (CPU, auto dtype, all points). */
    public static ExtractOptions dataset(Path model, Path dataset, String split, int shots, Path out) {
        return new ExtractOptions(model, null, null, dataset, split, shots, null, null, null, null, DEFAULT_BATCH_TOKENS,
                "cpu", "auto", false, 0, out, false);
    }

    /** Defaults for a --prompts run. */
    public static ExtractOptions prompts(Path model, Path prompts, Path out) {
        return new ExtractOptions(model, null, null, null, null, 0, prompts, null, null, null, DEFAULT_BATCH_TOKENS,
                "cpu", "auto", false, 0, out, false);
    }

    public ExtractOptions withBatchTokens(long n) {
        return new ExtractOptions(model, modelId, adapter, dataset, split, shots, prompts, limit, mask, layers, n, device,
                dtype, shuffleShots, seed, out, progress, allowLongPrompts);
    }

    public ExtractOptions withAdapter(Path a) {
        return new ExtractOptions(model, modelId, a, dataset, split, shots, prompts, limit, mask, layers, batchTokens,
                device, dtype, shuffleShots, seed, out, progress, allowLongPrompts);
    }

    public ExtractOptions withOut(Path o) {
        return new ExtractOptions(model, modelId, adapter, dataset, split, shots, prompts, limit, mask, layers, batchTokens,
                device, dtype, shuffleShots, seed, o, progress, allowLongPrompts);
    }

    public ExtractOptions withLimitMaskLayers(Integer l, Path m, String ly) {
        return new ExtractOptions(model, modelId, adapter, dataset, split, shots, prompts, l, m, ly, batchTokens,
                device, dtype, shuffleShots, seed, out, progress, allowLongPrompts);
    }

    /** The same run reading these folders (hub cache folders resolved: {@link HubInputs}). */
    public ExtractOptions withInputs(Path m, String id, Path a, Path d) {
        return new ExtractOptions(m, id, a, d, split, shots, prompts, limit, mask, layers, batchTokens, device, dtype,
                shuffleShots, seed, out, progress, allowLongPrompts);
    }

    public ExtractOptions withShuffle(boolean s, long sd) {
        return new ExtractOptions(model, modelId, adapter, dataset, split, shots, prompts, limit, mask, layers, batchTokens,
                device, dtype, s, sd, out, progress, allowLongPrompts);
    }
}
