package landscape.extract.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.extract.model.ModelConfig.Activation;
import landscape.extract.model.ModelConfig.Rope;

/**
 * Turns a {@code config.json} into a {@link ModelConfig}. Every key that changes a family's forward pass is read, or
 * refused by name when it asks for something not implemented; an absent key takes the default of the family's
 * Hugging Face config class, except the sizes that have no meaningful default (they are required). Rotary and
 * layer-pattern settings are read in both forms: the legacy one ({@code rope_theta}, {@code rope_scaling},
 * {@code rope_local_base_freq}, {@code sliding_window_pattern}, {@code use_sliding_window}) and the one transformers 5
 * writes ({@code rope_parameters}, per layer type for Gemma-3, and {@code layer_types}); where a config holds both
 * and they disagree it is refused. All problems are collected and reported in one line. docs/EXTRACT.md has the
 * table of decisions.
 */
final class ConfigReader {
    private static final String FULL = "full_attention";
    private static final String SLIDING = "sliding_attention";

    private final Path file;
    private final JsonNode root;
    private final List<String> problems = new ArrayList<>();

    private ConfigReader(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    static ModelConfig parse(Path file, JsonNode root) {
        return new ConfigReader(file, root).read();
    }

    private ModelConfig read() {
        Family family = family();
        // An unsupported architecture is reported, and the rest is still checked with Llama's rules so that one
        // message lists every problem.
        Family f = family == null ? Family.LLAMA : family;
        if (root.hasNonNull("quantization_config")) {
            problems.add("quantization_config is set: quantized checkpoints are not supported");
        }
        int vocab = requiredInt("vocab_size");
        int hidden = requiredInt("hidden_size");
        int inter = requiredInt("intermediate_size");
        int layers = requiredInt("num_hidden_layers");
        int heads = requiredInt("num_attention_heads");
        int kvHeads = kvHeads(f, heads);
        int headDim = headDim(f, hidden, heads);
        if (heads > 0 && kvHeads > 0 && heads % kvHeads != 0) {
            problems.add("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        Activation act = activation(f);
        double eps = positiveNumber("rms_norm_eps", f == Family.PHI3 ? 1e-5 : 1e-6);
        int maxPositions = optionalPositiveInt("max_position_embeddings", defaultMaxPositions(f));
        boolean tie = bool("tie_word_embeddings", f.gemma());

        boolean qkvBias = switch (f) {
            case LLAMA, QWEN3, GEMMA2, GEMMA3 -> bool("attention_bias", false);
            case QWEN2 -> true; // hard-coded in Qwen2Attention; o_proj has none
            case MISTRAL, PHI3 -> false; // not read by these classes
        };
        boolean outputBias = f != Family.QWEN2 && qkvBias;
        boolean mlpBias = f == Family.LLAMA && bool("mlp_bias", false);

        double queryScale = headDim > 0 ? 1.0 / Math.sqrt(headDim) : 1;
        double attnSoftcap = 0;
        double finalSoftcap = 0;
        if (f.gemma()) {
            if (!root.hasNonNull("query_pre_attn_scalar")) {
                problems.add("missing query_pre_attn_scalar (" + f.architecture() + " scales q·k by its -1/2 power)");
            } else {
                queryScale = 1.0 / Math.sqrt(positiveNumber("query_pre_attn_scalar", 1));
            }
            if (bool("use_bidirectional_attention", false)) {
                problems.add("use_bidirectional_attention is not supported (causal decoders only)");
            }
            if (f == Family.GEMMA2) {
                attnSoftcap = softcap("attn_logit_softcapping", 50.0);
                finalSoftcap = softcap("final_logit_softcapping", 30.0);
                if (hidden > 0 && heads > 0 && hidden % heads != 0) {
                    problems.add("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads
                            + " (Gemma2Config requires it)");
                }
            } else {
                if (root.hasNonNull("attn_logit_softcapping")) {
                    problems.add("attn_logit_softcapping is set, but Gemma3ForCausalLM's attention does not apply it"
                            + " (refused rather than guessed; released Gemma-3 configs set it to null)");
                }
                finalSoftcap = softcap("final_logit_softcapping", 0);
            }
        }

        boolean[] sliding = new boolean[Math.max(0, layers)];
        int window = slidingLayers(f, layers, sliding);
        Rope[] ropes = ropes(f, headDim, maxPositions);

        if (family == null || !problems.isEmpty()) {
            if (family == null) {
                problems.add(0, unsupported());
            }
            throw LandscapeException.of(file, String.join("; ", problems));
        }
        return new ModelConfig(f, f.architecture(), vocab, hidden, inter, layers, heads, kvHeads, headDim, eps,
                ropes[0], ropes[1], sliding, window, act, qkvBias, outputBias, mlpBias, queryScale, attnSoftcap,
                finalSoftcap, tie, maxPositions, root.path("torch_dtype").asText(root.path("dtype").asText(null)));
    }

    // ---- family, sizes ----

    /**
     * The family named by {@code architectures}, else by {@code model_type}. transformers' AutoModelForCausalLM builds
     * the class of model_type, so where both name supported families and they differ the config is ambiguous: that
     * is a problem, not a guess (a Qwen2 checkpoint labelled Llama would otherwise lose its q/k/v biases silently).
     */
    private Family family() {
        JsonNode archs = root.get("architectures");
        Family byType = root.hasNonNull("model_type") ? Family.ofModelType(root.get("model_type").asText()) : null;
        if (archs != null && archs.isArray() && archs.size() > 0) {
            Family byArch = Family.ofArchitecture(archs.get(0).asText());
            if (byArch != null && byType != null && byArch != byType) {
                problems.add("architectures names " + byArch.architecture() + " but model_type '"
                        + root.get("model_type").asText() + "' names " + byType.architecture()
                        + " (transformers builds the model_type's class); make the two agree");
            }
            return byArch;
        }
        return byType;
    }

    private String unsupported() {
        JsonNode archs = root.get("architectures");
        boolean given = archs != null && archs.isArray() && archs.size() > 0;
        String name = given ? "architecture '" + archs.get(0).asText() + "'"
                : root.hasNonNull("model_type") ? "model_type '" + root.get("model_type").asText() + "'"
                : "architecture (none given)";
        return "unsupported " + name + " (supported: " + Family.supported() + ")";
    }

    /**
     * num_key_value_heads: Llama and Phi-3 default to num_attention_heads; the other classes default to a
     * model-size constant (Mistral 8, Qwen 32, Gemma 4), so there it is required.
     */
    private int kvHeads(Family f, int heads) {
        if (root.hasNonNull("num_key_value_heads")) {
            return requiredInt("num_key_value_heads");
        }
        boolean explicitNull = root.has("num_key_value_heads");
        if (f == Family.LLAMA || f == Family.PHI3 || (explicitNull && !f.gemma())) {
            return heads;
        }
        problems.add("missing num_key_value_heads (" + f.architecture() + " has no model-independent default)");
        return -1;
    }

    /**
     * head_dim: read where given (every class uses it); otherwise hidden_size / num_attention_heads, except for
     * Qwen3 and Gemma, whose config classes default it to a constant (128, 256), so there it is required.
     */
    private int headDim(Family f, int hidden, int heads) {
        if (root.hasNonNull("head_dim")) {
            int d = requiredInt("head_dim");
            if (d > 0 && d % 2 != 0) {
                problems.add("head_dim " + d + " must be even for rotary embeddings");
            }
            return d;
        }
        if (f == Family.QWEN3 || f.gemma()) {
            problems.add("missing head_dim (" + f.architecture() + " has no model-independent default)");
            return -1;
        }
        if (heads <= 0 || hidden <= 0) {
            return -1;
        }
        if (hidden % heads != 0) {
            problems.add("hidden_size " + hidden + " is not divisible by num_attention_heads " + heads
                    + " and no head_dim");
            return -1;
        }
        int d = hidden / heads;
        if (d % 2 != 0) {
            problems.add("head_dim " + d + " (hidden_size / num_attention_heads) must be even for rotary embeddings");
        }
        return d;
    }

    private Activation activation(Family f) {
        // Gemma's MLP reads hidden_activation (hidden_act, also present in Gemma-2 configs, is not read by it).
        String key = f.gemma() ? "hidden_activation" : "hidden_act";
        String name = root.hasNonNull(key) ? root.get(key).asText() : f.gemma() ? "gelu_pytorch_tanh" : "silu";
        return switch (name) {
            case "silu", "swish" -> Activation.SILU;
            case "gelu_pytorch_tanh" -> Activation.GELU_TANH;
            default -> {
                problems.add(key + " '" + name + "' is not supported (silu, gelu_pytorch_tanh)");
                yield Activation.SILU;
            }
        };
    }

    private static int defaultMaxPositions(Family f) {
        return switch (f) {
            case LLAMA -> 2048;
            case MISTRAL, GEMMA3 -> 131072;
            case QWEN2, QWEN3 -> 32768;
            case GEMMA2 -> 8192;
            case PHI3 -> 4096;
        };
    }

    // ---- sliding windows ----

    /** Fills {@code sliding} per layer and returns the window (keys per query, itself included). */
    private int slidingLayers(Family f, int layers, boolean[] sliding) {
        if (layers <= 0) {
            return 0;
        }
        String[] types = null;
        int window;
        switch (f) {
            case LLAMA -> {
                return 0; // LlamaConfig has no sliding window
            }
            case MISTRAL, PHI3 -> {
                // One window for all layers; Mistral's class defaults it to 4096, Phi-3's to none.
                window = windowValue(f == Family.MISTRAL ? 4096 : 0);
                Arrays.fill(sliding, window > 0);
                return window;
            }
            case QWEN2, QWEN3 -> {
                // Qwen2Config/Qwen3Config: the window applies only with use_sliding_window, from layer
                // max_window_layers on; layer_types (transformers 5) states the same per layer.
                types = layerTypes(layers);
                boolean use = bool("use_sliding_window", false);
                window = use ? windowValue(4096) : 0;
                int from = optionalNonNegativeInt("max_window_layers", 28);
                String[] legacy = new String[layers];
                for (int i = 0; i < layers; i++) {
                    legacy[i] = window > 0 && i >= from ? SLIDING : FULL;
                }
                if (types != null && root.has("use_sliding_window") && !Arrays.equals(types, legacy)) {
                    problems.add("layer_types " + Arrays.toString(types) + " disagrees with use_sliding_window/"
                            + "sliding_window/max_window_layers, which give " + Arrays.toString(legacy));
                }
                types = types != null ? types : legacy;
            }
            case GEMMA2 -> {
                types = layerTypes(layers);
                window = windowValue(4096);
                if (types == null) {
                    types = new String[layers];
                    for (int i = 0; i < layers; i++) {
                        types[i] = i % 2 == 0 ? SLIDING : FULL; // layers 0, 2, 4, ... slide
                    }
                }
            }
            case GEMMA3 -> {
                types = layerTypes(layers);
                window = windowValue(4096);
                String[] legacy = null;
                if (root.has("sliding_window_pattern") || types == null) {
                    int pattern = optionalPositiveInt("sliding_window_pattern", 6);
                    legacy = new String[layers];
                    for (int i = 0; i < layers; i++) {
                        legacy[i] = pattern > 0 && (i + 1) % pattern == 0 ? FULL : SLIDING;
                    }
                }
                if (types != null && legacy != null && !Arrays.equals(types, legacy)) {
                    problems.add("layer_types " + Arrays.toString(types) + " disagrees with sliding_window_pattern,"
                            + " which gives " + Arrays.toString(legacy));
                }
                types = types != null ? types : legacy;
            }
            default -> throw new IllegalStateException(f.toString());
        }
        boolean any = false;
        for (int i = 0; i < layers; i++) {
            sliding[i] = SLIDING.equals(types[i]);
            any |= sliding[i];
        }
        if (any && window <= 0) {
            problems.add("layer_types has sliding_attention layers but no sliding window is set");
        }
        return any ? window : 0;
    }

    /** layer_types if given (validated), else null. */
    private String[] layerTypes(int layers) {
        JsonNode n = root.get("layer_types");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray() || n.size() != layers) {
            problems.add("layer_types must be a list of " + layers + " entries (one per layer), got " + Json.brief(n));
            return null;
        }
        String[] t = new String[layers];
        for (int i = 0; i < layers; i++) {
            t[i] = n.get(i).asText();
            if (!t[i].equals(FULL) && !t[i].equals(SLIDING)) {
                problems.add("layer_types[" + i + "] '" + t[i] + "' is not supported (" + FULL + ", " + SLIDING + ")");
                return null;
            }
        }
        return t;
    }

    /** sliding_window: absent = the class default, null = none. */
    private int windowValue(int classDefault) {
        if (!root.has("sliding_window")) {
            return classDefault;
        }
        return root.get("sliding_window").isNull() ? 0 : requiredInt("sliding_window");
    }

    // ---- rotary embeddings ----

    /** {global, local} rope settings; the same object twice except for Gemma-3. */
    private Rope[] ropes(Family f, int headDim, int maxPositions) {
        JsonNode params = root.get("rope_parameters");
        if (params != null && !params.isNull() && !params.isObject()) {
            problems.add("rope_parameters must be an object, got " + Json.brief(params));
            params = null;
        }
        JsonNode scaling = root.get("rope_scaling");
        if (scaling != null && !scaling.isNull() && !scaling.isObject()) {
            problems.add("rope_scaling must be an object or null, got " + Json.brief(scaling));
            scaling = null;
        }
        boolean nested = params != null && (params.has(FULL) || params.has(SLIDING));
        if (f == Family.GEMMA3) {
            if (params != null && !params.isNull() && !nested && params.size() > 0) {
                problems.add("rope_parameters for Gemma-3 must hold '" + FULL + "' and '" + SLIDING + "' entries");
            }
            RopeFields full = RopeFields.of(scaling, "rope_scaling", this)
                    .withTheta(number("rope_theta"), "rope_theta", this);
            RopeFields local = new RopeFields().withTheta(number("rope_local_base_freq"), "rope_local_base_freq", this);
            if (nested) {
                full = full.merge(RopeFields.of(params.get(FULL), "rope_parameters." + FULL, this), this);
                local = local.merge(RopeFields.of(params.get(SLIDING), "rope_parameters." + SLIDING, this), this);
            }
            return new Rope[] {resolve(f, full, 1e6, headDim, maxPositions, FULL + " layers"),
                    resolve(f, local, 1e4, headDim, maxPositions, SLIDING + " layers")};
        }
        if (nested) {
            problems.add("rope_parameters per layer type is only read for Gemma-3; " + f.architecture()
                    + " takes one rope_parameters object");
        }
        RopeFields legacy = RopeFields.of(scaling, "rope_scaling", this)
                .withTheta(number("rope_theta"), "rope_theta", this)
                .withPartial(number("partial_rotary_factor"), "partial_rotary_factor", this);
        RopeFields fields = nested || params == null ? legacy
                : legacy.merge(RopeFields.of(params, "rope_parameters", this), this);
        Rope r = resolve(f, fields, 10000.0, headDim, maxPositions, null);
        return new Rope[] {r, r};
    }

    private Rope resolve(Family f, RopeFields r, double defaultTheta, int headDim, int maxPositions, String where) {
        String in = where == null ? "" : " (" + where + ")";
        double theta = r.theta != null ? r.theta : defaultTheta;
        if (!(theta > 0)) {
            problems.add("rope_theta must be positive, got " + theta + in);
        }
        double partial = r.partial != null ? r.partial : 1.0;
        if (partial != 1.0 && f != Family.PHI3) {
            problems.add("partial_rotary_factor " + partial + " is not supported for " + f.architecture()
                    + " (only Phi-3's)");
        }
        int dim = headDim > 0 ? (int) (headDim * partial) : 0;
        if (headDim > 0 && (dim <= 0 || dim % 2 != 0 || partial > 1)) {
            problems.add("partial_rotary_factor " + partial + " gives rotary dimension " + dim
                    + " (must be even, positive and at most head_dim " + headDim + ")");
        }
        String type = r.type != null ? r.type : "default";
        if (f == Family.PHI3 && !type.equals("default")) {
            problems.add(type.equals("longrope") || type.equals("su") || type.equals("yarn")
                    ? "rope scaling '" + type + "' (Phi-3 long-context LongRoPE) is not supported; use a Phi-3 model"
                            + " without rope_scaling (4k context)"
                    : "rope type '" + type + "' is not supported for Phi3ForCausalLM (transformers accepts only"
                            + " default and longrope)");
            return Rope.plain(theta, dim);
        }
        switch (type) {
            case "default" -> {
                return Rope.plain(theta, dim);
            }
            case "linear" -> {
                double factor = r.require("factor", r.factor, this, in);
                return new Rope(type, theta, factor, 0, 0, 0, dim);
            }
            case "llama3" -> {
                double factor = r.require("factor", r.factor, this, in);
                double low = r.require("low_freq_factor", r.low, this, in);
                double high = r.require("high_freq_factor", r.high, this, in);
                double omp = r.omp != null ? r.omp : maxPositions;
                if (low == high) {
                    problems.add("llama3 rope scaling needs low_freq_factor != high_freq_factor" + in);
                }
                return new Rope(type, theta, factor, low, high, (int) omp, dim);
            }
            default -> {
                problems.add("rope type '" + type + "' is not supported (default, linear, llama3)" + in);
                return Rope.plain(theta, dim);
            }
        }
    }

    /**
     * The rotary keys one form of the config states, each with where it was read; null where the form does not
     * state it. Two forms are merged key by key, and a key stated differently by both is a problem.
     */
    private static final class RopeFields {
        String type;
        Double theta;
        Double factor;
        Double low;
        Double high;
        Double omp;
        Double partial;
        String typeFrom;
        String thetaFrom;
        String factorFrom;
        String lowFrom;
        String highFrom;
        String ompFrom;
        String partialFrom;

        static RopeFields of(JsonNode obj, String name, ConfigReader r) {
            RopeFields f = new RopeFields();
            if (obj == null || obj.isNull()) {
                return f;
            }
            if (!obj.isObject()) {
                r.problems.add(name + " must be an object, got " + Json.brief(obj));
                return f;
            }
            JsonNode t = obj.hasNonNull("rope_type") ? obj.get("rope_type") : obj.get("type");
            if (t != null && !t.isNull()) {
                if (obj.hasNonNull("rope_type") && obj.hasNonNull("type")
                        && !obj.get("rope_type").asText().equals(obj.get("type").asText())) {
                    r.problems.add(name + " has rope_type '" + obj.get("rope_type").asText() + "' and type '"
                            + obj.get("type").asText() + "'");
                }
                f.type = t.asText();
                f.typeFrom = name + ".rope_type";
            }
            f.theta = r.number(obj, name, "rope_theta");
            f.thetaFrom = name + ".rope_theta";
            f.factor = r.number(obj, name, "factor");
            f.factorFrom = name + ".factor";
            f.low = r.number(obj, name, "low_freq_factor");
            f.lowFrom = name + ".low_freq_factor";
            f.high = r.number(obj, name, "high_freq_factor");
            f.highFrom = name + ".high_freq_factor";
            f.omp = r.number(obj, name, "original_max_position_embeddings");
            f.ompFrom = name + ".original_max_position_embeddings";
            f.partial = r.number(obj, name, "partial_rotary_factor");
            f.partialFrom = name + ".partial_rotary_factor";
            return f;
        }

        RopeFields withTheta(Double v, String from, ConfigReader r) {
            if (v != null) {
                thetaFrom = theta == null ? from : thetaFrom;
                theta = pick(theta, thetaFrom, v, from, r);
            }
            return this;
        }

        RopeFields withPartial(Double v, String from, ConfigReader r) {
            if (v != null) {
                partialFrom = partial == null ? from : partialFrom;
                partial = pick(partial, partialFrom, v, from, r);
            }
            return this;
        }

        /** This form's values, completed by {@code other}'s; a key both state differently is a problem. */
        RopeFields merge(RopeFields o, ConfigReader r) {
            RopeFields m = new RopeFields();
            m.type = pick(type, typeFrom, o.type, o.typeFrom, r);
            m.typeFrom = type != null ? typeFrom : o.typeFrom;
            m.theta = pick(theta, thetaFrom, o.theta, o.thetaFrom, r);
            m.factor = pick(factor, factorFrom, o.factor, o.factorFrom, r);
            m.low = pick(low, lowFrom, o.low, o.lowFrom, r);
            m.high = pick(high, highFrom, o.high, o.highFrom, r);
            m.omp = pick(omp, ompFrom, o.omp, o.ompFrom, r);
            m.partial = pick(partial, partialFrom, o.partial, o.partialFrom, r);
            return m;
        }

        private static <T> T pick(T a, String aFrom, T b, String bFrom, ConfigReader r) {
            if (a != null && b != null && !Objects.equals(a, b)) {
                r.problems.add("the two forms of the rotary settings disagree: " + aFrom + " = " + a + " but "
                        + bFrom + " = " + b);
            }
            return a != null ? a : b;
        }

        double require(String key, Double v, ConfigReader r, String in) {
            if (v == null) {
                r.problems.add("rope type '" + type + "' needs " + key + in);
                return 1;
            }
            if (!(v > 0)) {
                r.problems.add("rope " + key + " must be positive, got " + v + in);
                return 1;
            }
            return v;
        }
    }

    // ---- JSON helpers ----

    private int requiredInt(String key) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            problems.add("missing " + key);
            return -1;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() <= 0) {
            problems.add(key + " must be a positive integer, got " + Json.brief(n));
            return -1;
        }
        return n.asInt();
    }

    private int optionalPositiveInt(String key, int dflt) {
        return root.hasNonNull(key) ? requiredInt(key) : dflt;
    }

    private int optionalNonNegativeInt(String key, int dflt) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0) {
            problems.add(key + " must be a non-negative integer, got " + Json.brief(n));
            return dflt;
        }
        return n.asInt();
    }

    private double positiveNumber(String key, double dflt) {
        Double v = number(key);
        if (v == null) {
            return dflt;
        }
        if (!(v > 0)) {
            problems.add(key + " must be positive, got " + v);
            return dflt;
        }
        return v;
    }

    /** A soft-capping value: absent = the class default, null = none. */
    private double softcap(String key, double classDefault) {
        if (!root.has(key)) {
            return classDefault;
        }
        return root.get(key).isNull() ? 0 : positiveNumber(key, 0);
    }

    private Double number(String key) {
        return number(root, null, key);
    }

    private Double number(JsonNode obj, String where, String key) {
        JsonNode n = obj.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            problems.add((where == null ? "" : where + ".") + key + " must be a number, got " + Json.brief(n));
            return null;
        }
        return n.asDouble();
    }

    private boolean bool(String key, boolean dflt) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            problems.add(key + " must be true or false, got " + Json.brief(n));
            return dflt;
        }
        return n.asBoolean();
    }
}
