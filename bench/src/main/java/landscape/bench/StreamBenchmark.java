package landscape.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.Sizes;
import landscape.core.format.Checkpoint;
import landscape.extract.ExtractOptions;
import landscape.extract.Extractor;
import landscape.extract.ModelWriter;
import landscape.extract.model.Attention;
import landscape.extract.model.BatchContext;
import landscape.extract.model.DecoderModel;
import landscape.extract.model.Linear;
import landscape.extract.model.ModelConfig;
import landscape.extract.model.Placement;
import landscape.extract.model.RotaryEmbedding;
import landscape.extract.placement.Devices;
import landscape.extract.placement.MemoryModel;
import landscape.extract.placement.PlacementOptions;
import landscape.extract.placement.Planner;

/**
 * Real-size extraction on the CPU (docs/BENCHMARKS.md, "Models larger than memory"), three modes, each meant for a
 * fresh JVM:
 * <ul>
 *   <li>{@code run MODEL LENGTHS [batchTokens=4096] [placement=stream]}: a 2048^3 f32 matmul through DJL, then
 *       {@code Extractor.run} (the service behind {@code landscape-extract run}) on prompts of the given token
 *       lengths with every extraction point written, then the matmul again: load time, tokens/s, the model's FLOP/s
 *       against the matmuls of the same run (by wall time and by process CPU time), the seconds spent reading
 *       streamed layers, and peak RSS (VmHWM);</li>
 *   <li>{@code attention CONFIG_PRESET T [attentionMemory]}: one attention block of that model's shapes at T tokens
 *       (random weights, one prompt), the peak RSS it adds (VmHWM reset before it);</li>
 *   <li>{@code load MODEL [f32|f16]}: a resident load of every weight in that dtype (default f32) on the CPU, its
 *       time and rate (checkpoint bytes per second), peak RSS against the largest shard plus the weights in that
 *       dtype.</li>
 * </ul>
 */
public final class StreamBenchmark {
    private StreamBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "run" -> run(Path.of(args[1]), lengths(args[2]), args.length > 3 ? Long.parseLong(args[3]) : 4096,
                    args.length > 4 ? args[4] : "stream", args.length > 5 ? args[5] : "cpu");
            case "attention" -> attention(args[1], Integer.parseInt(args[2]), args.length > 3 ? args[3] : null);
            case "load" -> load(Path.of(args[1]), args.length > 2 ? args[2] : "f32");
            default -> throw new IllegalArgumentException("mode: run, attention or load");
        }
    }

    static int[] lengths(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    static void run(Path model, int[] lengths, long budget, String placement, String device) throws IOException {
        boolean gpu = !device.equals("cpu");
        ModelConfig c = ModelConfig.read(model);
        Path work = Files.createTempDirectory("landscape-stream-bench");
        Path prompts = work.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        double flops = 0;
        long tokens = 0;
        for (int i = 0; i < lengths.length; i++) {
            // lowercase letters and digits are one byte-level token each; the tokenizer adds BOS
            lines.addAll(ExtractBenchmark.randomPrompts(1, lengths[i] - 1, 100 + i));
            flops += ExtractBenchmark.forwardFlops(c, lengths[i]);
            tokens += lengths[i];
        }
        Files.write(prompts, lines);
        System.out.printf(Locale.ROOT, "model %s: hidden %d, %d layers, %d/%d heads, intermediate %d, vocab %d;"
                        + " prompts of %s tokens (%d in all), batch budget %d, placement %s on %s; model FLOPs %.4g%n",
                model, c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(), c.intermediateSize(),
                c.vocabSize(), Arrays.toString(lengths), tokens, budget, placement, device, flops);
        System.out.printf(Locale.ROOT, "host: %d cores, MemAvailable %s, load average %s%n",
                Runtime.getRuntime().availableProcessors(), Sizes.format(Devices.hostAvailable()), loadAverage());

        double before = gpu ? gpuMatmul() : ExtractBenchmark.matmulPeak();
        double beforeCpu = ExtractBenchmark.lastMatmulPerCpuSecond;
        System.out.printf(Locale.ROOT, "matmul %s before: %.1f GFLOP/s (%.1f per CPU-second)%n", gpu ? "8192^3 f16"
                : "2048^3 f32", before / 1e9, beforeCpu / 1e9);
        long c0 = ExtractBenchmark.cpuNanos();
        ExtractOptions o = ExtractOptions.builder(model, work.resolve("out")).prompts(prompts).batchTokens(budget)
                .device(device).placement(new PlacementOptions(null, placement, null, null, null, null)).build();
        Extractor.Result r = Extractor.run(o);
        double cpuSeconds = (ExtractBenchmark.cpuNanos() - c0) / 1e9;
        long hwm = ExtractBenchmark.statusKb("VmHWM") * 1024;
        Extractor.Stats s = r.stats();
        System.out.printf(Locale.ROOT, "load average after the run: %s%n", loadAverage());
        double after = gpu ? gpuMatmul() : ExtractBenchmark.matmulPeak();
        double afterCpu = ExtractBenchmark.lastMatmulPerCpuSecond;
        System.out.printf(Locale.ROOT, "matmul %s after: %.1f GFLOP/s (%.1f per CPU-second)%n", gpu ? "8192^3 f16"
                : "2048^3 f32", after / 1e9, afterCpu / 1e9);
        System.out.print(r.plan().table());
        System.out.printf(Locale.ROOT, "run: %d prompts, %d tokens (%d padded), %d batches in %d pass(es); load %.1f s"
                        + " (config, tokenizer, plan; no weights), forward %.1f s, total %.1f s%n", s.rows(), s.tokens(),
                s.paddedTokens(), s.batches(), s.passes(), s.loadSeconds(), s.forwardSeconds(), s.totalSeconds());
        System.out.printf(Locale.ROOT, "streamed layers: %.1f s reading and converting on the loader thread, %.1f s"
                + " waited for by the forward%n", s.streamReadSeconds(), s.streamWaitSeconds());
        double rate = flops / s.forwardSeconds();
        double mean = (before + after) / 2;
        System.out.printf(Locale.ROOT, "forward: %.2f tokens/s, %.1f GFLOP/s = %.0f%% of the mean same-run matmul"
                        + " (%.0f%% of the better one)%n", s.tokens() / s.forwardSeconds(), rate / 1e9,
                100 * rate / mean, 100 * rate / Math.max(before, after));
        double perCpu = flops / cpuSeconds;
        System.out.printf(Locale.ROOT, "per CPU-second (whole run, all threads): %.1f GFLOP = %.0f%% of the matmul's"
                + " %.1f%n", perCpu / 1e9, 100 * perCpu / ((beforeCpu + afterCpu) / 2), (beforeCpu + afterCpu) / 2e9);
        System.out.printf(Locale.ROOT, "peak RSS (VmHWM) %s; the weights in f32 would be %s%n", Sizes.format(hwm),
                Sizes.format(new MemoryModel(c, DataType.FLOAT32).totalWeights()));
        deleteTree(work);
    }

    /** An 8192^3 f16 matmul on the GPU (10 after 3 warm-ups), FLOP/s; the per-CPU-second figure is left at 0. */
    static double gpuMatmul() {
        ExtractBenchmark.lastMatmulPerCpuSecond = 0;
        try (NDManager m = NDManager.newBaseManager(Device.gpu(), "PyTorch")) {
            NDArray a = m.randomNormal(new Shape(8192, 8192), DataType.FLOAT32).toType(DataType.FLOAT16, false);
            NDArray b = m.randomNormal(new Shape(8192, 8192), DataType.FLOAT32).toType(DataType.FLOAT16, false);
            for (int i = 0; i < 3; i++) {
                a.matMul(b).close();
            }
            long t0 = System.nanoTime();
            NDArray last = null;
            for (int i = 0; i < 10; i++) {
                if (last != null) {
                    last.close();
                }
                last = a.matMul(b);
            }
            last.get(0, 0).toFloatArray(); // waits for the queue
            return 10 * 2.0 * 8192 * 8192 * 8192 / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** One attention block at T tokens with the shapes of a preset, random weights; VmHWM reset just before. */
    static void attention(String preset, int t, String attentionMemory) throws IOException {
        Path dir = Files.createTempDirectory("landscape-attn");
        Json.write(dir.resolve("config.json"), ModelWriter.preset(preset));
        ModelConfig c = ModelConfig.read(dir);
        long budget = attentionMemory == null ? Planner.defaultAttentionBytes(Devices.hostAvailable())
                : Sizes.parse("attention memory", attentionMemory);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            long h = c.hiddenSize();
            Linear q = new Linear(m.randomNormal(0, (float) (1 / Math.sqrt(h)), new Shape(c.qDim(), h), DataType.FLOAT32), null);
            Linear k = new Linear(m.randomNormal(0, (float) (1 / Math.sqrt(h)), new Shape(c.kvDim(), h), DataType.FLOAT32), null);
            Linear v = new Linear(m.randomNormal(0, (float) (1 / Math.sqrt(h)), new Shape(c.kvDim(), h), DataType.FLOAT32), null);
            Linear o = new Linear(m.randomNormal(0, (float) (1 / Math.sqrt(c.qDim())), new Shape(h, c.qDim()),
                    DataType.FLOAT32), null);
            Attention a = new Attention(q, k, v, o, null, null, new RotaryEmbedding(c.rope(0), m, DataType.FLOAT32), c, 0);
            NDArray x = m.randomNormal(new Shape(1, t, h), DataType.FLOAT32);
            long base = ExtractBenchmark.statusKb("VmRSS") * 1024;
            resetPeak();
            long t0 = System.nanoTime();
            try (NDManager bm = m.newSubManager()) {
                BatchContext ctx = new BatchContext(bm, 1, t, budget);
                NDArray out = a.forward(x, ctx);
                out.toFloatArray();
                System.out.printf(Locale.ROOT, "%s attention at T=%d (hidden %d, %d/%d heads): query blocks of %d"
                                + " (--attention-memory %s), %.1f s%n", preset, t, h, c.numHeads(), c.numKvHeads(),
                        ctx.queryBlock(c.numHeads()), Sizes.format(budget), (System.nanoTime() - t0) / 1e9);
            }
            long peak = ExtractBenchmark.statusKb("VmHWM") * 1024;
            long full = (long) c.numHeads() * t * t * 4L;
            System.out.printf(Locale.ROOT, "peak RSS above the inputs and weights: %s (input x %s, q/k/v/o %s);"
                            + " unblocked, the f32 scores alone would be %s per copy%n", Sizes.format(peak - base),
                    Sizes.format(4L * t * h), Sizes.format(4L * h * (2L * c.qDim() + 2L * c.kvDim())), Sizes.format(full));
        }
        deleteTree(dir);
    }

    /** Resident load of every weight in {@code dtype} (f32 or f16, one tensor at a time), its time and peak RSS. */
    static void load(Path model, String dtype) throws IOException {
        ModelConfig c = ModelConfig.read(model);
        DataType type = switch (dtype) {
            case "f32" -> DataType.FLOAT32;
            case "f16" -> DataType.FLOAT16;
            default -> throw new IllegalArgumentException("dtype: f32 or f16, not " + dtype);
        };
        long t0 = System.nanoTime();
        try (Checkpoint ckpt = Checkpoint.open(model);
             NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
             DecoderModel m = DecoderModel.open(c, ckpt, Placement.single("cpu", Device.cpu(),
                     Placement.Mode.RESIDENT, c.numLayers(), 1L << 28), root, type, null)) {
            double secs = (System.nanoTime() - t0) / 1e9;
            long hwm = ExtractBenchmark.statusKb("VmHWM") * 1024;
            long largest = ckpt.fileSizes().stream().mapToLong(Long::longValue).max().orElse(0);
            long stored = ckpt.fileSizes().stream().mapToLong(Long::longValue).sum();
            long weights = new MemoryModel(c, type).totalWeights();
            System.out.printf(Locale.ROOT, "resident load of %s in %s: %.2f s (%.2f GB/s of checkpoint, %d cores); peak"
                            + " RSS %s; largest shard %s, weights in %s %s, bound (largest shard + weights + 1 GiB) %s%n",
                    model, dtype, secs, stored / secs / 1e9, Runtime.getRuntime().availableProcessors(),
                    Sizes.format(hwm), Sizes.format(largest), dtype, Sizes.format(weights),
                    Sizes.format(largest + weights + (1L << 30)));
        }
    }

    /** Deletes a temporary folder this benchmark made. */
    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Resets the process's peak RSS (Linux 4.0+: writing 5 to clear_refs). */
    static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException e) {
            System.out.println("(cannot reset VmHWM: " + e.getMessage() + ")");
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
