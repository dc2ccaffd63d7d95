package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.LandscapeVersion;
import landscape.core.Matrix;
import landscape.core.format.Checkpoint;
import landscape.core.format.DType;
import landscape.core.format.Safetensors;
import landscape.core.format.Tensor;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.core.run.Sample;
import landscape.core.testing.Tolerance;
import landscape.extract.model.LoraAdapter;
import landscape.extract.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelTest {
    @TempDir
    Path tmp;

    static ModelWriter.Spec spec(DType dtype, boolean tied) {
        return new ModelWriter.Spec(2, 32, 4, 2, 64, 270, 10000.0, tied, dtype);
    }

    Path tiny(String name, ModelWriter.Spec s) {
        Path dir = tmp.resolve(name);
        ModelWriter.write(dir, s, 42);
        return dir;
    }

    ExtractOptions.Builder sampleRun(Path model, int shots, String out) {
        return ExtractOptions.builder(model, tmp.resolve(out)).dataset(PromptTemplateTest.SAMPLE, "test", shots);
    }

    static double maxDiff(Matrix a, Matrix b) {
        assertEquals(a.rows(), b.rows());
        assertEquals(a.cols(), b.cols());
        return Tolerance.maxAbsDifference(a.data(), b.data());
    }

    static double maxDiff(Path dirA, Path dirB) {
        RepresentationDir a = RepresentationDir.open(dirA);
        RepresentationDir b = RepresentationDir.open(dirB);
        double d = 0;
        for (Manifest.Point p : a.points()) {
            d = Math.max(d, maxDiff(a.readMatrix(p.index()), b.readMatrix(p.index())));
        }
        return d;
    }

    @Test
    void batchedExtractionEqualsOneByOne() {
        Path m = tiny("m", spec(DType.F32, false));
        Extractor.Result one = Extractor.run(sampleRun(m, 2, "one").batchTokens(1).build());
        Extractor.Result many = Extractor.run(sampleRun(m, 2, "many").batchTokens(4096).build());
        assertEquals(10, one.stats().batches());
        assertTrue(many.stats().batches() < 10);
        assertTrue(maxDiff(one.dir(), many.dir()) <= 1e-5, "deviation " + maxDiff(one.dir(), many.dir()));
        assertEquals(RepresentationDir.open(one.dir()).samples(), RepresentationDir.open(many.dir()).samples());
    }

    @Test
    void representationDirectoryHasManifestSamplesAndChecksums() throws Exception {
        Path m = tiny("m", spec(DType.F32, false));
        Extractor.Result r = Extractor.run(sampleRun(m, 0, "o").layers("0,2-3").build());
        RepresentationDir d = RepresentationDir.open(r.dir());
        assertEquals(List.of(0, 2, 3), d.points().stream().map(Manifest.Point::index).toList());
        assertEquals("lm_head", d.point(3).module());
        assertEquals(270, d.info(3).dim());
        assertEquals(10, d.info(0).rows());
        for (Manifest.Point p : d.points()) {
            assertEquals(RepresentationDir.sha256(d.pointFile(p.index())), p.sha256());
        }
        List<Sample> s = d.samples();
        assertEquals(10, s.size());
        assertEquals("high_school_geography", s.get(9).subject());
        Manifest.Accuracy acc = d.manifest().accuracy();
        assertEquals(2, acc.perSubject().size());
        long correct = s.stream().filter(x -> x.answer().equals(x.constrainedPrediction())).count();
        assertEquals(correct / 10.0, acc.constrainedMicro(), 1e-12);
        assertTrue(s.stream().allMatch(x -> List.of("A", "B", "C", "D").contains(x.constrainedPrediction())));
        assertEquals("f32", d.manifest().computeDtype());
        assertEquals(LandscapeVersion.get(), d.manifest().toolVersion());
        assertTrue(Files.list(tmp).noneMatch(p -> p.getFileName().toString().contains("partial")));
    }

    @Test
    void maskSelectsRowsAndKeepsTheirIds() throws Exception {
        Path m = tiny("m", spec(DType.F32, false));
        Path mask = tmp.resolve("mask.npy");
        landscape.core.format.Npy.write(mask, Tensor.ofLongs(new long[] {7, 2, 9}));
        Extractor.Result all = Extractor.run(sampleRun(m, 1, "all").build());
        Extractor.Result some = Extractor.run(sampleRun(m, 1, "some").mask(mask).build());
        List<Sample> s = RepresentationDir.open(some.dir()).samples();
        assertEquals(List.of(2L, 7L, 9L), s.stream().map(Sample::datasetIndex).toList());
        Matrix a = RepresentationDir.open(all.dir()).readMatrix(1);
        Matrix b = RepresentationDir.open(some.dir()).readMatrix(1);
        for (int j = 0; j < a.cols(); j++) {
            assertEquals(a.data()[7 * a.cols() + j], b.data()[a.cols() + j], 1e-5);
        }
    }

    @Test
    void bf16AndF16CheckpointsLoadAsTheirExactF32Values() {
        for (DType stored : List.of(DType.BF16, DType.F16)) {
            Path low = tiny("low" + stored, spec(stored, false));
            Path f32 = tmp.resolve("f32" + stored);
            rewrite(low, f32, Map.of(), DType.F32);
            Extractor.Result a = Extractor.run(sampleRun(low, 0, "a" + stored).build());
            Extractor.Result b = Extractor.run(sampleRun(f32, 0, "b" + stored).build());
            assertEquals(0.0, maxDiff(a.dir(), b.dir()), stored + " decode differs from its f32 values");
        }
    }

    @Test
    void f16ComputeOnTheCpuFollowsF32AndWritesF16Files() {
        Path m = tiny("m", spec(DType.F32, false));
        Extractor.Result f32 = Extractor.run(sampleRun(m, 1, "f32").build());
        Extractor.Result f16 = Extractor.run(sampleRun(m, 1, "f16").dtype("f16").build());
        RepresentationDir d = RepresentationDir.open(f16.dir());
        assertEquals("f16", d.manifest().computeDtype());
        assertEquals(DType.F16, d.info(0).dtype());
        for (Manifest.Point p : d.points()) {
            Matrix a = RepresentationDir.open(f32.dir()).readMatrix(p.index());
            Matrix b = d.readMatrix(p.index());
            Tolerance.scaled("f16 point " + p.index(), a.data(), b.data(), 2e-2);
        }
    }

    @Test
    void tiedEmbeddingsNeedNoLmHead() throws Exception {
        Path m = tiny("tied", spec(DType.F32, true));
        try (Checkpoint c = Checkpoint.open(m)) {
            assertTrue(!c.has("lm_head.weight"));
        }
        Extractor.Result r = Extractor.run(sampleRun(m, 0, "o").limit(2).layers("2-3").build());
        RepresentationDir d = RepresentationDir.open(r.dir());
        Matrix normed = d.readMatrix(2);
        Matrix logits = d.readMatrix(3);
        double[] emb;
        try (Checkpoint c = Checkpoint.open(m)) {
            emb = c.get("model.embed_tokens.weight").toDoubleArray();
        }
        for (int row = 0; row < 2; row++) {
            for (int v = 0; v < 270; v++) {
                double s = 0;
                for (int j = 0; j < 32; j++) {
                    s += normed.data()[row * 32 + j] * emb[v * 32 + j];
                }
                assertEquals(s, logits.data()[row * 270 + v], 1e-4);
            }
        }
    }

    @Test
    void mistralWithAWideSlidingWindowEqualsLlamaAndANarrowOneDiffers() throws Exception {
        Path m = tiny("m", spec(DType.F32, false));
        Extractor.Result llama = Extractor.run(sampleRun(m, 0, "llama").limit(3).layers("0-2").build());
        String cfg = Files.readString(m.resolve("config.json")).replace("LlamaForCausalLM", "MistralForCausalLM")
                .replaceAll("\"model_type\"\\s*:\\s*\"llama\"", "\"model_type\": \"mistral\"");
        Files.writeString(m.resolve("config.json"), cfg.replace("{", "{\"sliding_window\": 4096,"));
        Extractor.Result wide = Extractor.run(sampleRun(m, 0, "wide").limit(3).layers("0-2").build());
        assertEquals("MistralForCausalLM", wide.manifest().model().architecture());
        assertEquals(0.0, maxDiff(llama.dir(), wide.dir()));
        Files.writeString(m.resolve("config.json"), cfg.replace("{", "{\"sliding_window\": 4,"));
        Extractor.Result narrow = Extractor.run(sampleRun(m, 0, "narrow").limit(3).layers("0-2").build());
        assertTrue(maxDiff(llama.dir(), narrow.dir()) > 1e-3);
    }

    @Test
    void zeroLoraBChangesNothing() throws Exception {
        Path m = tiny("m", spec(DType.F32, false));
        Path adapter = writeAdapter(tmp.resolve("zero"), 1, 4.0, true);
        Extractor.Result base = Extractor.run(sampleRun(m, 0, "base").build());
        Extractor.Result lora = Extractor.run(sampleRun(m, 0, "lora").adapter(adapter).build());
        assertEquals(0.0, maxDiff(base.dir(), lora.dir()));
        assertTrue(lora.manifest().adapter().contains("zero"));
        assertEquals(null, base.manifest().adapter());
    }

    @Test
    void rankOneLoraEqualsTheCheckpointWithMergedWeights() throws Exception {
        Path m = tiny("m", spec(DType.F32, false));
        Path adapter = writeAdapter(tmp.resolve("r1"), 1, 4.0, false);
        // merged checkpoint written out in Java: W + (alpha/r) B A in float64, stored as F32
        Map<String, double[]> delta = new LinkedHashMap<>();
        try (Safetensors.Reader r = Safetensors.open(adapter.resolve("adapter_model.safetensors"))) {
            for (String mod : List.of("model.layers.0.self_attn.q_proj", "model.layers.1.mlp.down_proj")) {
                Tensor a = r.get("base_model.model." + mod + ".lora_A.weight");
                Tensor b = r.get("base_model.model." + mod + ".lora_B.weight");
                double[] av = a.toDoubleArray();
                double[] bv = b.toDoubleArray();
                int out = (int) b.shape()[0];
                int in = (int) a.shape()[1];
                double[] d = new double[out * in];
                for (int i = 0; i < out; i++) {
                    for (int j = 0; j < in; j++) {
                        d[i * in + j] = 4.0 * bv[i] * av[j];
                    }
                }
                delta.put(mod + ".weight", d);
            }
        }
        Path merged = tmp.resolve("merged");
        rewrite(m, merged, delta, DType.F32);
        Extractor.Result viaAdapter = Extractor.run(sampleRun(m, 2, "a").adapter(adapter).build());
        Extractor.Result viaMerged = Extractor.run(sampleRun(merged, 2, "b").build());
        Extractor.Result base = Extractor.run(sampleRun(m, 2, "c").build());
        double d = maxDiff(viaAdapter.dir(), viaMerged.dir());
        assertTrue(d <= 1e-4, "adapter vs merged checkpoint: " + d);
        assertTrue(maxDiff(viaAdapter.dir(), base.dir()) > 1e-2, "the adapter must change something");
    }

    /** An adapter_config.json without lora_alpha takes PEFT's LoraConfig default, 8 (not r: scale 1). */
    @Test
    void anAdapterWithoutLoraAlphaTakesPeftsDefaultOfEight() throws Exception {
        Path m = tiny("m", spec(DType.F32, false));
        Path adapter = writeAdapter(tmp.resolve("noalpha"), 2, 4.0, false);
        String cfg = Files.readString(adapter.resolve("adapter_config.json")).replace("\"lora_alpha\": 4.0, ", "");
        Files.writeString(adapter.resolve("adapter_config.json"), cfg);
        LoraAdapter a = LoraAdapter.read(adapter, ModelConfig.read(m));
        assertEquals(8.0, a.alpha());
        assertEquals(4.0, a.scale());
    }

    @Test
    void adapterTargetingAnUnknownModuleIsRefused() throws Exception {
        Path m = tiny("m", spec(DType.F32, false));
        Path adapter = writeAdapter(tmp.resolve("bad"), 1, 4.0, false);
        String cfg = Files.readString(adapter.resolve("adapter_config.json")).replace("down_proj", "lm_head");
        Files.writeString(adapter.resolve("adapter_config.json"), cfg);
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> Extractor.run(sampleRun(m, 0, "o").adapter(adapter).build()));
        assertTrue(e.getMessage().contains("lm_head"), e.getMessage());
    }

    @Test
    void unknownArchitectureMissingTensorsAndWrongShapesAreListed() throws Exception {
        Path m = tiny("m", spec(DType.F32, false));
        String cfg = Files.readString(m.resolve("config.json"));
        Files.writeString(m.resolve("config.json"), cfg.replace("LlamaForCausalLM", "GPT2LMHeadModel"));
        LandscapeException e = assertThrows(LandscapeException.class, () -> Extractor.run(sampleRun(m, 0, "o").build()));
        assertTrue(e.getMessage().contains("GPT2LMHeadModel") && e.getMessage().contains("config.json"), e.getMessage());
        Files.writeString(m.resolve("config.json"), cfg.replace("\"num_hidden_layers\" : 2", "\"num_hidden_layers\" : 3")
                .replace("\"intermediate_size\" : 64", "\"intermediate_size\" : 65"));
        e = assertThrows(LandscapeException.class, () -> Extractor.run(sampleRun(m, 0, "o").build()));
        assertTrue(e.getMessage().contains("missing 9 tensor(s)"), e.getMessage());
        assertTrue(e.getMessage().contains("model.layers.2.input_layernorm.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("model.layers.0.mlp.gate_proj.weight has shape [64, 32], config needs [65, 32]"),
                e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void tinyModelTokenizerHasSingleTokenLettersAndBos() {
        Path m = tiny("m", spec(DType.F32, false));
        try (TextTokenizer t = TextTokenizer.open(m)) {
            assertArrayEquals(new long[] {65, 66, 67, 68}, t.letterIds());
            assertArrayEquals(new long[] {ModelWriter.BOS, 65, 110, 115, 119, 101, 114, 58, 256, 10},
                    t.encode("Answer: A\n"));
            assertEquals(" B", t.decode(257));
            assertEquals(3001, t.encode("x".repeat(3000)).length, "no truncation");
        }
    }

    /** Copies a model directory, adding {@code delta} to some weights and storing all weights as {@code dtype}. */
    static void rewrite(Path from, Path to, Map<String, double[]> delta, DType dtype) {
        try {
            Files.createDirectories(to);
            for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
                Files.copy(from.resolve(f), to.resolve(f));
            }
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (Checkpoint c = Checkpoint.open(from)) {
            for (String n : c.names()) {
                Tensor t = c.get(n);
                double[] v = t.toDoubleArray();
                double[] d = delta.get(n);
                if (d != null) {
                    for (int i = 0; i < v.length; i++) {
                        v[i] += d[i];
                    }
                }
                out.put(n, Tensor.ofDoubles(dtype, t.shape(), v));
            }
        }
        Safetensors.write(to.resolve("model.safetensors"), out, Map.of("format", "pt"));
    }

    /** A PEFT adapter on layer 0 q_proj and layer 1 down_proj of the 32-wide test model. */
    static Path writeAdapter(Path dir, int r, double alpha, boolean zeroB) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": " + r
                + ", \"lora_alpha\": " + alpha + ", \"target_modules\": [\"q_proj\", \"down_proj\"],"
                + " \"base_model_name_or_path\": \"tiny\"}");
        SplittableRandom rnd = new SplittableRandom(5);
        Map<String, Tensor> t = new LinkedHashMap<>();
        int[][] shapes = {{32, 32}, {32, 64}}; // q_proj [out, in], down_proj [out, in]
        String[] mods = {"model.layers.0.self_attn.q_proj", "model.layers.1.mlp.down_proj"};
        for (int k = 0; k < 2; k++) {
            int out = shapes[k][0];
            int in = shapes[k][1];
            double[] a = new double[r * in];
            double[] b = new double[out * r];
            for (int i = 0; i < a.length; i++) {
                a[i] = rnd.nextGaussian() * 0.5;
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = zeroB ? 0 : rnd.nextGaussian() * 0.5;
            }
            t.put("base_model.model." + mods[k] + ".lora_A.weight", Tensor.ofDoubles(DType.F32, new long[] {r, in}, a));
            t.put("base_model.model." + mods[k] + ".lora_B.weight", Tensor.ofDoubles(DType.F32, new long[] {out, r}, b));
        }
        Safetensors.write(dir.resolve("adapter_model.safetensors"), t, Map.of("format", "pt"));
        Json.MAPPER.readTree(dir.resolve("adapter_config.json").toFile());
        return dir;
    }
}
