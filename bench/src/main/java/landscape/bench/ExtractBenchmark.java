package landscape.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import landscape.core.format.Checkpoint;
import landscape.extract.ExtractOptions;
import landscape.extract.Extractor;
import landscape.extract.model.BatchInput;
import landscape.extract.model.DecoderModel;
import landscape.extract.model.ModelConfig;
import landscape.extract.model.ModelSink;
import landscape.extract.model.Placement;
import landscape.extract.placement.Devices;
import landscape.extract.placement.Planner;

/**
 * Extraction throughput on the CPU (not a test). Prepare the model once with
 * {@code landscape-extract make-tiny-model --out DIR --layers 8 --hidden 2048 --heads 16 --kv-heads 4
 * --intermediate 5632 --vocab 32000}, then run this class in a fresh JVM:
 * {@code java -cp bench/target/landscape-bench.jar landscape.bench.ExtractBenchmark DIR [prompts=16] [tokens=512]
 * [batchTokens=4096] [rounds=4]} (docs/BENCHMARKS.md). It measures a 2048^3 f32 matmul through DJL
 * (the machine's GEMM peak, same process, same threads), runs a full extraction of N prompts of exactly T tokens
 * and prints end-to-end and forward-only tokens/s, the forward's model FLOP/s as a fraction of that peak, and peak
 * RSS (VmHWM) against the weight bytes.
 */
public final class ExtractBenchmark {
    private ExtractBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path model = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        long budget = args.length > 3 ? Long.parseLong(args[3]) : 4096;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 4;
        ModelConfig c = ModelConfig.read(model);
        Path work = Files.createTempDirectory("landscape-bench");
        Path prompts = work.resolve("prompts.jsonl");
        Files.write(prompts, randomPrompts(n, tokens - 1, 7));
        double flopsPerPrompt = forwardFlops(c, tokens);
        System.out.printf("model: hidden %d, %d layers, %d/%d heads, intermediate %d, vocab %d; prompts of %d tokens,"
                        + " batch budget %d tokens; model FLOPs/prompt %.3g%n", c.hiddenSize(), c.numLayers(),
                c.numHeads(), c.numKvHeads(), c.intermediateSize(), c.vocabSize(), tokens, budget, flopsPerPrompt);

        // 1. end to end: the extraction service, N prompts, all points written
        ExtractOptions o = ExtractOptions.builder(model, work.resolve("out")).prompts(prompts).batchTokens(budget).build();
        Extractor.Result r = Extractor.run(o);
        Extractor.Stats s = r.stats();
        if (s.tokens() != (long) n * tokens) {
            throw new IllegalStateException("prompts are " + s.tokens() + " tokens, expected " + (long) n * tokens);
        }
        long weightBytes = Files.size(model.resolve("model.safetensors"));
        long hwm = statusKb("VmHWM") * 1024;
        System.out.printf("end-to-end (%d prompts, %d batches): load %.1f s, forward %.1f s, total %.1f s = %.1f tokens/s;"
                        + " forward passes alone %.1f tokens/s%n", n, s.batches(), s.loadSeconds(), s.forwardSeconds(),
                s.totalSeconds(), s.tokens() / s.totalSeconds(), s.tokens() / s.forwardSeconds());
        System.out.printf("peak RSS (VmHWM) after end-to-end %.2f GB; weights %.2f GB; excess %.2f GB%n", hwm / 1e9,
                weightBytes / 1e9, (hwm - weightBytes) / 1e9);

        // 2. forward only, each batch right after a 2048^3 matmul measured in the same process (the machine is
        //    shared, so the peak is measured next to each forward rather than once)
        int rows = (int) Math.max(1, budget / tokens);
        try (Checkpoint ckpt = Checkpoint.open(model);
             NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Placement placement = Placement.single("cpu", Device.cpu(), Placement.Mode.RESIDENT, c.numLayers(),
                    Planner.defaultAttentionBytes(Devices.hostAvailable()));
            DecoderModel m = DecoderModel.open(c, ckpt, placement, root, DataType.FLOAT32, null);
            long[] ids = new long[rows * tokens];
            SplittableRandom rnd = new SplittableRandom(3);
            for (int i = 0; i < ids.length; i++) {
                ids[i] = rnd.nextInt(c.vocabSize());
            }
            int[] lens = new int[rows];
            Arrays.fill(lens, tokens);
            double sumTime = 0;
            double[] ratios = new double[rounds];
            double[] peaks = new double[rounds];
            double[] cpuRatios = new double[rounds];
            for (int k = 0; k < rounds; k++) {
                peaks[k] = matmulPeak();
                double mmCpu = lastMatmulPerCpuSecond;
                long c0 = cpuNanos();
                long t0 = System.nanoTime();
                forward(m, ids, rows, tokens, lens);
                double secs = (System.nanoTime() - t0) / 1e9;
                double cpuSecs = (cpuNanos() - c0) / 1e9;
                sumTime += secs;
                ratios[k] = flopsPerPrompt * rows / secs / peaks[k];
                cpuRatios[k] = flopsPerPrompt * rows / cpuSecs / mmCpu;
                System.out.printf("  round %d: matmul %.1f GFLOP/s, forward %d x %d tokens %.2f s = %.1f tokens/s,"
                                + " %.1f GFLOP/s = %.0f%% of that matmul%n", k, peaks[k] / 1e9, rows, tokens, secs,
                        rows * tokens / secs, flopsPerPrompt * rows / secs / 1e9, 100 * ratios[k]);
                System.out.printf("           per CPU-second: matmul %.1f, forward %.1f GFLOP = %.0f%%%n", mmCpu / 1e9,
                        flopsPerPrompt * rows / cpuSecs / 1e9, 100 * cpuRatios[k]);
            }
            double[] sorted = ratios.clone();
            Arrays.sort(sorted);
            System.out.printf("forward only: %.1f tokens/s mean; fraction of matmul peak: median %.0f%% (min %.0f%%, max"
                            + " %.0f%%)%n", rounds * rows * (double) tokens / sumTime, 100 * sorted[rounds / 2],
                    100 * sorted[0], 100 * sorted[rounds - 1]);
            double[] cs = cpuRatios.clone();
            Arrays.sort(cs);
            System.out.printf("forward FLOP per CPU-second vs matmul FLOP per CPU-second: median %.0f%% (min %.0f%%, max"
                    + " %.0f%%)%n", 100 * cs[rounds / 2], 100 * cs[0], 100 * cs[rounds - 1]);
        }
    }

    /** One batch through the model, as one pass; the logits are copied out, which waits for the computation. */
    static void forward(DecoderModel m, long[] ids, int rows, int tokens, int[] lens) {
        int[] items = new int[rows];
        for (int r = 0; r < rows; r++) {
            items[r] = r;
        }
        BatchInput batch = new BatchInput(items, ids, rows, tokens, lens);
        m.run(List.of(List.of(batch)).iterator(), Set.of(), new ModelSink() {
            @Override
            public void points(BatchInput b, int[] indices, int[] widths, NDArray values) {
            }

            @Override
            public void logits(BatchInput b, NDArray logits) {
                logits.toFloatArray();
            }
        });
    }

    /**
     * Model FLOPs of one forward pass over {@code t} tokens with the lm_head at the last token only:
     * 2 x (q,k,v,o and the three MLP matrices) per token per layer, causal attention scores and weighted values
     * (2 x 2 x t(t+1)/2 x heads x headDim per layer), and 2 x hidden x vocab once.
     */
    public static double forwardFlops(ModelConfig c, int t) {
        double h = c.hiddenSize();
        double perTokenLayer = 2 * (h * c.qDim() + 2 * h * c.kvDim() + c.qDim() * h + 3 * h * c.intermediateSize());
        double attn = 4.0 * t * (t + 1) / 2.0 * c.qDim();
        return c.numLayers() * (perTokenLayer * t + attn) + 2 * h * c.vocabSize();
    }

    /** GFLOP per process-CPU-second of the last {@link #matmulPeak()} (robust to other processes' load). */
    static double lastMatmulPerCpuSecond;

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static double matmulPeak() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray a = m.randomNormal(new Shape(2048, 2048), DataType.FLOAT32);
            NDArray b = m.randomNormal(new Shape(2048, 2048), DataType.FLOAT32);
            for (int i = 0; i < 3; i++) {
                a.matMul(b).close();
            }
            int reps = 10;
            long c0 = cpuNanos();
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                NDArray c = a.matMul(b);
                c.toFloatArray(); // force completion
                c.close();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            lastMatmulPerCpuSecond = reps * 2.0 * 2048 * 2048 * 2048 / ((cpuNanos() - c0) / 1e9);
            return reps * 2.0 * 2048 * 2048 * 2048 / secs;
        }
    }

    /** Prompts of {@code chars} random lowercase letters and digits: one byte-level token each, plus BOS. */
    static List<String> randomPrompts(int n, int chars, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder("{\"prompt\": \"");
            for (int j = 0; j < chars; j++) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            out.add(sb.append("\"}").toString());
        }
        return out;
    }

    static long statusKb(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
