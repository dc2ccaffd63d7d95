package landscape.extract.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import landscape.core.Json;
import landscape.core.LandscapeException;

/**
 * The parts of a Hugging Face {@code config.json} the decoder needs. Supports {@code LlamaForCausalLM}
 * (Llama-2/3/3.1, rope scaling {@code llama3} or {@code linear}) and {@code MistralForCausalLM} (optional sliding window).
 */
public record ModelConfig(
        String architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        int slidingWindow,
        String torchDtype) {

    public static final Set<String> ARCHITECTURES = Set.of("LlamaForCausalLM", "MistralForCausalLM");

    /** Rope scaling: type "llama3" (frequency-dependent) or "linear" (positions divided by factor). */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositionEmbeddings) {
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    public int qDim() {
        return numHeads * headDim;
    }

    /** Reads and validates {@code dir/config.json}; every problem found is listed in one message. */
    public static ModelConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw LandscapeException.of(dir, java.nio.file.Files.isDirectory(dir)
                    ? "no config.json (expected a Hugging Face checkpoint directory)"
                    : "no such model directory (expected config.json, model.safetensors and tokenizer.json)");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw LandscapeException.of(file, "cannot read JSON: " + Json.oneLine(e.getMessage()));
        }
        return parse(file, root);
    }

    static ModelConfig parse(Path file, JsonNode root) {
        List<String> problems = new ArrayList<>();
        String arch = null;
        JsonNode archs = root.get("architectures");
        if (archs != null && archs.isArray() && archs.size() > 0) {
            arch = archs.get(0).asText();
        } else if (root.has("model_type")) {
            arch = switch (root.get("model_type").asText()) {
                case "llama" -> "LlamaForCausalLM";
                case "mistral" -> "MistralForCausalLM";
                default -> root.get("model_type").asText();
            };
        }
        if (arch == null || !ARCHITECTURES.contains(arch)) {
            problems.add("unsupported architecture " + (arch == null ? "(none given)" : "'" + arch + "'")
                    + " (supported: LlamaForCausalLM, MistralForCausalLM)");
        }
        int vocab = positiveInt(root, "vocab_size", problems);
        int hidden = positiveInt(root, "hidden_size", problems);
        int inter = positiveInt(root, "intermediate_size", problems);
        int layers = positiveInt(root, "num_hidden_layers", problems);
        int heads = positiveInt(root, "num_attention_heads", problems);
        int kvHeads = root.hasNonNull("num_key_value_heads") ? positiveInt(root, "num_key_value_heads", problems) : heads;
        int headDim = root.hasNonNull("head_dim") ? positiveInt(root, "head_dim", problems)
                : (heads > 0 && hidden % heads == 0 ? hidden / heads : -1);
        if (headDim <= 0 && heads > 0) {
            problems.add("hidden_size " + hidden + " is not divisible by num_attention_heads " + heads + " and no head_dim");
        }
        if (headDim > 0 && headDim % 2 != 0) {
            problems.add("head_dim " + headDim + " must be even for rotary embeddings");
        }
        if (heads > 0 && kvHeads > 0 && heads % kvHeads != 0) {
            problems.add("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        String act = root.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            problems.add("hidden_act '" + act + "' is not supported (only silu)");
        }
        if (root.path("attention_bias").asBoolean(false) || root.path("mlp_bias").asBoolean(false)) {
            problems.add("attention_bias/mlp_bias are not supported");
        }
        double eps = root.path("rms_norm_eps").asDouble(1e-6);
        double theta = root.path("rope_theta").asDouble(10000.0);
        RopeScaling scaling = null;
        JsonNode rs = root.get("rope_scaling");
        if (rs != null && !rs.isNull()) {
            String type = rs.hasNonNull("rope_type") ? rs.get("rope_type").asText() : rs.path("type").asText("");
            switch (type) {
                case "llama3" -> scaling = new RopeScaling(type, rs.path("factor").asDouble(8.0),
                        rs.path("low_freq_factor").asDouble(1.0), rs.path("high_freq_factor").asDouble(4.0),
                        rs.path("original_max_position_embeddings").asInt(8192));
                case "linear" -> scaling = new RopeScaling(type, rs.path("factor").asDouble(1.0), 0, 0, 0);
                case "default" -> scaling = null;
                default -> problems.add("rope_scaling type '" + type + "' is not supported (llama3, linear)");
            }
        }
        boolean tie = root.path("tie_word_embeddings").asBoolean(false);
        int window = 0;
        if ("MistralForCausalLM".equals(arch) && root.hasNonNull("sliding_window")) {
            window = root.get("sliding_window").asInt(0);
        }
        if (!problems.isEmpty()) {
            throw LandscapeException.of(file, String.join("; ", problems));
        }
        return new ModelConfig(arch, vocab, hidden, inter, layers, heads, kvHeads, headDim, eps, theta, scaling, tie,
                window, root.path("torch_dtype").asText(null));
    }

    private static int positiveInt(JsonNode root, String key, List<String> problems) {
        JsonNode n = root.get(key);
        if (n == null || !n.canConvertToInt() || n.asInt() <= 0) {
            problems.add(n == null ? "missing " + key : key + " must be a positive integer, got " + n);
            return -1;
        }
        return n.asInt();
    }

    /** Every tensor the decoder reads, with its expected shape, in load order. */
    public Map<String, long[]> expectedTensors() {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", new long[] {vocabSize, hiddenSize});
        for (int i = 0; i < numLayers; i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[] {hiddenSize});
            m.put(p + "self_attn.q_proj.weight", new long[] {qDim(), hiddenSize});
            m.put(p + "self_attn.k_proj.weight", new long[] {kvDim(), hiddenSize});
            m.put(p + "self_attn.v_proj.weight", new long[] {kvDim(), hiddenSize});
            m.put(p + "self_attn.o_proj.weight", new long[] {hiddenSize, qDim()});
            m.put(p + "post_attention_layernorm.weight", new long[] {hiddenSize});
            m.put(p + "mlp.gate_proj.weight", new long[] {intermediateSize, hiddenSize});
            m.put(p + "mlp.up_proj.weight", new long[] {intermediateSize, hiddenSize});
            m.put(p + "mlp.down_proj.weight", new long[] {hiddenSize, intermediateSize});
        }
        m.put("model.norm.weight", new long[] {hiddenSize});
        if (!tieWordEmbeddings) {
            m.put("lm_head.weight", new long[] {vocabSize, hiddenSize});
        }
        return m;
    }

    /** Name of the lm_head weight actually used (the embedding when tied). */
    public String lmHeadName() {
        return tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight";
    }

    /** Module name of extraction point {@code index}: input_layernorm i, model.norm, lm_head. */
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
