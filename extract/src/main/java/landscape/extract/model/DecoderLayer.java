package landscape.extract.model;

import ai.djl.ndarray.NDArray;

/** One pre-norm Llama block: {@code h + attn(norm1(h))}, then {@code + mlp(norm2(.))}. */
public final class DecoderLayer {
    private final RmsNorm inputNorm;
    private final Attention attention;
    private final RmsNorm postAttentionNorm;
    private final GatedMlp mlp;

    public DecoderLayer(RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, GatedMlp mlp) {
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.postAttentionNorm = postAttentionNorm;
        this.mlp = mlp;
    }

    /** The output of {@code input_layernorm}: the extraction point of this layer. */
    public NDArray inputNorm(NDArray h) {
        return inputNorm.forward(h);
    }

    /** The block's output given its input {@code h} and {@code normed = inputNorm(h)}. */
    public NDArray forward(NDArray h, NDArray normed, BatchContext ctx) {
        NDArray mid;
        try (NDArray a = attention.forward(normed, ctx)) {
            mid = h.add(a);
        }
        try (NDArray n2 = postAttentionNorm.forward(mid); NDArray m = mlp.forward(n2)) {
            mid.addi(m);
            return mid;
        }
    }
}
