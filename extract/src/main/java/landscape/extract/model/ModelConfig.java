package landscape.extract.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import landscape.core.Json;
import landscape.core.LandscapeException;

/**
 * What the decoder needs from a Hugging Face {@code config.json}, for every supported {@link Family}, with every
 * field that changes the forward pass resolved (by {@link ConfigReader}: both the legacy and the transformers-5
 * form, Hugging Face's per-family defaults for absent keys, a refusal by name for what is not implemented).
 *
 * @param rope          rotary settings of full-attention layers
 * @param localRope     rotary settings of sliding-window layers (Gemma-3's {@code rope_local_base_freq}); the same
 *                      as {@code rope} for the other families
 * @param slidingLayers per layer: true where attention is limited to the last {@code slidingWindow} keys
 * @param queryScale    the factor on q·k ({@code head_dim^-0.5}, Gemma's {@code query_pre_attn_scalar^-0.5})
 * @param attnSoftcap   attention-logit soft-capping {@code c·tanh(s/c)} before the mask; 0 = none
 * @param finalSoftcap  final-logit soft-capping; 0 = none
 */
public record ModelConfig(
        Family family,
        String architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        Rope rope,
        Rope localRope,
        boolean[] slidingLayers,
        int slidingWindow,
        Activation activation,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        double queryScale,
        double attnSoftcap,
        double finalSoftcap,
        boolean tieWordEmbeddings,
        int maxPositionEmbeddings,
        String torchDtype) {

    /**
     * Rotary position embedding: {@code type} default, linear (inverse frequencies divided by {@code factor}) or
     * llama3 (frequency-dependent), over the first {@code dim} dimensions of each head (Phi-3's
     * partial_rotary_factor; head_dim otherwise).
     */
    public record Rope(String type, double theta, double factor, double lowFreqFactor, double highFreqFactor,
                       int originalMaxPositionEmbeddings, int dim) {
        public static Rope plain(double theta, int dim) {
            return new Rope("default", theta, 1, 0, 0, 0, dim);
        }
    }

    /** The MLP's activation: {@code silu} (SwiGLU) or {@code gelu_pytorch_tanh} (GeGLU, Gemma). */
    public enum Activation {
        SILU("silu"), GELU_TANH("gelu_pytorch_tanh");

        private final String hfName;

        Activation(String hfName) {
            this.hfName = hfName;
        }

        public String hfName() {
            return hfName;
        }
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    public int qDim() {
        return numHeads * headDim;
    }

    /** Keys visible from a query in layer {@code layer}: the last {@code window} (itself included); 0 = all. */
    public int window(int layer) {
        return slidingLayers[layer] ? slidingWindow : 0;
    }

    /** The rotary settings of layer {@code layer}. */
    public Rope rope(int layer) {
        return slidingLayers[layer] ? localRope : rope;
    }

    /** The multiplier of the embeddings: sqrt(hidden_size) for Gemma, else 1. */
    public double embedScale() {
        return family.scaledEmbeddings() ? Math.sqrt(hiddenSize) : 1.0;
    }

    /** Reads and validates {@code dir/config.json}; every problem found is listed in one message. */
    public static ModelConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw LandscapeException.of(dir, Files.isDirectory(dir)
                    ? "no config.json (expected a Hugging Face checkpoint directory)"
                    : "no such model directory (expected config.json, model.safetensors and tokenizer.json)");
        }
        return parse(file, Json.readObject(file, "JSON"));
    }

    /** Validates the config {@code root}, to be (or read from) {@code file}, which names it in errors. */
    public static ModelConfig parse(Path file, JsonNode root) {
        return ConfigReader.parse(file, root);
    }

    /** The projections a LoRA adapter may target (PEFT's module names for this family). */
    public List<String> projectionModules() {
        return family.fusedProjections() ? List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj")
                : List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    }

    /** Every tensor the decoder reads, with its expected shape, in load order. */
    public Map<String, long[]> expectedTensors() {
        Map<String, long[]> m = new LinkedHashMap<>();
        long h = hiddenSize;
        m.put("model.embed_tokens.weight", new long[] {vocabSize, h});
        for (int i = 0; i < numLayers; i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[] {h});
            if (family.fusedProjections()) {
                m.put(p + "self_attn.qkv_proj.weight", new long[] {qDim() + 2L * kvDim(), h});
            } else {
                m.put(p + "self_attn.q_proj.weight", new long[] {qDim(), h});
                m.put(p + "self_attn.k_proj.weight", new long[] {kvDim(), h});
                m.put(p + "self_attn.v_proj.weight", new long[] {kvDim(), h});
                if (qkvBias) {
                    m.put(p + "self_attn.q_proj.bias", new long[] {qDim()});
                    m.put(p + "self_attn.k_proj.bias", new long[] {kvDim()});
                    m.put(p + "self_attn.v_proj.bias", new long[] {kvDim()});
                }
            }
            m.put(p + "self_attn.o_proj.weight", new long[] {h, qDim()});
            if (outputBias) {
                m.put(p + "self_attn.o_proj.bias", new long[] {h});
            }
            if (family.qkNorm()) {
                m.put(p + "self_attn.q_norm.weight", new long[] {headDim});
                m.put(p + "self_attn.k_norm.weight", new long[] {headDim});
            }
            m.put(p + "post_attention_layernorm.weight", new long[] {h});
            if (family.sandwichNorms()) {
                m.put(p + "pre_feedforward_layernorm.weight", new long[] {h});
                m.put(p + "post_feedforward_layernorm.weight", new long[] {h});
            }
            if (family.fusedProjections()) {
                m.put(p + "mlp.gate_up_proj.weight", new long[] {2L * intermediateSize, h});
            } else {
                m.put(p + "mlp.gate_proj.weight", new long[] {intermediateSize, h});
                m.put(p + "mlp.up_proj.weight", new long[] {intermediateSize, h});
                if (mlpBias) {
                    m.put(p + "mlp.gate_proj.bias", new long[] {intermediateSize});
                    m.put(p + "mlp.up_proj.bias", new long[] {intermediateSize});
                }
            }
            m.put(p + "mlp.down_proj.weight", new long[] {h, intermediateSize});
            if (mlpBias) {
                m.put(p + "mlp.down_proj.bias", new long[] {h});
            }
        }
        m.put("model.norm.weight", new long[] {h});
        if (!tieWordEmbeddings) {
            m.put("lm_head.weight", new long[] {vocabSize, h});
        }
        return m;
    }

    /** Name of the lm_head weight actually used (the embedding when tied). */
    public String lmHeadName() {
        return tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight";
    }

    /**
     * Module name of extraction point {@code index}: input_layernorm i, model.norm, lm_head (the logits after any
     * final soft-capping).
     */
    public String pointModule(int index) {
        if (index < numLayers) {
            return "model.layers." + index + ".input_layernorm";
        }
        return index == numLayers ? "model.norm" : "lm_head";
    }

    public int pointDim(int index) {
        return index <= numLayers ? hiddenSize : vocabSize;
    }
}
