package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import landscape.core.LandscapeException;
import landscape.core.format.Checkpoint;
import landscape.core.format.DType;
import landscape.core.format.Safetensors;
import landscape.core.format.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEFT LoRA on Phi-3's fused projections: qkv_proj and gate_up_proj are merged whole, before they are split. */
class FusedLoraTest {
    @TempDir
    Path tmp;

    static final List<String> MODULES = List.of("model.layers.0.self_attn.qkv_proj", "model.layers.2.mlp.gate_up_proj");

    static Path phi3() {
        return GoldenCases.modelDirs().filter(p -> p.endsWith("tiny-phi3")).findFirst().orElseThrow();
    }

    @Test
    void aRankOneAdapterOnFusedProjectionsEqualsTheMergedCheckpoint() throws Exception {
        Path model = phi3();
        JsonNode exp = GoldenCases.expected(model);
        Path adapter = Files.createDirectories(tmp.resolve("adapter"));
        Files.writeString(adapter.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 1, \"lora_alpha\": 2,"
                + " \"target_modules\": [\"qkv_proj\", \"gate_up_proj\"]}");
        Map<String, Tensor> lora = new LinkedHashMap<>();
        Map<String, Tensor> merged = new LinkedHashMap<>();
        SplittableRandom rnd = new SplittableRandom(3);
        try (Checkpoint c = Checkpoint.open(model)) {
            for (String mod : MODULES) {
                Tensor w = c.get(mod + ".weight");
                int out = (int) w.shape()[0];
                int in = (int) w.shape()[1];
                double[] a = new double[in];
                double[] b = new double[out];
                for (int i = 0; i < in; i++) {
                    a[i] = rnd.nextGaussian() * 0.5;
                }
                for (int i = 0; i < out; i++) {
                    b[i] = rnd.nextGaussian() * 0.5;
                }
                lora.put("base_model.model." + mod + ".lora_A.weight", Tensor.ofDoubles(DType.F32, new long[] {1, in}, a));
                lora.put("base_model.model." + mod + ".lora_B.weight", Tensor.ofDoubles(DType.F32, new long[] {out, 1}, b));
                double[] v = w.toDoubleArray();
                for (int i = 0; i < out; i++) {
                    for (int j = 0; j < in; j++) {
                        v[i * in + j] += 2.0 * b[i] * a[j]; // alpha / r = 2
                    }
                }
                merged.put(mod + ".weight", Tensor.ofDoubles(DType.F32, w.shape(), v));
            }
        }
        Safetensors.write(adapter.resolve("adapter_model.safetensors"), lora, Map.of("format", "pt"));
        Path mergedModel = ModelDirs.withWeights(model, tmp.resolve("merged"), merged);
        Path prompts = GoldenCases.promptsFile(exp, tmp);
        Extractor.Result viaAdapter = Extractor.run(ExtractOptions.builder(model, tmp.resolve("a")).prompts(prompts)
                .adapter(adapter).build());
        Extractor.Result viaMerged = Extractor.run(ExtractOptions.builder(mergedModel, tmp.resolve("b")).prompts(prompts)
                .build());
        Extractor.Result base = Extractor.run(ExtractOptions.builder(model, tmp.resolve("c")).prompts(prompts).build());
        double d = ModelTest.maxDiff(viaAdapter.dir(), viaMerged.dir());
        assertTrue(d <= 1e-4, "adapter vs merged checkpoint: " + d);
        assertTrue(ModelTest.maxDiff(viaAdapter.dir(), base.dir()) > 1e-2, "the adapter must change something");
    }

    @Test
    void anAdapterNamingUnfusedProjectionsOfPhi3IsRefusedByName() throws Exception {
        Path adapter = Files.createDirectories(tmp.resolve("adapter"));
        Files.writeString(adapter.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 1, \"lora_alpha\": 2,"
                + " \"target_modules\": [\"q_proj\", \"v_proj\"]}");
        Path prompts = GoldenCases.promptsFile(GoldenCases.expected(phi3()), tmp);
        LandscapeException e = assertThrows(LandscapeException.class, () -> Extractor.run(
                ExtractOptions.builder(phi3(), tmp.resolve("o")).prompts(prompts).adapter(adapter).build()));
        assertTrue(e.getMessage().contains("target module 'q_proj' is not supported for Phi3ForCausalLM (among qkv_proj,"
                + " o_proj, gate_up_proj, down_proj)"), e.getMessage());
    }
}
