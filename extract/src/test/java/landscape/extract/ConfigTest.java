package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.extract.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
    @TempDir
    Path tmp;

    ModelConfig config(String json) throws Exception {
        Files.writeString(tmp.resolve("config.json"), json);
        return ModelConfig.read(tmp);
    }

    static final String LLAMA31 = "{\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":128256,\"hidden_size\":4096,"
            + "\"intermediate_size\":14336,\"num_hidden_layers\":32,\"num_attention_heads\":32,\"num_key_value_heads\":8,"
            + "\"rms_norm_eps\":1e-5,\"rope_theta\":500000.0,\"tie_word_embeddings\":false,\"rope_scaling\":{\"factor\":8.0,"
            + "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192,"
            + "\"rope_type\":\"llama3\"}}";

    @Test
    void llama31ConfigWithLlama3RopeScalingIsRead() throws Exception {
        ModelConfig c = config(LLAMA31);
        assertEquals(128, c.headDim());
        assertEquals(1024, c.kvDim());
        assertEquals("llama3", c.rope().type());
        assertEquals(8.0, c.rope().factor());
        assertEquals(32 * 9 + 3, c.expectedTensors().size());
        assertEquals("model.layers.5.input_layernorm", c.pointModule(5));
        assertEquals("model.norm", c.pointModule(32));
        assertEquals("lm_head", c.pointModule(33));
        assertEquals(128256, c.pointDim(33));
    }

    @Test
    void llama3ScalingKeepsHighFrequenciesDividesLowOnesAndBlendsBetween() throws Exception {
        ModelConfig c = config(LLAMA31);
        double[] f = InverseFrequencies.of(c);
        double[] plain = InverseFrequencies.of(config(LLAMA31.replaceAll(",\"rope_scaling\":\\{[^}]*}", "")));
        assertEquals(64, f.length);
        assertEquals(plain[0], f[0], 0); // wavelength 2*pi < 8192/4: unchanged
        assertEquals(plain[63] / 8, f[63], 1e-20); // wavelength > 8192: divided by the factor
        int mid = -1;
        for (int i = 0; i < 64; i++) {
            double wl = 2 * Math.PI / plain[i];
            if (wl > 2048 && wl < 8192) {
                mid = i;
                break;
            }
        }
        assertTrue(mid > 0);
        double smooth = (8192 / (2 * Math.PI / plain[mid]) - 1.0) / (4.0 - 1.0);
        assertEquals((1 - smooth) * plain[mid] / 8 + smooth * plain[mid], f[mid], 1e-12 * plain[mid]);
    }

    @Test
    void mistralAndHeadDimAndMqaAreAccepted() throws Exception {
        ModelConfig c = config("{\"architectures\":[\"MistralForCausalLM\"],\"vocab_size\":32000,\"hidden_size\":4096,"
                + "\"intermediate_size\":14336,\"num_hidden_layers\":32,\"num_attention_heads\":32,\"num_key_value_heads\":1,"
                + "\"head_dim\":96,\"sliding_window\":4096,\"tie_word_embeddings\":true}");
        assertEquals(96, c.headDim());
        assertEquals(3072, c.qDim());
        assertEquals(96, c.kvDim());
        assertEquals(4096, c.window(0));
        assertEquals("model.embed_tokens.weight", c.lmHeadName());
        assertTrue(!c.expectedTensors().containsKey("lm_head.weight"));
    }

    @Test
    void badConfigListsEveryProblem() {
        LandscapeException e = assertThrows(LandscapeException.class, () -> config("{\"architectures\":[\"FalconForCausalLM\"],"
                + "\"hidden_size\":100,\"num_attention_heads\":3,\"intermediate_size\":8,\"num_hidden_layers\":1,"
                + "\"rope_scaling\":{\"type\":\"yarn\"}}"));
        String m = e.getMessage();
        assertTrue(m.contains("config.json"), m);
        assertTrue(m.contains("FalconForCausalLM"), m);
        assertTrue(m.contains("missing vocab_size"), m);
        assertTrue(m.contains("not divisible"), m);
        assertTrue(m.contains("yarn"), m);
    }

    /** A small valid config of {@code architecture} with {@code extra} keys set (null values remove the key). */
    ModelConfig family(String architecture, Object... extra) throws Exception {
        ObjectNode c = base(architecture);
        for (int i = 0; i < extra.length; i += 2) {
            if (extra[i + 1] == null) {
                c.remove((String) extra[i]);
            } else {
                c.set((String) extra[i], Json.MAPPER.valueToTree(extra[i + 1]));
            }
        }
        return config(Json.MAPPER.writeValueAsString(c));
    }

    static ObjectNode base(String architecture) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.putArray("architectures").add(architecture);
        c.put("vocab_size", 100).put("hidden_size", 64).put("intermediate_size", 128).put("num_hidden_layers", 4)
                .put("num_attention_heads", 4).put("num_key_value_heads", 2);
        if (architecture.startsWith("Gemma") || architecture.startsWith("Qwen3")) {
            c.put("head_dim", 32);
        }
        if (architecture.startsWith("Gemma")) {
            c.put("query_pre_attn_scalar", 16);
        }
        return c;
    }

    String refusal(String architecture, Object... extra) {
        LandscapeException e = assertThrows(LandscapeException.class, () -> family(architecture, extra));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().startsWith(tmp.resolve("config.json") + ": "), e.getMessage());
        return e.getMessage();
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void anUnknownArchitectureIsRefusedInOneLineListingTheSupportedOnes() {
        String m = refusal("Gemma3ForConditionalGeneration");
        assertTrue(m.contains("unsupported architecture 'Gemma3ForConditionalGeneration'"), m);
        for (String a : List.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM",
                "Gemma2ForCausalLM", "Gemma3ForCausalLM", "Phi3ForCausalLM")) {
            assertTrue(m.contains(a), a + " in " + m);
        }
    }

    /**
     * transformers' AutoModelForCausalLM builds the class of {@code model_type}, not of {@code architectures}: a
     * config whose two name different supported families (here a Qwen2 checkpoint labelled Llama, whose q/k/v biases
     * a Llama forward pass would drop) is refused rather than run as either.
     */
    @Test
    void anArchitectureThatDisagreesWithModelTypeIsRefused() {
        String m = refusal("LlamaForCausalLM", "model_type", "qwen2");
        assertTrue(m.contains("architectures names LlamaForCausalLM but model_type 'qwen2' names Qwen2ForCausalLM"), m);
        assertDoesNotThrow(() -> family("LlamaForCausalLM", "model_type", "llama"));
        assertDoesNotThrow(() -> family("Gemma3ForCausalLM", "model_type", "gemma3_text"));
    }

    @Test
    void aConfigWhoseTwoFormsDisagreeIsRefused() {
        String m = refusal("LlamaForCausalLM", "rope_theta", 500000.0,
                "rope_parameters", map("rope_type", "default", "rope_theta", 10000.0));
        assertTrue(m.contains("disagree") && m.contains("rope_theta = 500000.0")
                && m.contains("rope_parameters.rope_theta = 10000.0"), m);
        m = refusal("LlamaForCausalLM", "rope_scaling", map("type", "linear", "factor", 2.0),
                "rope_parameters", map("rope_type", "linear", "factor", 4.0, "rope_theta", 10000.0));
        assertTrue(m.contains("rope_scaling.factor = 2.0") && m.contains("rope_parameters.factor = 4.0"), m);
        m = refusal("Qwen2ForCausalLM", "rope_scaling", map("type", "linear", "factor", 2.0),
                "rope_parameters", map("rope_type", "default", "rope_theta", 10000.0));
        assertTrue(m.contains("rope_scaling.rope_type = linear") && m.contains("rope_parameters.rope_type = default"), m);
        m = refusal("Gemma3ForCausalLM", "rope_local_base_freq", 10000.0, "rope_parameters", map(
                "full_attention", map("rope_type", "default", "rope_theta", 1e6),
                "sliding_attention", map("rope_type", "default", "rope_theta", 20000.0)));
        assertTrue(m.contains("rope_local_base_freq = 10000.0")
                && m.contains("rope_parameters.sliding_attention.rope_theta = 20000.0"), m);
        // equal values stated twice are fine
        assertDoesNotThrow(() -> family("LlamaForCausalLM", "rope_theta", 500000,
                "rope_parameters", map("rope_type", "default", "rope_theta", 500000.0)));
    }

    @Test
    void layerPatternsThatDisagreeAreRefused() {
        String m = refusal("Gemma3ForCausalLM", "sliding_window_pattern", 2, "layer_types",
                List.of("sliding_attention", "sliding_attention", "sliding_attention", "full_attention"));
        assertTrue(m.contains("layer_types") && m.contains("sliding_window_pattern"), m);
        m = refusal("Qwen2ForCausalLM", "use_sliding_window", false, "layer_types",
                List.of("full_attention", "full_attention", "sliding_attention", "sliding_attention"));
        assertTrue(m.contains("layer_types") && m.contains("use_sliding_window"), m);
        m = refusal("Gemma2ForCausalLM", "layer_types", List.of("full_attention", "full_attention"));
        assertTrue(m.contains("layer_types must be a list of 4 entries"), m);
    }

    @Test
    void unsupportedRopeTypesAreRefusedByName() {
        for (String type : List.of("yarn", "dynamic", "longrope", "ntk")) {
            String m = refusal("LlamaForCausalLM", "rope_parameters", map("rope_type", type, "factor", 4.0));
            assertTrue(m.contains("rope type '" + type + "' is not supported (default, linear, llama3)"), m);
            m = refusal("Qwen3ForCausalLM", "rope_scaling", map("type", type, "factor", 4.0));
            assertTrue(m.contains("'" + type + "'"), m);
        }
        String m = refusal("Gemma3ForCausalLM", "rope_scaling", map("rope_type", "yarn", "factor", 8.0));
        assertTrue(m.contains("'yarn' is not supported") && m.contains("full_attention layers"), m);
    }

    @Test
    void phi3LongRopeIsRefusedWithAClearMessage() {
        List<Double> factors = Collections.nCopies(8, 1.0);
        for (String type : List.of("longrope", "su")) {
            String m = refusal("Phi3ForCausalLM", "rope_scaling", map("type", type, "short_factor", factors,
                    "long_factor", factors), "original_max_position_embeddings", 4096, "max_position_embeddings", 131072);
            assertTrue(m.contains("'" + type + "' (Phi-3 long-context LongRoPE) is not supported"), m);
        }
        String m = refusal("Phi3ForCausalLM", "rope_parameters", map("rope_type", "longrope", "short_factor", factors,
                "long_factor", factors, "rope_theta", 10000.0));
        assertTrue(m.contains("LongRoPE"), m);
        m = refusal("Phi3ForCausalLM", "rope_scaling", map("type", "linear", "factor", 2.0));
        assertTrue(m.contains("'linear' is not supported for Phi3ForCausalLM"), m);
    }

    @Test
    void forwardChangingFieldsThatAreNotImplementedAreRefusedByName() {
        assertTrue(refusal("Gemma3ForCausalLM", "attn_logit_softcapping", 50.0).contains("attn_logit_softcapping"));
        assertTrue(refusal("LlamaForCausalLM", "partial_rotary_factor", 0.5).contains("partial_rotary_factor 0.5"));
        assertTrue(refusal("Gemma2ForCausalLM", "hidden_activation", "gelu")
                .contains("hidden_activation 'gelu' is not supported"));
        assertTrue(refusal("LlamaForCausalLM", "hidden_act", "relu").contains("hidden_act 'relu' is not supported"));
        assertTrue(refusal("Gemma3ForCausalLM", "use_bidirectional_attention", true)
                .contains("use_bidirectional_attention"));
        assertTrue(refusal("Qwen2ForCausalLM", "quantization_config", map("quant_method", "gptq"))
                .contains("quantization_config"));
        assertTrue(refusal("LlamaForCausalLM", "rope_scaling", map("rope_type", "llama3", "factor", 8.0))
                .contains("needs low_freq_factor"));
    }

    @Test
    void fieldsWithoutAModelIndependentDefaultAreRequired() {
        assertTrue(refusal("Qwen3ForCausalLM", "head_dim", null).contains("missing head_dim"));
        assertTrue(refusal("Gemma2ForCausalLM", "head_dim", null).contains("missing head_dim"));
        assertTrue(refusal("Gemma3ForCausalLM", "query_pre_attn_scalar", null).contains("missing query_pre_attn_scalar"));
        assertTrue(refusal("Qwen2ForCausalLM", "num_key_value_heads", null).contains("missing num_key_value_heads"));
        assertTrue(refusal("MistralForCausalLM", "num_key_value_heads", null).contains("missing num_key_value_heads"));
        assertTrue(refusal("Phi3ForCausalLM", "num_hidden_layers", null).contains("missing num_hidden_layers"));
    }

    @Test
    void absentKeysTakeTheHuggingFaceClassDefaults() throws Exception {
        ModelConfig g2 = family("Gemma2ForCausalLM");
        assertEquals(50.0, g2.attnSoftcap());
        assertEquals(30.0, g2.finalSoftcap());
        assertEquals(4096, g2.window(0));
        assertEquals(0, g2.window(1)); // layers 0, 2, ... slide
        assertEquals(4096, g2.window(2));
        assertEquals(1 / Math.sqrt(16), g2.queryScale(), 1e-15);
        assertEquals(Math.sqrt(64), g2.embedScale());
        assertTrue(g2.tieWordEmbeddings());
        assertEquals(ModelConfig.Activation.GELU_TANH, g2.activation());
        ModelConfig g2null = family("Gemma2ForCausalLM", "attn_logit_softcapping", Json.MAPPER.nullNode(),
                "final_logit_softcapping", Json.MAPPER.nullNode());
        assertEquals(0.0, g2null.attnSoftcap());
        assertEquals(0.0, g2null.finalSoftcap());

        ModelConfig g3 = family("Gemma3ForCausalLM");
        assertEquals(1e6, g3.rope().theta());
        assertEquals(1e4, g3.localRope().theta());
        assertEquals(0.0, g3.attnSoftcap());
        ModelConfig g3six = family("Gemma3ForCausalLM", "num_hidden_layers", 12);
        for (int i = 0; i < 12; i++) {
            assertEquals(i == 5 || i == 11 ? 0 : 4096, g3six.window(i), "layer " + i); // sliding_window_pattern 6
            assertEquals(i == 5 || i == 11 ? 1e6 : 1e4, g3six.rope(i).theta(), "layer " + i);
        }

        assertEquals(4096, family("MistralForCausalLM").window(0));
        assertEquals(0, family("MistralForCausalLM", "sliding_window", Json.MAPPER.nullNode()).window(0));
        assertEquals(0, family("Phi3ForCausalLM").window(0));
        assertEquals(1e-5, family("Phi3ForCausalLM").rmsNormEps());
        assertEquals(1e-6, family("Qwen2ForCausalLM").rmsNormEps());
        assertEquals(0, family("Qwen2ForCausalLM", "sliding_window", 16, "max_window_layers", 2).window(3));
        ModelConfig q2 = family("Qwen2ForCausalLM", "use_sliding_window", true, "sliding_window", 16,
                "max_window_layers", 2);
        assertEquals(List.of(0, 0, 16, 16), List.of(q2.window(0), q2.window(1), q2.window(2), q2.window(3)));
        assertEquals(2, family("LlamaForCausalLM", "num_key_value_heads", null).numKvHeads() / 2);
        assertEquals(2048, family("LlamaForCausalLM").maxPositionEmbeddings());
        assertEquals(4096, family("Phi3ForCausalLM").maxPositionEmbeddings());
    }

    @Test
    void biasesQkNormsAndFusedProjectionsFollowTheFamily() throws Exception {
        Map<String, long[]> llama = family("LlamaForCausalLM", "attention_bias", true, "mlp_bias", true)
                .expectedTensors();
        for (String t : List.of("q_proj.bias", "k_proj.bias", "v_proj.bias", "o_proj.bias")) {
            assertTrue(llama.containsKey("model.layers.0.self_attn." + t), t);
        }
        assertArrayEquals(new long[] {128}, llama.get("model.layers.3.mlp.up_proj.bias"));
        Map<String, long[]> qwen2 = family("Qwen2ForCausalLM", "attention_bias", false).expectedTensors();
        assertArrayEquals(new long[] {32}, qwen2.get("model.layers.0.self_attn.k_proj.bias"));
        assertTrue(!qwen2.containsKey("model.layers.0.self_attn.o_proj.bias"));
        Map<String, long[]> qwen3 = family("Qwen3ForCausalLM", "attention_bias", true).expectedTensors();
        assertArrayEquals(new long[] {64}, qwen3.get("model.layers.0.self_attn.o_proj.bias"));
        assertArrayEquals(new long[] {32}, qwen3.get("model.layers.0.self_attn.q_norm.weight"));
        assertArrayEquals(new long[] {64, 128}, qwen3.get("model.layers.0.self_attn.o_proj.weight"));
        Map<String, long[]> gemma2 = family("Gemma2ForCausalLM").expectedTensors();
        assertTrue(gemma2.containsKey("model.layers.1.pre_feedforward_layernorm.weight"));
        assertTrue(gemma2.containsKey("model.layers.1.post_feedforward_layernorm.weight"));
        assertTrue(!gemma2.containsKey("lm_head.weight"));
        ModelConfig phi = family("Phi3ForCausalLM", "partial_rotary_factor", 0.75);
        assertEquals(12, phi.rope().dim());
        assertArrayEquals(new long[] {16 * 4 + 2 * 16 * 2, 64}, phi.expectedTensors().get("model.layers.0.self_attn.qkv_proj.weight"));
        assertArrayEquals(new long[] {256, 64}, phi.expectedTensors().get("model.layers.0.mlp.gate_up_proj.weight"));
        assertEquals(List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj"), phi.projectionModules());
    }
}

