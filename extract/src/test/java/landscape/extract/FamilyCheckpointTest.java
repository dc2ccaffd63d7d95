package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import landscape.core.LandscapeException;
import landscape.core.format.DType;
import landscape.core.format.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A checkpoint whose config names a supported family but lacks a required field or tensor, or holds a tensor of the
 * wrong shape, is refused before any forward pass with one line that names the file and the problem.
 */
class FamilyCheckpointTest {
    @TempDir
    Path tmp;

    static Stream<Path> models() {
        return GoldenCases.modelDirs();
    }

    /** A tensor only this family has (or, for Llama, an ordinary one). */
    static final Map<String, String> FAMILY_TENSOR = Map.of(
            "tiny-llama3", "model.layers.1.self_attn.q_proj.weight",
            "tiny-qwen2", "model.layers.1.self_attn.k_proj.bias",
            "tiny-qwen3", "model.layers.1.self_attn.q_norm.weight",
            "tiny-gemma2", "model.layers.1.pre_feedforward_layernorm.weight",
            "tiny-gemma3", "model.layers.1.self_attn.k_norm.weight",
            "tiny-phi3", "model.layers.1.self_attn.qkv_proj.weight");

    /** A config field the family needs and has no default for. */
    static final Map<String, String> FAMILY_FIELD = Map.of(
            "tiny-llama3", "hidden_size",
            "tiny-qwen2", "num_key_value_heads",
            "tiny-qwen3", "head_dim",
            "tiny-gemma2", "query_pre_attn_scalar",
            "tiny-gemma3", "head_dim",
            "tiny-phi3", "intermediate_size");

    LandscapeException refused(Path model) throws Exception {
        JsonNode exp = GoldenCases.expected(GoldenCases.modelDirs().filter(p -> p.getFileName().equals(
                model.getFileName())).findFirst().orElseThrow());
        Path out = tmp.resolve("out");
        LandscapeException e = assertThrows(LandscapeException.class, () -> GoldenCases.run(model, exp, out));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(Files.notExists(out), "nothing may be written");
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("partial")), "no staging left");
        }
        return e;
    }

    @ParameterizedTest
    @MethodSource("models")
    void aMissingConfigFieldIsRefused(Path golden) throws Exception {
        String field = FAMILY_FIELD.get(golden.getFileName().toString());
        Path model = ModelDirs.withConfig(golden, tmp.resolve(golden.getFileName()), c -> c.remove(field));
        String m = refused(model).getMessage();
        assertTrue(m.startsWith(model.resolve("config.json") + ": ") && m.contains("missing " + field), m);
    }

    @ParameterizedTest
    @MethodSource("models")
    void aMissingTensorIsRefused(Path golden) throws Exception {
        String tensor = FAMILY_TENSOR.get(golden.getFileName().toString());
        Map<String, Tensor> drop = new HashMap<>();
        drop.put(tensor, null);
        Path model = ModelDirs.withWeights(golden, tmp.resolve(golden.getFileName()), drop);
        String m = refused(model).getMessage();
        assertTrue(m.startsWith(model.resolve("model.safetensors") + ": does not match config.json"), m);
        assertTrue(m.contains("missing 1 tensor(s): " + tensor), m);
    }

    @ParameterizedTest
    @MethodSource("models")
    void aTensorOfTheWrongShapeIsRefused(Path golden) throws Exception {
        String tensor = FAMILY_TENSOR.get(golden.getFileName().toString());
        long[] shape;
        try (landscape.core.format.Checkpoint c = landscape.core.format.Checkpoint.open(golden)) {
            shape = c.entry(tensor).shape().clone();
        }
        long[] wrong = shape.clone();
        wrong[0] -= 1;
        long n = 1;
        for (long d : wrong) {
            n *= d;
        }
        Map<String, Tensor> replace = Map.of(tensor, Tensor.ofDoubles(DType.F32, wrong, new double[(int) n]));
        Path model = ModelDirs.withWeights(golden, tmp.resolve(golden.getFileName()), replace);
        String m = refused(model).getMessage();
        assertTrue(m.startsWith(model.resolve("model.safetensors") + ": "), m);
        assertTrue(m.contains(tensor + " has shape " + Arrays.toString(wrong) + ", config needs "
                + Arrays.toString(shape)), m);
    }
    /**
     * A tensor the config gives no use to (here an o_proj bias that attention_bias = false, or Qwen2's class, leaves
     * out) means config.json and the weights disagree; running without it would give other numbers than the
     * checkpoint was trained with, so it is refused by name.
     */
    @ParameterizedTest
    @MethodSource("models")
    void aTensorTheConfigDoesNotUseIsRefused(Path golden) throws Exception {
        String tensor = "model.layers.1.self_attn.o_proj.bias";
        Map<String, Tensor> add = Map.of(tensor, Tensor.ofDoubles(DType.F32, new long[] {64}, new double[64]));
        Path model = ModelDirs.withWeights(golden, tmp.resolve(golden.getFileName()), add);
        String m = refused(model).getMessage();
        assertTrue(m.startsWith(model.resolve("model.safetensors") + ": does not match config.json"), m);
        assertTrue(m.contains("1 tensor(s) that config.json gives no use: " + tensor), m);
    }

    /** Rotary tables saved by transformers before 4.31 are buffers it recomputes; they are skipped, as it does. */
    @ParameterizedTest
    @MethodSource("models")
    void savedRotaryTablesAreNotRefused(Path golden) throws Exception {
        Map<String, Tensor> add = Map.of("model.layers.0.self_attn.rotary_emb.inv_freq",
                Tensor.ofDoubles(DType.F32, new long[] {8}, new double[8]));
        Path model = ModelDirs.withWeights(golden, tmp.resolve(golden.getFileName()), add);
        try (landscape.core.format.Checkpoint c = landscape.core.format.Checkpoint.open(model)) {
            landscape.extract.model.WeightLoader.validate(c, landscape.extract.model.ModelConfig.read(model));
        }
    }
}
