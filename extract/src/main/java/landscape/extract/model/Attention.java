package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Causal multi-head self-attention with grouped-query (or multi-query) key/value heads and rotary embeddings.
 * Query heads are grouped under their shared key/value head, so no key/value copies are made:
 * q [B, kv, group*T, D] x k^T [B, kv, D, T].
 */
public final class Attention {
    private final NDArray wq;
    private final NDArray wk;
    private final NDArray wv;
    private final NDArray wo;
    private final RotaryEmbedding rope;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;

    public Attention(NDArray wq, NDArray wk, NDArray wv, NDArray wo, RotaryEmbedding rope, ModelConfig c) {
        this.wq = wq;
        this.wk = wk;
        this.wv = wv;
        this.wo = wo;
        this.rope = rope;
        this.heads = c.numHeads();
        this.kvHeads = c.numKvHeads();
        this.headDim = c.headDim();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    /** {@code x [B, T, hidden]} (already normalised) to the attention output [B, T, hidden]. */
    public NDArray forward(NDArray x, BatchContext ctx) {
        int b = ctx.batch();
        int t = ctx.length();
        int group = heads / kvHeads;
        NDArray q = heads(Linear.apply(x, wq), b, t, heads, ctx);
        NDArray k = heads(Linear.apply(x, wk), b, t, kvHeads, ctx);
        NDArray v;
        try (NDArray vp = Linear.apply(x, wv); NDArray vr = vp.reshape(b, t, kvHeads, headDim)) {
            v = vr.transpose(0, 2, 1, 3);
        }
        NDArray context;
        try (NDArray qg = q.reshape(b, kvHeads, (long) group * t, headDim);
             NDArray kt = k.transpose(0, 1, 3, 2)) {
            NDArray raw = qg.matMul(kt);
            q.close();
            k.close();
            NDArray scores = raw.getDataType() == DataType.FLOAT32 ? raw : raw.toType(DataType.FLOAT32, false);
            if (scores != raw) {
                raw.close();
            }
            NDArray probs;
            try (NDArray s5 = scores.reshape(b, kvHeads, group, t, t)) {
                s5.muli(scale).addi(ctx.mask());
                NDArray p = s5.softmax(-1);
                scores.close();
                NDArray pt = p.getDataType() == x.getDataType() ? p : p.toType(x.getDataType(), false);
                if (pt != p) {
                    p.close();
                }
                probs = pt.reshape(b, kvHeads, (long) group * t, t);
                pt.close();
            }
            context = probs.matMul(v);
            probs.close();
            v.close();
        }
        try (NDArray c4 = context.reshape(b, heads, t, headDim);
             NDArray ct = c4.transpose(0, 2, 1, 3);
             NDArray flat = ct.reshape(b, t, (long) heads * headDim)) {
            context.close();
            return Linear.apply(flat, wo);
        }
    }

    private NDArray heads(NDArray projected, int b, int t, int n, BatchContext ctx) {
        try (NDArray r = projected.reshape(b, t, n, headDim); NDArray h = r.transpose(0, 2, 1, 3)) {
            projected.close();
            return rope.apply(h, ctx.cos(), ctx.sin());
        }
    }
}
