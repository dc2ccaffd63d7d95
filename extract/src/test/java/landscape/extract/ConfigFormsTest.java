package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import landscape.core.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A checkpoint saved by transformers 5 states its rotary and layer-pattern settings as {@code rope_parameters}
 * (per layer type for Gemma-3) and {@code layer_types} instead of {@code rope_theta}, {@code rope_scaling},
 * {@code rope_local_base_freq}, {@code sliding_window_pattern}. Both forms must give the same forward pass.
 */
class ConfigFormsTest {
    @TempDir
    Path tmp;

    static Stream<Path> models() {
        return GoldenCases.modelDirs();
    }

    /** Keys of the legacy form, which transformers 5 no longer writes. */
    static final List<String> LEGACY = List.of("rope_theta", "rope_scaling", "rope_local_base_freq",
            "sliding_window_pattern", "partial_rotary_factor");

    /**
     * The config as transformers 5 saves it (configuration_utils / modeling_rope_utils standardize_rope_params and
     * the families' __post_init__): rope settings moved into rope_parameters, the layer pattern as layer_types.
     */
    static ObjectNode toTransformers5(ObjectNode legacy) {
        ObjectNode c = legacy.deepCopy();
        String type = c.path("model_type").asText();
        int layers = c.get("num_hidden_layers").asInt();
        ArrayNode types = Json.MAPPER.createArrayNode();
        if (type.equals("gemma3_text")) {
            ObjectNode rp = Json.MAPPER.createObjectNode();
            ObjectNode full = rp.putObject("full_attention");
            full.put("rope_type", "default");
            if (c.hasNonNull("rope_scaling")) {
                full.setAll((ObjectNode) c.get("rope_scaling"));
            }
            full.put("rope_theta", c.path("rope_theta").asDouble(1e6));
            ObjectNode sliding = rp.putObject("sliding_attention");
            sliding.put("rope_type", "default");
            sliding.put("rope_theta", c.path("rope_local_base_freq").asDouble(1e4));
            int pattern = c.path("sliding_window_pattern").asInt(6);
            for (int i = 0; i < layers; i++) {
                types.add((i + 1) % pattern == 0 ? "full_attention" : "sliding_attention");
            }
            c.put("_sliding_window_pattern", pattern); // written by transformers 5, not read by it
            c.set("rope_parameters", rp);
        } else {
            ObjectNode rp = Json.MAPPER.createObjectNode();
            rp.put("rope_type", "default");
            if (c.hasNonNull("rope_scaling")) {
                rp.setAll((ObjectNode) c.get("rope_scaling"));
                if (rp.has("type")) {
                    rp.put("rope_type", rp.remove("type").asText());
                }
            }
            rp.put("rope_theta", c.path("rope_theta").asDouble(10000.0));
            if (type.equals("phi3")) {
                rp.put("partial_rotary_factor", c.path("partial_rotary_factor").asDouble(1.0));
            }
            c.set("rope_parameters", rp);
            if (type.equals("qwen2") || type.equals("qwen3")) {
                boolean use = c.path("use_sliding_window").asBoolean(false);
                if (!use) {
                    c.putNull("sliding_window");
                }
                int from = c.path("max_window_layers").asInt(28);
                for (int i = 0; i < layers; i++) {
                    types.add(use && i >= from ? "sliding_attention" : "full_attention");
                }
            } else if (type.equals("gemma2")) {
                for (int i = 0; i < layers; i++) {
                    types.add(i % 2 == 0 ? "sliding_attention" : "full_attention");
                }
            }
        }
        if (!types.isEmpty()) {
            c.set("layer_types", types);
        }
        LEGACY.forEach(c::remove);
        return c;
    }

    static void rewriteToTransformers5(ObjectNode c) {
        ObjectNode v5 = toTransformers5(c);
        c.removeAll();
        c.setAll(v5);
    }

    @ParameterizedTest
    @MethodSource("models")
    void theTransformers5FormGivesTheSameOutputsAsTheLegacyOne(Path model) throws Exception {
        JsonNode exp = GoldenCases.expected(model);
        Path v5 = ModelDirs.withConfig(model, tmp.resolve("v5"), ConfigFormsTest::rewriteToTransformers5);
        ObjectNode written = ModelDirs.config(v5);
        assertTrue(written.has("rope_parameters"));
        LEGACY.forEach(k -> assertFalse(written.has(k), k));

        Extractor.Result legacy = GoldenCases.run(model, exp, tmp.resolve("legacy"));
        Extractor.Result current = GoldenCases.run(v5, exp, tmp.resolve("current"));
        assertEquals(0.0, ModelTest.maxDiff(legacy.dir(), current.dir()), "the two forms must give the same numbers");
        double worst = GoldenCases.assertMatchesExpected(exp, current);
        System.out.printf("golden %s, transformers-5 config: max deviation / max(1,|expected|) = %.3g%n",
                model.getFileName(), worst);
    }

    /** Gemma-3's global layers take rope_scaling (linear), its sliding layers do not, in both forms. */
    @Test
    void gemma3ScalesTheRotaryFrequenciesOfItsGlobalLayersOnlyInBothForms() throws Exception {
        Path model = GoldenCases.modelDirs().filter(p -> p.endsWith("tiny-gemma3")).findFirst().orElseThrow();
        JsonNode exp = GoldenCases.expected(model);
        Path legacy = ModelDirs.withConfig(model, tmp.resolve("legacy"), c -> c.set("rope_scaling",
                Json.MAPPER.createObjectNode().put("rope_type", "linear").put("factor", 8.0)));
        Path v5 = ModelDirs.withConfig(legacy, tmp.resolve("v5"), ConfigFormsTest::rewriteToTransformers5);
        assertEquals("linear", ModelDirs.config(v5).at("/rope_parameters/full_attention/rope_type").asText());
        assertEquals("default", ModelDirs.config(v5).at("/rope_parameters/sliding_attention/rope_type").asText());
        Extractor.Result plain = GoldenCases.run(model, exp, tmp.resolve("o-plain"));
        Extractor.Result a = GoldenCases.run(legacy, exp, tmp.resolve("o-legacy"));
        Extractor.Result b = GoldenCases.run(v5, exp, tmp.resolve("o-v5"));
        assertEquals(0.0, ModelTest.maxDiff(a.dir(), b.dir()));
        assertTrue(ModelTest.maxDiff(plain.dir(), a.dir()) > 1e-3, "the scaling must change the result");
    }

    /** Llama-3.1's llama3 rope scaling read from rope_parameters equals the legacy rope_scaling. */
    @Test
    void llama3RopeScalingIsTheSameInBothForms() throws Exception {
        Path model = GoldenCases.modelDirs().filter(p -> p.endsWith("tiny-llama3")).findFirst().orElseThrow();
        JsonNode exp = GoldenCases.expected(model);
        // a small original context so that the scaling changes frequencies the 249-token prompts use
        Path legacy = ModelDirs.withConfig(model, tmp.resolve("legacy"), c -> c.set("rope_scaling",
                Json.MAPPER.createObjectNode().put("rope_type", "llama3").put("factor", 8.0)
                        .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0)
                        .put("original_max_position_embeddings", 64)));
        Path v5 = ModelDirs.withConfig(legacy, tmp.resolve("v5"), ConfigFormsTest::rewriteToTransformers5);
        assertEquals(64, ModelDirs.config(v5).at("/rope_parameters/original_max_position_embeddings").asInt());
        Extractor.Result plain = GoldenCases.run(model, exp, tmp.resolve("o-plain"));
        Extractor.Result a = GoldenCases.run(legacy, exp, tmp.resolve("o-legacy"));
        Extractor.Result b = GoldenCases.run(v5, exp, tmp.resolve("o-v5"));
        assertEquals(0.0, ModelTest.maxDiff(a.dir(), b.dir()));
        assertTrue(ModelTest.maxDiff(plain.dir(), a.dir()) > 1e-3, "the scaling must change the result");
    }
}
