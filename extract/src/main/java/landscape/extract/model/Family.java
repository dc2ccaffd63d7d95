package landscape.extract.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The decoder families {@code landscape-extract} reads, each named by the Hugging Face class whose eager forward pass
 * it reproduces. What a family computes differently from Llama is decided here (the block structure) and in
 * {@link ConfigReader} (which config keys it reads, with Hugging Face's defaults).
 */
public enum Family {
    LLAMA("llama", "LlamaForCausalLM", "llama"),
    MISTRAL("mistral", "MistralForCausalLM", "mistral"),
    QWEN2("qwen2", "Qwen2ForCausalLM", "qwen2"),
    QWEN3("qwen3", "Qwen3ForCausalLM", "qwen3"),
    GEMMA2("gemma2", "Gemma2ForCausalLM", "gemma2"),
    GEMMA3("gemma3", "Gemma3ForCausalLM", "gemma3_text"),
    PHI3("phi3", "Phi3ForCausalLM", "phi3");

    private final String label;
    private final String architecture;
    private final String modelType;

    Family(String label, String architecture, String modelType) {
        this.label = label;
        this.architecture = architecture;
        this.modelType = modelType;
    }

    /** The name recorded in the manifest ({@code model.family}). */
    public String label() {
        return label;
    }

    /** The {@code architectures} entry of config.json. */
    public String architecture() {
        return architecture;
    }

    public static Family ofArchitecture(String architecture) {
        return Arrays.stream(values()).filter(f -> f.architecture.equals(architecture)).findFirst().orElse(null);
    }

    public static Family ofModelType(String modelType) {
        return Arrays.stream(values()).filter(f -> f.modelType.equals(modelType)).findFirst().orElse(null);
    }

    /** "LlamaForCausalLM, MistralForCausalLM, ..." for error messages. */
    public static String supported() {
        return Arrays.stream(values()).map(Family::architecture).collect(Collectors.joining(", "));
    }

    public boolean gemma() {
        return this == GEMMA2 || this == GEMMA3;
    }

    /** Gemma's RMSNorm scales by {@code (1 + w)}; the others by {@code w}. */
    public boolean unitOffsetNorm() {
        return gemma();
    }

    /** Qwen3 and Gemma-3 normalise each query and key head (over head_dim) before the rotation. */
    public boolean qkNorm() {
        return this == QWEN3 || this == GEMMA3;
    }

    /**
     * Gemma's four norms per block: the attention and MLP outputs are normalised too
     * ({@code post_attention_layernorm}, {@code post_feedforward_layernorm}) before they join the residual stream.
     */
    public boolean sandwichNorms() {
        return gemma();
    }

    /** Phi-3 stores q/k/v as one {@code qkv_proj} and gate/up as one {@code gate_up_proj}. */
    public boolean fusedProjections() {
        return this == PHI3;
    }

    /** Gemma multiplies the embeddings by sqrt(hidden_size). */
    public boolean scaledEmbeddings() {
        return gemma();
    }
}
