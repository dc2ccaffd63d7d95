package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What the layers of one batch share on one device, owned by the batch's manager there: the rotary tables [T, dim]
 * (one pair per {@link RotaryEmbedding}, made on first use) and the bound on attention scores that sets the query
 * block ({@link #queryBlock}). Rows are right-padded, so every row's token t sits at position t and one mask per
 * query block serves the whole batch; a real token's causal window never reaches the padding on its right.
 */
public final class BatchContext {
    private final NDManager manager;
    private final int batch;
    private final int length;
    private final long attentionBytes;
    private final Map<RotaryEmbedding, NDArray[]> tables = new IdentityHashMap<>();
    /** 0-dim arrays on the batch's device, made once per batch instead of once per layer (see {@link #scalar}). */
    private final Map<Number, NDArray> scalars = new HashMap<>();

    /**
     * {@code attentionBytes} bounds the float32 scores of one query block ({@code batch x heads x block x keys x 4});
     * {@code Long.MAX_VALUE} computes every query at once.
     */
    public BatchContext(NDManager manager, int batch, int length, long attentionBytes) {
        this.manager = manager;
        this.batch = batch;
        this.length = length;
        this.attentionBytes = attentionBytes;
    }

    public NDManager manager() {
        return manager;
    }

    public int batch() {
        return batch;
    }

    public int length() {
        return length;
    }

    /**
     * Queries per block for {@code heads} query heads: the most whose float32 scores against all {@code length} keys
     * fit {@code attentionBytes} (at least 1, at most the length).
     */
    public int queryBlock(int heads) {
        long perQuery = (long) batch * heads * length * 4L;
        long q = Math.max(1, attentionBytes / Math.max(1, perQuery));
        return (int) Math.min(length, q);
    }

    /**
     * The additive mask [queries, keys] (float32: 0 where allowed, -1e30 where masked) of queries {@code [q0, q1)}
     * against keys {@code [k0, q1)}: key j is visible from query t iff {@code j <= t} and, with a window, also
     * {@code t - window < j} (Hugging Face's sliding-window rule); {@code window} 0 = every earlier key. The caller
     * closes it.
     */
    public NDArray mask(int q0, int q1, int k0, int window) {
        try (NDArray qi = manager.arange(q0, q1);
             NDArray kj = manager.arange(k0, q1);
             NDArray i = qi.reshape(q1 - q0, 1);
             NDArray j = kj.reshape(1, q1 - k0);
             NDArray future = j.gt(i)) {
            NDArray hidden = future;
            if (window > 0) {
                try (NDArray dist = i.sub(j); NDArray far = dist.gte(scalar(window))) {
                    hidden = future.logicalOr(far);
                }
            }
            try (NDArray f = hidden.toType(DataType.FLOAT32, false)) {
                return f.mul(scalar(-1e30f));
            } finally {
                if (hidden != future) {
                    hidden.close();
                }
            }
        }
    }

    /**
     * The 0-dim array on the batch's device that {@code x.op(value)} would create on every call ({@code Integer}:
     * int32, {@code Float}: float32), made once per batch: the same operation without a host-to-device copy (on a GPU
     * a synchronisation) per layer.
     */
    NDArray scalar(Number value) {
        return scalars.computeIfAbsent(value, manager::create);
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
}
