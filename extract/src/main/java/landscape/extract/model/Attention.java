package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Causal multi-head self-attention with grouped-query (or multi-query) key/value heads and rotary embeddings, with
 * what the families add: optional per-head RMSNorm of queries and keys before the rotation (Qwen3, Gemma-3), the
 * query scale ({@code head_dim^-0.5} or Gemma's {@code query_pre_attn_scalar^-0.5}), attention-logit soft-capping
 * {@code c·tanh(s/c)} before the mask (Gemma-2), and a sliding window (the layer's mask). Query heads are grouped
 * under their shared key/value head, so no key/value copies are made: q [B, kv, group*T, D] x k^T [B, kv, D, T].
 */
public final class Attention {
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;
    private final RmsNorm qNorm;
    private final RmsNorm kNorm;
    private final RotaryEmbedding rope;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;
    private final float softcap;
    private final int window;

    /**
     * {@code qNorm}/{@code kNorm} may be null; {@code rope} and the window are those of layer {@code layer} of
     * {@code c}.
     */
    public Attention(Linear q, Linear k, Linear v, Linear o, RmsNorm qNorm, RmsNorm kNorm, RotaryEmbedding rope,
                     ModelConfig c, int layer) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.o = o;
        this.qNorm = qNorm;
        this.kNorm = kNorm;
        this.rope = rope;
        this.heads = c.numHeads();
        this.kvHeads = c.numKvHeads();
        this.headDim = c.headDim();
        this.scale = (float) c.queryScale();
        this.softcap = (float) c.attnSoftcap();
        this.window = c.window(layer);
    }

    /** {@code x [B, T, hidden]} (already normalised) to the attention output [B, T, hidden]. */
    public NDArray forward(NDArray x, BatchContext ctx) {
        int b = ctx.batch();
        int t = ctx.length();
        int group = heads / kvHeads;
        NDArray[] tables = ctx.rotary(rope);
        NDArray qh = heads(q.forward(x), b, t, heads, qNorm, tables);
        NDArray kh = heads(k.forward(x), b, t, kvHeads, kNorm, tables);
        NDArray vh;
        try (NDArray vp = v.forward(x); NDArray vr = vp.reshape(b, t, kvHeads, headDim)) {
            vh = vr.transpose(0, 2, 1, 3);
        }
        NDArray context;
        try (NDArray qg = qh.reshape(b, kvHeads, (long) group * t, headDim);
             NDArray kt = kh.transpose(0, 1, 3, 2)) {
            NDArray raw = qg.matMul(kt);
            qh.close();
            kh.close();
            NDArray scores = raw.getDataType() == DataType.FLOAT32 ? raw : raw.toType(DataType.FLOAT32, false);
            if (scores != raw) {
                raw.close();
            }
            NDArray probs;
            try (NDArray s5 = scores.reshape(b, kvHeads, group, t, t)) {
                s5.muli(scale);
                if (softcap > 0) {
                    s5.divi(softcap);
                    try (NDArray capped = s5.tanh()) {
                        capped.muli(softcap).addi(ctx.mask(window));
                        probs = softmax(capped, x.getDataType(), b, group, t);
                    }
                } else {
                    s5.addi(ctx.mask(window));
                    probs = softmax(s5, x.getDataType(), b, group, t);
                }
                scores.close();
            }
            context = probs.matMul(vh);
            probs.close();
            vh.close();
        }
        try (NDArray c4 = context.reshape(b, heads, t, headDim);
             NDArray ct = c4.transpose(0, 2, 1, 3);
             NDArray flat = ct.reshape(b, t, (long) heads * headDim)) {
            context.close();
            return o.forward(flat);
        }
    }

    /** Softmax over keys of [B, kv, group, T, T] float32 scores, cast to {@code type}, as [B, kv, group*T, T]. */
    private NDArray softmax(NDArray s5, DataType type, int b, int group, int t) {
        try (NDArray p = s5.softmax(-1);
             NDArray pt = p.getDataType() == type ? null : p.toType(type, false)) {
            return (pt == null ? p : pt).reshape(b, kvHeads, (long) group * t, t);
        }
    }

    /** [B, T, n*D] to [B, n, T, D], each head normalised (if {@code norm}) and rotated. */
    private NDArray heads(NDArray projected, int b, int t, int n, RmsNorm norm, NDArray[] tables) {
        try (NDArray r = projected.reshape(b, t, n, headDim);
             NDArray normed = norm == null ? null : norm.forward(r);
             NDArray h = (normed == null ? r : normed).transpose(0, 2, 1, 3)) {
            projected.close();
            return rope.apply(h, tables[0], tables[1]);
        }
    }
}
