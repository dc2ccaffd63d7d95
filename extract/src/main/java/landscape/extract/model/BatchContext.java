package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Per-batch tensors shared by the layers, made on first use and owned by the batch's manager: the additive attention
 * masks [T, T] (float32: 0 where allowed, -1e30 where masked), one per window size, and the rotary tables [T, dim],
 * one pair per {@link RotaryEmbedding}. Rows are right-padded, so every row's token t sits at position t and one
 * [T, T] mask serves the whole batch; a real token's causal window never reaches the padding on its right.
 */
public final class BatchContext {
    private final NDManager manager;
    private final int batch;
    private final int length;
    private final Map<Integer, NDArray> masks = new HashMap<>();
    private final Map<RotaryEmbedding, NDArray[]> tables = new IdentityHashMap<>();

    public BatchContext(NDManager manager, int batch, int length) {
        this.manager = manager;
        this.batch = batch;
        this.length = length;
    }

    public int batch() {
        return batch;
    }

    public int length() {
        return length;
    }

    /**
     * The mask of a layer whose queries see the last {@code window} keys, themselves included (key j is visible from
     * query t iff {@code t - window < j <= t}, Hugging Face's sliding-window rule); 0 = every earlier key.
     */
    public NDArray mask(int window) {
        int w = window > 0 && window < length ? window : 0;
        return masks.computeIfAbsent(w, this::causalMask);
    }

    /** {cos, sin} [T, dim] of {@code rope} for positions 0..T-1. */
    public NDArray[] rotary(RotaryEmbedding rope) {
        return tables.computeIfAbsent(rope, r -> {
            NDArray[] t = r.tables(length);
            t[0].attach(manager);
            t[1].attach(manager);
            return t;
        });
    }

    private NDArray causalMask(int window) {
        int t = length;
        try (NDArray idx = manager.arange(t);
             NDArray i = idx.reshape(t, 1);
             NDArray j = idx.reshape(1, t);
             NDArray future = j.gt(i)) {
            NDArray hidden = future;
            if (window > 0) {
                try (NDArray dist = i.sub(j); NDArray far = dist.gte(window)) {
                    hidden = future.logicalOr(far);
                }
            }
            try (NDArray f = hidden.toType(DataType.FLOAT32, false)) {
                return f.mul(-1e30f);
            } finally {
                if (hidden != future) {
                    hidden.close();
                }
            }
        }
    }
}
