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
 * A decoder-only transformer on DJL NDArrays, for every {@link Family}: the family decides the blocks' options (norm
 * form, biases, q/k norms, Gemma's extra norms, fused projections, embedding scale, soft-capping, sliding windows),
 * never a separate code path. One forward pass over a right-padded batch returns, at each prompt's last real token,
 * the extraction points asked for (i &lt; L: input_layernorm of layer i; L: model.norm; L+1: the lm_head logits after
 * any final soft-capping) and the logits used for predictions. The lm_head runs at the last tokens only.
 */
public final class DecoderModel implements AutoCloseable {
    private final ModelConfig config;
    private final NDManager manager;
    private final DataType computeType;
    private final NDArray embed;
    private final List<DecoderLayer> layers;
    private final RmsNorm norm;
    private final NDArray lmHead;

    private DecoderModel(ModelConfig config, NDManager manager, DataType computeType, NDArray embed,
                         List<DecoderLayer> layers, RmsNorm norm, NDArray lmHead) {
        this.config = config;
        this.manager = manager;
        this.computeType = computeType;
        this.embed = embed;
        this.layers = layers;
        this.norm = norm;
        this.lmHead = lmHead;
    }

    /**
     * Loads every weight (validated against the config first) into {@code manager}, which the model then owns.
     * {@code adapter} may be null.
     */
    public static DecoderModel load(ModelConfig c, Checkpoint checkpoint, NDManager manager, DataType computeType,
                                    LoraAdapter adapter) {
        WeightLoader.validate(checkpoint, c);
        WeightLoader w = new WeightLoader(checkpoint, manager, computeType, adapter);
        Map<ModelConfig.Rope, RotaryEmbedding> ropes = new HashMap<>();
        NDArray embed = w.load("model.embed_tokens.weight");
        List<DecoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            RotaryEmbedding rope = ropes.computeIfAbsent(c.rope(i), r -> new RotaryEmbedding(r, manager, computeType));
            layers.add(layer(c, w, i, rope));
        }
        RmsNorm norm = norm(c, w, "model.norm.weight", c.rmsNormEps());
        NDArray lmHead = c.tieWordEmbeddings() ? embed : w.load("lm_head.weight");
        return new DecoderModel(c, manager, computeType, embed, layers, norm, lmHead);
    }

    /** Block {@code i} of the checkpoint, as the family lays it out. */
    private static DecoderLayer layer(ModelConfig c, WeightLoader w, int i, RotaryEmbedding rope) {
        String p = "model.layers." + i + ".";
        String a = p + "self_attn.";
        Linear q;
        Linear k;
        Linear v;
        if (c.family().fusedProjections()) {
            NDArray[] qkv = w.loadSplit(a + "qkv_proj.weight", c.qDim(), c.kvDim(), c.kvDim());
            q = new Linear(qkv[0], null);
            k = new Linear(qkv[1], null);
            v = new Linear(qkv[2], null);
        } else {
            q = linear(w, a + "q_proj", c.qkvBias());
            k = linear(w, a + "k_proj", c.qkvBias());
            v = linear(w, a + "v_proj", c.qkvBias());
        }
        Linear o = linear(w, a + "o_proj", c.outputBias());
        RmsNorm qNorm = c.family().qkNorm() ? norm(c, w, a + "q_norm.weight", c.rmsNormEps()) : null;
        RmsNorm kNorm = c.family().qkNorm() ? norm(c, w, a + "k_norm.weight", c.rmsNormEps()) : null;
        Attention attention = new Attention(q, k, v, o, qNorm, kNorm, rope, c, i);
        Linear gate;
        Linear up;
        if (c.family().fusedProjections()) {
            NDArray[] gu = w.loadSplit(p + "mlp.gate_up_proj.weight", c.intermediateSize(), c.intermediateSize());
            gate = new Linear(gu[0], null);
            up = new Linear(gu[1], null);
        } else {
            gate = linear(w, p + "mlp.gate_proj", c.mlpBias());
            up = linear(w, p + "mlp.up_proj", c.mlpBias());
        }
        GatedMlp mlp = new GatedMlp(gate, up, linear(w, p + "mlp.down_proj", c.mlpBias()), c.activation());
        RmsNorm input = norm(c, w, p + "input_layernorm.weight", c.rmsNormEps());
        if (c.family().sandwichNorms()) {
            return new DecoderLayer(input, attention, norm(c, w, p + "post_attention_layernorm.weight", c.rmsNormEps()),
                    norm(c, w, p + "pre_feedforward_layernorm.weight", c.rmsNormEps()), mlp,
                    norm(c, w, p + "post_feedforward_layernorm.weight", c.rmsNormEps()));
        }
        RmsNorm mlpInput = norm(c, w, p + "post_attention_layernorm.weight", c.rmsNormEps());
        return new DecoderLayer(input, attention, null, mlpInput, mlp, null);
    }

    private static Linear linear(WeightLoader w, String module, boolean bias) {
        return new Linear(w.load(module + ".weight"), bias ? w.load(module + ".bias") : null);
    }

    private static RmsNorm norm(ModelConfig c, WeightLoader w, String name, double eps) {
        return new RmsNorm(w.load(name), eps, c.family().unitOffsetNorm());
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
        BatchContext ctx = new BatchContext(batch, b, t);
        Map<Integer, NDArray> out = new HashMap<>();
        NDArray h;
        try (NDArray input = batch.create(ids, new Shape(b, t))) {
            h = input.getNDArrayInternal().embedding(input, embed, SparseFormat.DENSE).singletonOrThrow();
        }
        if (config.family().scaledEmbeddings()) {
            // Gemma: times sqrt(hidden_size), a float32 scalar as in a float32 Hugging Face run
            h.muli((float) config.embedScale());
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
        if (config.finalSoftcap() > 0) {
            float c = (float) config.finalSoftcap();
            try (NDArray capped = logits.divi(c).tanh()) {
                logits.close();
                logits = capped.mul(c);
            }
        }
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

    @Override
    public void close() {
        manager.close();
    }
}
