package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.Sizes;
import landscape.core.cli.UsageError;
import landscape.core.format.Checkpoint;
import landscape.core.format.DType;
import landscape.extract.model.ModelConfig;
import landscape.extract.model.Placement;
import landscape.extract.placement.DeviceSpec;
import landscape.extract.placement.MemoryModel;
import landscape.extract.placement.PlacementOptions;
import landscape.extract.placement.Plan;
import landscape.extract.placement.Planner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The planner on the real configurations of the paper's large models (make-model's presets: the config.json files
 * published with Llama-3-8B, Llama-3-70B, Llama-2-70B and Mistral-7B), each written as a header-only checkpoint
 * (make-model --empty: the safetensors headers with the published shapes, the data sparse zeros) sharded as on the
 * hub. Device memory is given, as when planning a GPU job from a login node.
 */
class PlannerTest {
    static final long GIB = 1L << 30;

    @TempDir
    static Path models;

    static Path llama3_8b;
    static Path llama3_70b;
    static Path llama2_70b;
    static Path mistral7b;

    @BeforeAll
    static void writeHeaderOnlyCheckpoints() {
        llama3_8b = empty("llama-3-8b", DType.BF16, 4);
        llama3_70b = empty("llama-3-70b", DType.BF16, 30);
        llama2_70b = empty("llama-2-70b", DType.F16, 15);
        mistral7b = empty("mistral-7b", DType.BF16, 2);
    }

    static Path empty(String preset, DType dtype, int shards) {
        Path dir = models.resolve(preset);
        ModelWriter.write(dir, ModelWriter.preset(preset), dtype, 0, shards, true);
        return dir;
    }

    static List<DeviceSpec> gpus(int n) {
        List<DeviceSpec> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new DeviceSpec("gpu:" + i, true, i));
        }
        return out;
    }

    static Plan plan(Path model, String dtype, List<DeviceSpec> devices, String memory, String placement,
                     String ranges) {
        ModelConfig c = ModelConfig.read(model);
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            landscape.extract.model.WeightLoader.validate(ckpt, c);
        }
        DataType type = dtype.equals("f16") ? DataType.FLOAT16 : DataType.FLOAT32;
        PlacementOptions po = new PlacementOptions(null, placement, ranges, memory, null, null);
        return po.plan(new MemoryModel(c, type), type, devices, new Planner.Workload(4096, 4096, 128), false);
    }

    @Test
    void thePresetsAreThePublishedConfigurations() {
        ModelConfig l8 = ModelConfig.read(llama3_8b);
        assertEquals(List.of(128256, 4096, 14336, 32, 32, 8, 128), List.of(l8.vocabSize(), l8.hiddenSize(),
                l8.intermediateSize(), l8.numLayers(), l8.numHeads(), l8.numKvHeads(), l8.headDim()));
        assertEquals(500000.0, l8.rope().theta());
        ModelConfig l70 = ModelConfig.read(llama3_70b);
        assertEquals(List.of(128256, 8192, 28672, 80, 64, 8), List.of(l70.vocabSize(), l70.hiddenSize(),
                l70.intermediateSize(), l70.numLayers(), l70.numHeads(), l70.numKvHeads()));
        ModelConfig l2 = ModelConfig.read(llama2_70b);
        assertEquals(List.of(32000, 8192, 28672, 80, 64, 8, 4096), List.of(l2.vocabSize(), l2.hiddenSize(),
                l2.intermediateSize(), l2.numLayers(), l2.numHeads(), l2.numKvHeads(), l2.maxPositionEmbeddings()));
        assertEquals(10000.0, l2.rope().theta());
        ModelConfig m = ModelConfig.read(mistral7b);
        assertEquals("MistralForCausalLM", m.architecture());
        assertEquals(4096, m.window(0));
        ModelConfig l31 = ModelConfig.read(empty("llama-3.1-8b", DType.BF16, 4));
        assertEquals("llama3", l31.rope().type());
        assertEquals(8.0, l31.rope().factor());
    }

    /**
     * The weights' bytes equal the published checkpoints' total_size (model.safetensors.index.json on the hub):
     * 16060522496 (Llama-3-8B, bf16), 141107412992 (Llama-3-70B, bf16), 14483464192 (Mistral-7B, bf16); Llama-2-70B
     * has 68,976,648,192 parameters (f16: 137953296384 bytes).
     */
    @Test
    void weightBytesAreThePublishedCheckpointSizes() throws Exception {
        assertEquals(16060522496L, totalSize(llama3_8b));
        assertEquals(141107412992L, totalSize(llama3_70b));
        assertEquals(14483464192L, totalSize(mistral7b));
        assertEquals(137953296384L, totalSize(llama2_70b));
        assertEquals(141107412992L, plan(llama3_70b, "f16", gpus(2), "80G", null, null).totalWeights());
        assertEquals(2 * 16060522496L, plan(llama3_8b, "f32", List.of(new DeviceSpec("cpu", false, 0)), "64G", null,
                null).totalWeights());
        // header only: the 141 GB of shards take no space
        long onDisk = 0;
        try (Stream<Path> files = Files.list(llama3_70b)) {
            for (Path f : files.toList()) {
                onDisk += ((Number) Files.getAttribute(f, "unix:blocks", LinkOption.NOFOLLOW_LINKS))
                        .longValue() * 512;
            }
        } catch (UnsupportedOperationException | IllegalArgumentException notUnix) {
            return;
        }
        assertTrue(onDisk < 64L << 20, "sparse shards, " + onDisk + " bytes on disk");
    }

    static long totalSize(Path model) throws Exception {
        return Json.MAPPER.readTree(model.resolve(Checkpoint.INDEX).toFile()).get("metadata").get("total_size")
                .asLong();
    }

    @Test
    void llama3_70bInF16FitsTwoAndFour80GbGpusResident() {
        Plan two = plan(llama3_70b, "f16", gpus(2), "80G", null, null);
        assertEquals(Placement.Mode.RESIDENT, two.placement().mode());
        assertEquals("0-39,40-79", two.rangesText());
        assertTrue(two.fits());
        for (Planner.Use u : two.uses()) {
            assertTrue(u.total() <= 80 * GIB && u.total() > 60 * GIB, u.toString());
        }
        assertTrue(two.uses().get(0).embedding() && !two.uses().get(0).lmHead());
        assertTrue(two.uses().get(1).lmHead() && !two.uses().get(1).embedding());
        Plan four = plan(llama3_70b, "f16", gpus(4), "80G", null, null);
        assertEquals(Placement.Mode.RESIDENT, four.placement().mode());
        assertEquals(4, four.gpus());
        assertEquals("0-19,20-39,40-59,60-79", four.rangesText());
        Plan llama2 = plan(llama2_70b, "f16", gpus(2), "80G", null, null);
        assertEquals(Placement.Mode.RESIDENT, llama2.placement().mode());
    }

    @Test
    void llama3_70bInF16OnOne80GbGpuStreams() {
        Plan one = plan(llama3_70b, "f16", gpus(1), "80G", null, null);
        assertEquals(Placement.Mode.STREAM, one.placement().mode());
        Planner.Use u = one.uses().get(0);
        // two layers of 1.6 GiB in f16, the final norm and one 256 MiB block of the lm_head
        assertTrue(u.weights() < 4 * GIB, u.toString());
        assertTrue(u.total() <= 80 * GIB);
        assertEquals(4 * GIB, one.passBytes());
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> plan(llama3_70b, "f16", gpus(1), "80G", "resident", null));
        assertTrue(e.getMessage().contains("gpu:0 (resident, layers 0-79) needs 136."), e.getMessage());
        assertTrue(e.getMessage().contains("would fit: --placement stream"), e.getMessage());
        assertTrue(e.getMessage().contains("2 device(s) of 80.0 GiB resident"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    /** Llama-3-8B stored in bf16 does not fit this 24 GB machine in f32 resident; streamed it takes a few GiB. */
    @Test
    void llama3_8bInF32OnA24GbHostStreams() {
        Plan p = plan(llama3_8b, "f32", List.of(new DeviceSpec("cpu", false, 0)), "20G", null, null);
        assertEquals(Placement.Mode.STREAM, p.placement().mode());
        assertTrue(p.maxTotal() < 12 * GIB, p.table());
        Plan mistral = plan(mistral7b, "f32", List.of(new DeviceSpec("cpu", false, 0)), "20G", null, null);
        assertEquals(Placement.Mode.STREAM, mistral.placement().mode());
    }

    @Test
    void impossiblePlacementsAreRefusedWithWhatWouldFit() {
        // more memory than all devices have: even streamed, 70B needs more than 2 GiB
        LandscapeException small = assertThrows(LandscapeException.class,
                () -> plan(llama3_70b, "f16", gpus(2), "2G", null, null));
        assertTrue(small.getMessage().startsWith("the model does not fit: gpu:0 (stream, layers 0-39) needs"),
                small.getMessage());
        assertTrue(small.getMessage().contains("would fit: "), small.getMessage());
        // 40 GB cards: resident needs four
        LandscapeException forty = assertThrows(LandscapeException.class,
                () -> plan(llama3_70b, "f16", gpus(2), "40G", "resident", null));
        assertTrue(forty.getMessage().contains("4 device(s) of 40.0 GiB resident"), forty.getMessage());
        // a layer range that leaves layers out, overlaps, or does not match the devices
        UsageError gap = assertThrows(UsageError.class, () -> plan(llama3_70b, "f16", gpus(2), "80G", null,
                "0-39,42-79"));
        assertEquals("--layer-ranges: layers 40-41 are on no device; the ranges must cover 0-79 in order, e.g."
                + " 0-39,40-79", gap.getMessage());
        UsageError tail = assertThrows(UsageError.class, () -> plan(llama3_70b, "f16", gpus(2), "80G", null,
                "0-39,40-70"));
        assertTrue(tail.getMessage().startsWith("--layer-ranges: layers 71-79 are on no device"), tail.getMessage());
        UsageError overlap = assertThrows(UsageError.class, () -> plan(llama3_70b, "f16", gpus(2), "80G", null,
                "0-40,40-79"));
        assertTrue(overlap.getMessage().startsWith("--layer-ranges: layer 40 is on two devices"), overlap.getMessage());
        assertThrows(UsageError.class, () -> plan(llama3_70b, "f16", gpus(2), "80G", null, "0-79"));
        // a given range that does not fit, when the planner's would
        LandscapeException lopsided = assertThrows(LandscapeException.class, () -> plan(llama3_70b, "f16", gpus(2),
                "80G", "resident", "0-59,60-79"));
        assertTrue(lopsided.getMessage().contains("the planner's layer ranges (0-39,40-79)"), lopsided.getMessage());
    }

    static Plan planWork(Path model, String memory, Planner.Workload work) {
        ModelConfig c = ModelConfig.read(model);
        PlacementOptions po = new PlacementOptions(null, null, null, memory, null, null);
        return po.plan(new MemoryModel(c, DataType.FLOAT32), DataType.FLOAT32,
                List.of(new DeviceSpec("cpu", false, 0)), work, false);
    }

    /**
     * A prompt longer than --batch-tokens runs alone, so a smaller budget does not shrink its batch: the refusal
     * offers a budget below the longest prompt only together with prompts that short, and a plain --batch-tokens
     * only when that run fits (it offered --batch-tokens 4096 for a 8192-token prompt, which was refused again with
     * the same offer).
     */
    @Test
    void aBatchBudgetBelowTheLongestPromptIsNotOfferedAsIfItFit() {
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> planWork(llama3_8b, "5G", new Planner.Workload(8192, 8192, 128)));
        assertTrue(e.getMessage().endsWith("would fit: --batch-tokens 4096 with prompts of at most 4096 tokens (the"
                + " longest has 8192)"), e.getMessage());
        // what run plans with --batch-tokens 4096: the 8192-token prompt in a batch of its own, refused again
        assertThrows(LandscapeException.class, () -> planWork(llama3_8b, "5G", new Planner.Workload(8192, 8192, 128)));
        // a budget not below the longest prompt is offered plainly, and a run with it fits
        LandscapeException plain = assertThrows(LandscapeException.class,
                () -> planWork(llama3_8b, "5G", new Planner.Workload(16384, 4096, 128)));
        assertTrue(plain.getMessage().endsWith("would fit: --batch-tokens 4096"), plain.getMessage());
        assertTrue(planWork(llama3_8b, "5G", new Planner.Workload(4096, 4096, 128)).fits());
    }

    /**
     * Absurd budgets are refused, not wrapped around: --batch-tokens 2^63-1 made the activations negative and the
     * plan "fit" (exit 0), and a --pass-memory of petabytes gave negative logits.
     */
    @Test
    void absurdBudgetsAreRefusedInsteadOfOverflowing() {
        LandscapeException tokens = assertThrows(LandscapeException.class,
                () -> planWork(llama3_8b, "80G", new Planner.Workload(Long.MAX_VALUE, 8192, 128)));
        assertTrue(tokens.getMessage().startsWith("the model does not fit: cpu (stream, layers 0-31) needs"),
                tokens.getMessage());
        assertFalse(tokens.getMessage().matches(".* -[0-9].*"), tokens.getMessage());
        String err = runCliErr(1, "plan", "--model", llama3_70b.toString(), "--device", "gpu", "--device-memory",
                "80G", "--placement", "stream", "--batch-tokens", String.valueOf(Long.MAX_VALUE));
        assertTrue(err.contains("the model does not fit: gpu:0"), err);
        ModelConfig c = ModelConfig.read(llama3_70b);
        LandscapeException pass = assertThrows(LandscapeException.class, () -> new PlacementOptions(null, "stream",
                null, "80G", "4000000T", null).plan(new MemoryModel(c, DataType.FLOAT16), DataType.FLOAT16, gpus(1),
                new Planner.Workload(4096, 1, 1), false));
        assertFalse(pass.getMessage().matches(".* -[0-9].*"), pass.getMessage());
    }

    /**
     * A --pass-memory or --attention-memory too large for the device is the budget the refusal names: the default
     * fits (the refusal offered only more devices, as if one 80 GB GPU could not stream the model).
     */
    @Test
    void aBudgetTooLargeForTheDeviceIsNamedWithTheDefaultThatFits() {
        ModelConfig c = ModelConfig.read(llama3_70b);
        MemoryModel mm = new MemoryModel(c, DataType.FLOAT16);
        Planner.Workload work = new Planner.Workload(4096, 4096, 128);
        LandscapeException pass = assertThrows(LandscapeException.class, () -> new PlacementOptions(null, null, null,
                "80G", "100G", null).plan(mm, DataType.FLOAT16, gpus(1), work, false));
        assertTrue(pass.getMessage().contains("would fit: --pass-memory 4G (the default)"), pass.getMessage());
        assertTrue(new PlacementOptions(null, null, null, "80G", "4G", null).plan(mm, DataType.FLOAT16, gpus(1), work,
                false).fits());
        LandscapeException attention = assertThrows(LandscapeException.class, () -> new PlacementOptions(null,
                "resident", null, "72G", null, "100G").plan(mm, DataType.FLOAT16, gpus(2), work, false));
        assertTrue(attention.getMessage().contains("--attention-memory 1G (the default)"), attention.getMessage());
        assertTrue(new PlacementOptions(null, "resident", null, "72G", null, "1G").plan(mm, DataType.FLOAT16, gpus(2),
                work, false).fits());
    }

    /**
     * When nothing fits on the devices given, the refusal says how much memory each device would need (streamed,
     * with the smallest batch budget), and devices of that size do fit.
     */
    @Test
    void whenNothingFitsTheRefusalSaysTheMemoryADeviceWouldNeed() {
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> plan(llama3_70b, "f16", gpus(2), "2G", null, null));
        Matcher m = Pattern.compile("would fit: nothing on these devices \\(even"
                + " streamed, one layer at a time, with --batch-tokens 256\\); devices of at least ([0-9.]+[GM]) each"
                + " would$").matcher(e.getMessage());
        assertTrue(m.find(), e.getMessage());
        ModelConfig c = ModelConfig.read(llama3_70b);
        Plan p = new PlacementOptions(null, "stream", null, m.group(1), null, null).plan(new MemoryModel(c,
                DataType.FLOAT16), DataType.FLOAT16, gpus(2), new Planner.Workload(256, 256, 128), false);
        assertTrue(p.fits(), p.table());
        assertTrue(Sizes.parse("--x", m.group(1)) < 2 * p.maxTotal(), m.group(1) + " is near the need");
    }

    /**
     * --batch-tokens trades memory for time, so its default fits the device: on a device where batches of 4096
     * padded tokens do not fit and batches of 2048 do, a run without --batch-tokens runs with the smaller budget (it
     * was refused, telling the user to give a smaller --batch-tokens); a budget that is given is honoured or refused.
     */
    @Test
    void theDefaultBatchBudgetIsHalvedUntilItFitsTheDevice() throws Exception {
        Path tiny = models.resolve("tiny-budget");
        ModelWriter.write(tiny, ModelWriter.Spec.tiny(), 3);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            texts.add("x".repeat(99)); // 99 bytes and BOS: 100 tokens
        }
        Path prompts = GoldenCases.promptsFile(texts, models.resolve("budget.jsonl"));
        MemoryModel mm = new MemoryModel(ModelConfig.read(tiny), DataType.FLOAT32);
        PlacementOptions roomy = new PlacementOptions(null, "resident", null, "64G", null, "64M");
        long at4096 = roomy.plan(mm, DataType.FLOAT32, List.of(new DeviceSpec("cpu", false, 0)),
                new Planner.Workload(4000, 100, 100), false).maxTotal();
        long at2048 = roomy.plan(mm, DataType.FLOAT32, List.of(new DeviceSpec("cpu", false, 0)),
                new Planner.Workload(2000, 100, 100), false).maxTotal();
        assertTrue(at2048 < at4096);
        PlacementOptions between = new PlacementOptions(null, "resident", null, String.valueOf((at2048 + at4096) / 2),
                null, "64M");
        Extractor.Result r = Extractor.run(ExtractOptions.builder(tiny, models.resolve("budget-out")).prompts(prompts)
                .placement(between).build());
        assertEquals(2000, r.plan().workload().batchTokens(), r.plan().table());
        assertEquals(64, r.stats().rows());
        Path out = models.resolve("budget-given");
        LandscapeException given = assertThrows(LandscapeException.class, () -> Extractor.run(ExtractOptions.builder(
                tiny, out).prompts(prompts).batchTokens(4096).placement(between).build()));
        assertTrue(given.getMessage().contains("would fit: --batch-tokens 2000"), given.getMessage());
        assertFalse(Files.exists(out));
        // plan the same way: Llama-3-8B in f32 on 3.5 GiB streams batches of 1024 tokens, unless 4096 is given
        JsonNode j = Json.MAPPER.readTree(runCli(0, "plan", "--model", llama3_8b.toString(), "--device-memory",
                "3.5G", "--json"));
        assertEquals(1024, j.get("batch_tokens").asInt());
        assertTrue(j.get("fits").asBoolean());
        runCliErr(1, "plan", "--model", llama3_8b.toString(), "--device-memory", "3.5G", "--batch-tokens", "4096");
    }

    @Test
    void aGpuThatDoesNotExistIsRefusedWhenMemoryIsMeasured() {
        int seen = landscape.extract.placement.Devices.gpuCount();
        LandscapeException e = assertThrows(LandscapeException.class, () -> new PlacementOptions("gpu:" + seen, null,
                null, null, null, null).plan(new MemoryModel(ModelConfig.read(mistral7b), DataType.FLOAT16),
                DataType.FLOAT16, List.of(new DeviceSpec("gpu:" + seen, true, seen)),
                new Planner.Workload(4096, 4096, 128), false));
        assertTrue(e.getMessage().startsWith("device gpu:" + seen + " does not exist (PyTorch sees " + seen + " GPU"),
                e.getMessage());
    }

    /**
     * --devices auto where PyTorch sees no GPU is a machine without the devices asked for, as gpu:0 there is: exit 1,
     * not a usage error (exit 2). Where GPUs are seen, auto plans on them.
     */
    @Test
    void devicesAutoWithoutAGpuIsRefusedLikeAMissingGpu() {
        if (landscape.extract.placement.Devices.gpuCount() == 0) {
            String err = runCliErr(1, "plan", "--model", mistral7b.toString(), "--devices", "auto", "--device-memory",
                    "80G");
            assertTrue(err.startsWith("landscape-extract: --devices auto: PyTorch sees no GPU"), err);
            assertFalse(err.contains("--help"), err);
        } else {
            runCli(0, "plan", "--model", mistral7b.toString(), "--devices", "auto", "--device-memory", "80G");
        }
    }

    /** Two CPU "devices" share the host: the layers are balanced and each has its own range. */
    @Test
    void cpuDevicesSplitTheLayers() {
        List<DeviceSpec> cpus = DeviceSpec.parseList("--devices", "cpu:0,cpu:1");
        Plan p = plan(mistral7b, "f32", cpus, "64G", "stream", null);
        assertEquals("0-15,16-31", p.rangesText());
        assertEquals(Placement.Mode.STREAM, p.placement().mode());
        assertThrows(UsageError.class, () -> DeviceSpec.parseList("--devices", "cpu:0,gpu:1"));
        assertThrows(UsageError.class, () -> DeviceSpec.parseList("--devices", "cpu:0,cpu:0"));
        assertThrows(UsageError.class, () -> DeviceSpec.parseList("--devices", "tpu:0"));
    }

    @Test
    void planCommandPrintsJsonForScriptsAndRefusesInOneLine() throws Exception {
        String out = runCli(0, "plan", "--model", llama3_70b.toString(), "--devices", "gpu:0,gpu:1", "--device-memory",
                "80G");
        assertTrue(out.contains("gpu:0    0-39"), out);
        JsonNode j = Json.MAPPER.readTree(runCli(0, "plan", "--model", llama3_70b.toString(), "--device", "gpu",
                "--device-memory", "80G", "--json"));
        assertEquals("stream", j.get("placement").asText());
        assertEquals(1, j.get("gpus").asInt());
        assertEquals("f16", j.get("dtype").asText());
        assertEquals(2, j.get("fewest_devices").get("resident").asInt());
        assertEquals(1, j.get("fewest_devices").get("stream").asInt());
        assertEquals(141107412992L, j.get("weights_bytes").asLong());
        assertEquals(80, j.get("model").get("layers").asInt());
        String err = runCliErr(1, "plan", "--model", llama3_70b.toString(), "--device", "gpu", "--device-memory", "80G",
                "--placement", "resident");
        assertEquals(1, err.strip().lines().count(), err);
        assertTrue(err.contains("would fit: --placement stream"), err);
        String usage = runCliErr(2, "plan", "--model", llama3_70b.toString(), "--devices", "gpu:0,gpu:1",
                "--device-memory", "80G", "--layer-ranges", "0-39,41-79");
        assertTrue(usage.contains("layer 40 is on no device"), usage);
    }

    /** run refuses an impossible placement before reading a weight (nothing written, the checkpoint is headers). */
    @Test
    void runRefusesAnImpossiblePlacementBeforeReadingWeights() throws Exception {
        Path prompts = GoldenCases.promptsFile(List.of("Hello"), models.resolve("p.jsonl"));
        Path out = models.resolve("out");
        LandscapeException e = assertThrows(LandscapeException.class, () -> Extractor.run(ExtractOptions.builder(
                llama3_70b, out).prompts(prompts).placement(new PlacementOptions(null, "resident", null, "64G", null,
                null)).build()));
        assertTrue(e.getMessage().startsWith("the model does not fit: cpu (resident, layers 0-79) needs"),
                e.getMessage());
        assertFalse(Files.exists(out));
        UsageError twoRanges = assertThrows(UsageError.class, () -> Extractor.run(ExtractOptions.builder(llama3_70b,
                out).prompts(prompts).placement(new PlacementOptions("cpu:0,cpu:1", null, "0-10,12-79", "64G", null,
                null)).build()));
        assertTrue(twoRanges.getMessage().contains("layer 11 is on no device"), twoRanges.getMessage());
        assertFalse(Files.exists(out));
    }

    /** Running out of memory names the device, the work and the budgets to lower, with their current values. */
    @Test
    void outOfMemorySaysWhichBudgetToLower() {
        Plan p = plan(llama3_70b, "f16", gpus(1), "80G", null, null);
        ExtractOptions o = ExtractOptions.builder(llama3_70b, models.resolve("o")).prompts(models.resolve("p.jsonl"))
                .batchTokens(4096).build();
        LandscapeException e = Extractor.outOfMemory(new landscape.extract.model.ForwardException("gpu:0", 12, 2,
                2048, 3, 12000, new EngineException("CUDA out of memory")), o, p);
        assertEquals("out of memory on gpu:0 at layer 12 (largest batch 2 x 2048 tokens, pass of 12000 padded tokens;"
                + " the plan expected " + Sizes.format(p.maxTotal()) + " of 80.0 GiB):"
                + " lower --batch-tokens (now 4096), --pass-memory (now 4G) or --attention-memory (now 1G), or give"
                + " --device-memory below what the device has free", e.getMessage());
    }

    static String runCli(int rc, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = ExtractMain.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        PrintStream old = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = cl.execute(args);
        } finally {
            System.setOut(old);
        }
        assertEquals(rc, code, err.toString());
        return captured.toString(StandardCharsets.UTF_8) + out;
    }

    static String runCliErr(int rc, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = ExtractMain.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(rc, cl.execute(args), err.toString());
        return err.toString();
    }
}
