package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import landscape.core.format.Checkpoint;

/**
 * A Llama/Mistral decoder on DJL NDArrays. One forward pass over a right-padded batch returns, at each prompt's
 * last real token, the extraction points asked for (i &lt; L: input_layernorm of layer i; L: model.norm; L+1: the
 * lm_head logits) and the logits used for predictions. The lm_head runs at the last tokens only.
 */
public final class DecoderModel implements AutoCloseable {
    private final ModelConfig config;
    private final NDManager manager;
    private final DataType computeType;
    private final NDArray embed;
    private final List<DecoderLayer> layers;
    private final RmsNorm norm;
    private final NDArray lmHead;
    private final RotaryEmbedding rope;

    private DecoderModel(ModelConfig config, NDManager manager, DataType computeType, NDArray embed,
                       List<DecoderLayer> layers, RmsNorm norm, NDArray lmHead, RotaryEmbedding rope) {
        this.config = config;
        this.manager = manager;
        this.computeType = computeType;
        this.embed = embed;
        this.layers = layers;
        this.norm = norm;
        this.lmHead = lmHead;
        this.rope = rope;
    }

    /**
     * Loads every weight (validated against the config first) into {@code manager}, which the model then owns.
     * {@code adapter} may be null.
     */
    public static DecoderModel load(ModelConfig c, Checkpoint checkpoint, NDManager manager, DataType computeType,
                                  LoraAdapter adapter) {
        WeightLoader.validate(checkpoint, c);
        WeightLoader w = new WeightLoader(checkpoint, manager, computeType, adapter);
        RotaryEmbedding rope = new RotaryEmbedding(c, manager, computeType);
        NDArray embed = w.load("model.embed_tokens.weight");
        List<DecoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            Attention attn = new Attention(w.load(p + "self_attn.q_proj.weight"), w.load(p + "self_attn.k_proj.weight"),
                    w.load(p + "self_attn.v_proj.weight"), w.load(p + "self_attn.o_proj.weight"), rope, c);
            GatedMlp mlp = new GatedMlp(w.load(p + "mlp.gate_proj.weight"), w.load(p + "mlp.up_proj.weight"),
                    w.load(p + "mlp.down_proj.weight"));
            layers.add(new DecoderLayer(new RmsNorm(w.load(p + "input_layernorm.weight"), c.rmsNormEps()), attn,
                    new RmsNorm(w.load(p + "post_attention_layernorm.weight"), c.rmsNormEps()), mlp));
        }
        RmsNorm norm = new RmsNorm(w.load("model.norm.weight"), c.rmsNormEps());
        NDArray lmHead = c.tieWordEmbeddings() ? embed : w.load("lm_head.weight");
        return new DecoderModel(c, manager, computeType, embed, layers, norm, lmHead, rope);
    }

    public ModelConfig config() {
        return config;
    }

    public DataType computeType() {
        return computeType;
    }

    public NDManager manager() {
        return manager;
    }

    /** Result of one batch: point index -> [B, dim] at the last tokens; logits [B, vocab] at the last tokens. */
    public record Output(Map<Integer, NDArray> points, NDArray logits) {
    }

    /**
     * Runs one batch. {@code ids} is [B, T] right-padded (any pad id), {@code lengths[b]} the real length of row b.
     * All results live in {@code batch}.
     */
    public Output forward(NDManager batch, long[] ids, int b, int t, int[] lengths, Set<Integer> points) {
        int numLayers = config.numLayers();
        long[] last = new long[b];
        for (int i = 0; i < b; i++) {
            last[i] = (long) i * t + lengths[i] - 1;
        }
        NDArray lastIdx = batch.create(last);
        NDArray[] tables = rope.tables(t);
        BatchContext ctx = new BatchContext(b, t, causalMask(batch, t), tables[0], tables[1]);
        Map<Integer, NDArray> out = new HashMap<>();
        NDArray h;
        try (NDArray input = batch.create(ids, new Shape(b, t))) {
            h = input.getNDArrayInternal().embedding(input, embed, SparseFormat.DENSE).singletonOrThrow();
        }
        for (int i = 0; i < numLayers; i++) {
            try (NDManager lm = batch.newSubManager()) {
                h.attach(lm);
                NDArray normed = layers.get(i).inputNorm(h);
                if (points.contains(i)) {
                    NDArray p = lastTokens(normed, lastIdx, b, t);
                    p.attach(batch);
                    out.put(i, p);
                }
                NDArray next = layers.get(i).forward(h, normed, ctx);
                next.attach(batch);
                h = next;
            }
        }
        NDArray hLast = lastTokens(h, lastIdx, b, t);
        h.close();
        NDArray normed = norm.forward(hLast);
        hLast.close();
        NDArray logits = Linear.apply(normed, lmHead);
        if (points.contains(numLayers)) {
            out.put(numLayers, normed);
        } else {
            normed.close();
        }
        if (points.contains(numLayers + 1)) {
            out.put(numLayers + 1, logits);
        }
        return new Output(out, logits);
    }

    private NDArray lastTokens(NDArray x, NDArray lastIdx, int b, int t) {
        try (NDArray flat = x.reshape(-1, x.getShape().get(2))) {
            return flat.get(lastIdx);
        }
    }

    /** Additive mask [T, T]: 0 where key j is visible from query i (j &lt;= i, inside any sliding window). */
    private NDArray causalMask(NDManager batch, int t) {
        try (NDArray idx = batch.arange(t);
             NDArray i = idx.reshape(t, 1);
             NDArray j = idx.reshape(1, t);
             NDArray future = j.gt(i)) {
            NDArray hidden = future;
            if (config.slidingWindow() > 0 && t > config.slidingWindow()) {
                try (NDArray dist = i.sub(j); NDArray far = dist.gte(config.slidingWindow())) {
                    hidden = future.logicalOr(far);
                }
            }
            NDArray m = hidden.toType(DataType.FLOAT32, false).mul(-1e30f);
            if (hidden != future) {
                hidden.close();
            }
            return m;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
