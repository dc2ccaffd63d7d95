package landscape.extract.model;

import ai.djl.ndarray.NDArray;

/**
 * One pre-norm decoder block: {@code h + attn(inputNorm(h))}, then {@code + mlp(mlpInputNorm(.))}. Gemma's blocks
 * also normalise what each sub-block adds ({@code attentionOutputNorm}, {@code mlpOutputNorm}; null for the other
 * families). Hugging Face names: inputNorm = {@code input_layernorm}; mlpInputNorm = {@code post_attention_layernorm}
 * (Llama, Mistral, Qwen, Phi-3) or {@code pre_feedforward_layernorm} (Gemma); attentionOutputNorm = Gemma's
 * {@code post_attention_layernorm}; mlpOutputNorm = Gemma's {@code post_feedforward_layernorm}.
 */
public final class DecoderLayer {
    private final RmsNorm inputNorm;
    private final Attention attention;
    private final RmsNorm attentionOutputNorm;
    private final RmsNorm mlpInputNorm;
    private final GatedMlp mlp;
    private final RmsNorm mlpOutputNorm;

    public DecoderLayer(RmsNorm inputNorm, Attention attention, RmsNorm attentionOutputNorm, RmsNorm mlpInputNorm,
                        GatedMlp mlp, RmsNorm mlpOutputNorm) {
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.attentionOutputNorm = attentionOutputNorm;
        this.mlpInputNorm = mlpInputNorm;
        this.mlp = mlp;
        this.mlpOutputNorm = mlpOutputNorm;
    }

    /** The output of {@code input_layernorm}: the extraction point of this layer. */
    public NDArray inputNorm(NDArray h) {
        return inputNorm.forward(h);
    }

    /** The block's output given its input {@code h} and {@code normed = inputNorm(h)}. */
    public NDArray forward(NDArray h, NDArray normed, BatchContext ctx) {
        NDArray mid;
        try (NDArray a = attention.forward(normed, ctx); NDArray an = normOrNull(attentionOutputNorm, a)) {
            mid = h.add(an == null ? a : an);
        }
        try (NDArray n2 = mlpInputNorm.forward(mid);
             NDArray m = mlp.forward(n2);
             NDArray mn = normOrNull(mlpOutputNorm, m)) {
            mid.addi(mn == null ? m : mn);
            return mid;
        }
    }

    private static NDArray normOrNull(RmsNorm norm, NDArray x) {
        return norm == null ? null : norm.forward(x);
    }
}
