package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
