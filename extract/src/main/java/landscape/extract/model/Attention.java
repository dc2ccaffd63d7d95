package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * Causal multi-head self-attention with grouped-query (or multi-query) key/value heads and rotary embeddings, with
 * what the families add: optional per-head RMSNorm of queries and keys before the rotation (Qwen3, Gemma-3), the
 * query scale ({@code head_dim^-0.5} or Gemma's {@code query_pre_attn_scalar^-0.5}), attention-logit soft-capping
 * {@code c·tanh(s/c)} before the mask (Gemma-2), and a sliding window (the layer's mask). Query heads are grouped
 * under their shared key/value head, so no key/value copies are made: q [B, kv, group*n, D] x k^T [B, kv, D, keys]
 * for each block of n queries. The scale and the soft-cap are held on the weights' device as the 0-dim float32 arrays
 * that {@code muli(scale)} would create on every call (the same operations, without a host-to-device copy, on a GPU a
 * synchronisation, per call).
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
    private final NDArray scale;
    private final float softcap;
    private final NDArray softcapArray;
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
        this.scale = q.weight().getManager().create((float) c.queryScale());
        this.softcap = (float) c.attnSoftcap();
        this.softcapArray = softcap > 0 ? q.weight().getManager().create(softcap) : null;
        this.window = c.window(layer);
    }

    /**
     * {@code x [B, T, hidden]} (already normalised) to the attention output [B, T, hidden]. Queries are taken in
     * blocks of {@link BatchContext#queryBlock} so that the float32 scores never exceed the batch's attention budget;
     * each block is scored only against the keys it can see (up to its last query, and from the start of the window
     * of its first query on a sliding layer), so the blocks also skip the masked upper triangle.
     */
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
        int block = ctx.queryBlock(heads);
        List<NDArray> parts = new ArrayList<>();
        try (NDArray q5 = qh.reshape(b, kvHeads, group, t, headDim)) {
            qh.close();
            for (int q0 = 0; q0 < t; q0 += block) {
                int q1 = Math.min(t, q0 + block);
                int k0 = window > 0 ? Math.max(0, q0 - window + 1) : 0;
                parts.add(block(q5, kh, vh, q0, q1, k0, b, group, x.getDataType(), ctx));
            }
        } finally {
            kh.close();
            vh.close();
        }
        NDArray context;
        if (parts.size() == 1) {
            context = parts.get(0);
        } else {
            try (NDList list = new NDList(parts)) {
                context = NDArrays.concat(list, 3);
            }
        }
        try (NDArray c4 = context.reshape(b, heads, t, headDim);
             NDArray ct = c4.transpose(0, 2, 1, 3);
             NDArray flat = ct.reshape(b, t, (long) heads * headDim)) {
            context.close();
            return o.forward(flat);
        }
    }

    /**
     * Queries {@code [q0, q1)} of {@code q5 [B, kv, group, T, D]} against keys/values {@code [k0, q1)}: the context
     * [B, kv, group, q1-q0, D].
     */
    private NDArray block(NDArray q5, NDArray kh, NDArray vh, int q0, int q1, int k0, int b, int group,
                          DataType type, BatchContext ctx) {
        int n = q1 - q0;
        int keys = q1 - k0;
        boolean whole = q0 == 0 && q1 == ctx.length();
        NDArray probs;
        try (NDArray qs = whole ? null : q5.get(new NDIndex(":, :, :, {}:{}, :", q0, q1));
             NDArray qg = (whole ? q5 : qs).reshape(b, kvHeads, (long) group * n, headDim);
             NDArray ks = k0 == 0 && q1 == ctx.length() ? null : kh.get(new NDIndex(":, :, {}:{}, :", k0, q1));
             NDArray kt = (ks == null ? kh : ks).transpose(0, 1, 3, 2);
             NDArray mask = ctx.mask(q0, q1, k0, window)) {
            NDArray raw = qg.matMul(kt);
            NDArray scores = raw.getDataType() == DataType.FLOAT32 ? raw : raw.toType(DataType.FLOAT32, false);
            if (scores != raw) {
                raw.close();
            }
            try (NDArray s5 = scores.reshape(b, kvHeads, group, n, keys)) {
                s5.muli(scale);
                if (softcap > 0) {
                    s5.divi(softcapArray);
                    try (NDArray capped = s5.tanh()) {
                        capped.muli(softcapArray).addi(mask);
                        probs = softmax(capped, type, b, group, n, keys);
                    }
                } else {
                    s5.addi(mask);
                    probs = softmax(s5, type, b, group, n, keys);
                }
                scores.close();
            }
        }
        try (NDArray vs = k0 == 0 && q1 == ctx.length() ? null : vh.get(new NDIndex(":, :, {}:{}, :", k0, q1));
             NDArray context = probs.matMul(vs == null ? vh : vs)) {
            probs.close();
            return context.reshape(b, kvHeads, group, n, headDim);
        }
    }

    /** Softmax over keys of [B, kv, group, n, keys] float32 scores, cast to {@code type}, as [B, kv, group*n, keys]. */
    private NDArray softmax(NDArray s5, DataType type, int b, int group, int n, int keys) {
        try (NDArray p = s5.softmax(-1);
             NDArray pt = p.getDataType() == type ? null : p.toType(type, false)) {
            return (pt == null ? p : pt).reshape(b, kvHeads, (long) group * n, keys);
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
