package landscape.extract;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.Sizes;
import landscape.core.cli.Cli;
import landscape.core.cli.UsageError;
import landscape.core.format.Checkpoint;
import landscape.core.format.DType;
import landscape.core.model.ModelLocation;
import landscape.extract.model.ModelConfig;
import landscape.extract.model.Placement;
import landscape.extract.model.WeightLoader;
import landscape.extract.placement.DeviceSpec;
import landscape.extract.placement.MemoryModel;
import landscape.extract.placement.PlacementOptions;
import landscape.extract.placement.Plan;
import landscape.extract.placement.Planner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code landscape-extract}: run (extraction), plan (placement and memory, without loading weights), tokenize (debug
 * prompts), make-model (random-weight checkpoints; make-tiny-model is its old name).
 */
@Command(name = "landscape-extract",
        description = "Hidden representations of Llama, Mistral, Qwen2/3, Gemma-2/3 and Phi-3 models at the last prompt"
                + " token (DJL + PyTorch).",
        subcommands = {ExtractMain.Run.class, ExtractMain.PlanCommand.class, ExtractMain.Tokenize.class,
                ExtractMain.MakeModel.class})
public final class ExtractMain implements Runnable {

    @Override
    public void run() {
        throw new UsageError("missing subcommand (run, plan, tokenize, make-model)");
    }

    @Command(name = "run", description = "Extract representations into a representation directory.")
    static final class Run implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Checkpoint folder, or hub cache models--Org--Name.") Path model;
        @Option(names = "--model-id", description = "Name in the manifest (default: folder or repo name).") String modelId;
        @Option(names = "--adapter", description = "PEFT LoRA adapter directory, merged at load.") Path adapter;
        @Option(names = "--dataset", description = "MMLU: Hendrycks CSVs or cais/mmlu parquet.") Path dataset;
        @Option(names = "--split", description = "Split of --dataset (default test).") String split;
        @Option(names = "--shots", description = "Few-shot examples from dev, 0..5 (default 0).") Integer shots;
        @Option(names = "--prompts", description = "JSONL file of {\"prompt\":..., \"subject\"?, \"answer\"?}.") Path prompts;
        @Option(names = "--limit", description = "Only the first N rows.") Integer limit;
        @Option(names = "--mask", description = ".npy of row indices to extract.") Path mask;
        @Option(names = "--layers", description = "Point subset, e.g. 0-3,33 (L = model.norm, L+1 = logits).") String layers;
        @Option(names = "--batch-tokens", description = "Padded tokens per batch (default: 4096, halved until the"
                + " plan fits the devices).") Long batchTokens;
        @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu.") String device;
        @Option(names = "--dtype", defaultValue = "auto", description = "auto (f32 on cpu, f16 on gpu), f32, f16.") String dtype;
        @Option(names = "--shuffle-shots", description = "Seeded per-question order of the shots.") boolean shuffleShots;
        @Option(names = "--seed", description = "Seed of --shuffle-shots (default 0).") Long seed;
        @Option(names = "--out", required = true, description = "Output directory.") Path out;
        @Option(names = "--no-progress", description = "No progress on stderr.") boolean noProgress;
        @Option(names = "--allow-long-prompts", description = "Extract prompts longer than the model's"
                + " max_position_embeddings (with a warning) instead of refusing them.") boolean allowLongPrompts;
        @CommandLine.Mixin PlacementMixin placement;

        @Override
        public Integer call() {
            // an option that would change nothing is refused rather than dropped
            if (seed != null && !shuffleShots) {
                throw new UsageError("--seed has no effect without --shuffle-shots");
            }
            if (prompts != null && (shots != null || split != null || shuffleShots)) {
                throw new UsageError((shots != null ? "--shots" : split != null ? "--split" : "--shuffle-shots")
                        + " is for --dataset (MMLU); --prompts takes each line's prompt as it is");
            }
            ExtractOptions.Builder o = ExtractOptions.builder(model, out).modelId(modelId).adapter(adapter)
                    .prompts(prompts).limit(limit).mask(mask).layers(layers).device(device).dtype(dtype)
                    .shuffleShots(shuffleShots, seed == null ? 0 : seed).progress(!noProgress)
                    .allowLongPrompts(allowLongPrompts).placement(placement.options());
            if (batchTokens != null) {
                o.batchTokens(batchTokens);
            }
            if (dataset != null) {
                o.dataset(dataset, split == null ? "test" : split, shots == null ? 0 : shots);
            }
            Extractor.Result r = Extractor.run(o.build());
            Extractor.Stats s = r.stats();
            System.err.printf("landscape-extract: wrote %s (%d rows, %d tokens, %.1f s, %.0f tokens/s in forward passes)%n",
                    r.dir(), s.rows(), s.tokens(), s.totalSeconds(), s.tokens() / Math.max(1e-9, s.forwardSeconds()));
            return 0;
        }
    }

    @Command(name = "tokenize", description = "Print the token ids of a text as JSON.")
    static final class Tokenize implements Callable<Integer> {
        @Option(names = "--model", required = true) Path model;
        @Option(names = "--text", required = true) String text;
        @Option(names = "--no-special", description = "Without special tokens (BOS).") boolean noSpecial;

        @Override
        public Integer call() throws Exception {
            try (TextTokenizer t = TextTokenizer.open(ModelLocation.resolve(model).dir())) {
                long[] ids = noSpecial ? t.encodeWithoutSpecial(text) : t.encode(text);
                System.out.println(Arrays.toString(ids).replace(" ", ""));
            }
            return 0;
        }
    }

    @Command(name = "make-model", aliases = "make-tiny-model", description = "Write a random-weight checkpoint in the"
            + " Hugging Face layout: a small Llama (the defaults), a public model's configuration (--like), or any"
            + " supported config.json (--config); never held in memory, so real sizes work.")
    static final class MakeModel implements Callable<Integer> {
        @Option(names = "--out", required = true) Path out;
        @Option(names = "--seed", defaultValue = "0") long seed;
        @Option(names = "--like", description = "A public model's config.json: llama-3-8b, llama-3.1-8b, llama-3-70b,"
                + " llama-2-7b, llama-2-13b, llama-2-70b, mistral-7b.") String like;
        @Option(names = "--config", description = "Any supported config.json to copy.") Path config;
        @Option(names = "--layers", description = "num_hidden_layers (default 2, or the preset's).") Integer layers;
        @Option(names = "--hidden", description = "hidden_size (default 64).") Integer hidden;
        @Option(names = "--heads", description = "num_attention_heads (default 4).") Integer heads;
        @Option(names = "--kv-heads", description = "num_key_value_heads (default 2).") Integer kvHeads;
        @Option(names = "--intermediate", description = "intermediate_size (default 128).") Integer intermediate;
        @Option(names = "--vocab", description = "vocab_size (default 262, at least 262).") Integer vocab;
        @Option(names = "--rope-theta", description = "rope_theta (default 500000).") Double ropeTheta;
        @Option(names = "--tied", description = "Tie lm_head to the embeddings.") boolean tied;
        @Option(names = "--weights-dtype", description = "F32, F16 or BF16 (default F32, or the config's torch_dtype).")
        String weightsDtype;
        @Option(names = "--shards", defaultValue = "1", description = "Number of safetensors files (with"
                + " model.safetensors.index.json when more than 1).") int shards;
        @Option(names = "--empty", description = "Headers only, the data left as sparse zeros (for plan).") boolean empty;

        @Override
        public Integer call() {
            if (Files.exists(out) && !(Files.isDirectory(out) && isEmpty(out))) {
                throw LandscapeException.of(out, "exists and is not an empty directory; refusing to overwrite it "
                        + "(make-model writes config.json, the weights and tokenizer.json into a new directory)");
            }
            if (like != null && config != null) {
                throw new UsageError("--like and --config are mutually exclusive");
            }
            ObjectNode cfg;
            if (like != null) {
                cfg = ModelWriter.preset(like);
            } else if (config != null) {
                cfg = Json.readObject(config, "JSON");
            } else {
                ModelWriter.Spec t = ModelWriter.Spec.tiny();
                cfg = new ModelWriter.Spec(t.layers(), t.hidden(), t.heads(), t.kvHeads(), t.intermediate(), t.vocab(),
                        t.ropeTheta(), tied, t.dtype()).config();
            }
            override(cfg, "num_hidden_layers", layers);
            override(cfg, "hidden_size", hidden);
            override(cfg, "num_attention_heads", heads);
            override(cfg, "num_key_value_heads", kvHeads);
            override(cfg, "intermediate_size", intermediate);
            override(cfg, "vocab_size", vocab);
            if (ropeTheta != null) {
                cfg.put("rope_theta", ropeTheta);
            }
            if (tied) {
                cfg.put("tie_word_embeddings", true);
            }
            DType d;
            if (weightsDtype != null) {
                d = DType.fromSafetensors(weightsDtype.toUpperCase(Locale.ROOT));
                if (d == null) {
                    throw new UsageError("--weights-dtype: F32, F16 or BF16, got '" + weightsDtype + "'");
                }
            } else {
                DType saved = like != null || config != null ? ModelWriter.savedDtype(cfg) : null;
                d = saved == null ? DType.F32 : saved;
            }
            ModelWriter.write(out, cfg, d, seed, shards, empty);
            System.err.println("landscape-extract: wrote " + out);
            return 0;
        }

        private static void override(ObjectNode cfg, String key, Integer value) {
            if (value != null) {
                cfg.put(key, value);
            }
        }
    }

    /** The placement options shared by {@code run} and {@code plan}. */
    static final class PlacementMixin {
        @Option(names = "--devices", description = "Devices in layer order: cpu, cpu:N, gpu:N (comma-separated), or"
                + " auto (every visible GPU). Overrides --device.") String devices;
        @Option(names = "--placement", description = "auto (resident if the weights fit, else stream), resident or"
                + " stream (one layer at a time from the checkpoint).") String placement;
        @Option(names = "--layer-ranges", description = "Layers per device, e.g. 0-39,40-79 (default: balanced).")
        String layerRanges;
        @Option(names = "--device-memory", description = "Memory each device may use, e.g. 80G or 80G,40G (default:"
                + " measured free memory; planning for another machine).") String deviceMemory;
        @Option(names = "--pass-memory", description = "Residual streams of one streamed pass, e.g. 2G (default: half"
                + " of what is left, at most 4G).") String passMemory;
        @Option(names = "--attention-memory", description = "Float32 scores of one query block, e.g. 256M (default:"
                + " 1/32 of the device, 64M to 1G).") String attentionMemory;

        PlacementOptions options() {
            return new PlacementOptions(devices, placement, layerRanges, deviceMemory, passMemory, attentionMemory);
        }
    }

    @Command(name = "plan", description = "Print the placement (devices, layer ranges, resident or streamed weights)"
            + " and the memory per device, reading only config.json and the safetensors headers.")
    static final class PlanCommand implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Hugging Face checkpoint directory.") Path model;
        @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (one device; see --devices).")
        String device;
        @Option(names = "--dtype", defaultValue = "auto", description = "auto (f32 on cpu, f16 on gpu), f32, f16.")
        String dtype;
        @Option(names = "--batch-tokens", description = "Padded tokens per batch (default: 4096, halved until the"
                + " plan fits the devices).") Long batchTokens;
        @Option(names = "--max-length", description = "Longest prompt in tokens (default: the batch budget, at most"
                + " max_position_embeddings).") Integer maxLength;
        @Option(names = "--json", description = "Print the plan as JSON.") boolean json;
        @CommandLine.Mixin PlacementMixin placement;

        @Override
        public Integer call() {
            PlacementOptions po = placement.options();
            po.validate();
            long budget = batchTokens != null ? batchTokens : ExtractOptions.DEFAULT_BATCH_TOKENS;
            if (budget < 1) {
                throw new UsageError("--batch-tokens: must be positive");
            }
            if (maxLength != null && maxLength < 1) {
                throw new UsageError("--max-length: must be positive");
            }
            Path dir = ModelLocation.resolve(model).dir();
            ModelConfig c = ModelConfig.read(dir);
            List<DeviceSpec> ds = po.resolveDevices(device);
            ComputeTarget target = ComputeTarget.of(ds, dtype);
            try (Checkpoint ckpt = Checkpoint.open(dir)) {
                WeightLoader.validate(ckpt, c);
                MemoryModel mm = new MemoryModel(c, target.type());
                Extractor.Budgeted fitted = Extractor.planWithinBudget(budget, batchTokens != null,
                        b -> po.plan(mm, target.type(), ds, workload(c, b), false));
                Plan plan = fitted.plan();
                Planner.Workload work = workload(c, fitted.batchTokens());
                long cap = plan.uses().get(0).capacity();
                long attention = plan.placement().attentionBytes();
                int resident = Planner.fewestDevices(mm, target.type(), Placement.Mode.RESIDENT, cap, attention, work,
                        ds);
                int stream = Planner.fewestDevices(mm, target.type(), Placement.Mode.STREAM, cap, attention, work, ds);
                long stored = ckpt.fileSizes().stream().mapToLong(Long::longValue).sum();
                if (json) {
                    ObjectNode o = plan.json();
                    ObjectNode m = o.putObject("model");
                    m.put("path", dir.toAbsolutePath().normalize().toString());
                    m.put("architecture", c.architecture());
                    m.put("layers", c.numLayers());
                    m.put("hidden", c.hiddenSize());
                    m.put("vocab", c.vocabSize());
                    m.put("checkpoint_bytes", stored);
                    m.put("checkpoint_files", ckpt.fileSizes().size());
                    ObjectNode f = o.putObject("fewest_devices");
                    f.put("memory_bytes", cap);
                    putCount(f, "resident", resident);
                    putCount(f, "stream", stream);
                    System.out.println(o.toPrettyString());
                } else {
                    System.out.printf(Locale.ROOT, "model %s: %s, %d layers, hidden %d, vocab %d; checkpoint"
                                    + " %s in %d file(s); weights in %s: %s%n", model, c.architecture(), c.numLayers(),
                            c.hiddenSize(), c.vocabSize(), Sizes.format(stored), ckpt.fileSizes().size(),
                            target.label(), Sizes.format(plan.totalWeights()));
                    System.out.print(plan.table());
                    System.out.printf("fits; fewest devices of %s: %s resident, %s streamed%n", Sizes.format(cap),
                            resident == 0 ? "none" : String.valueOf(resident),
                            stream == 0 ? "none" : String.valueOf(stream));
                }
            }
            return 0;
        }

        /** The work of a batch budget: prompts up to --max-length, else up to the budget (and the model's limit). */
        private Planner.Workload workload(ModelConfig c, long budget) {
            int longest = maxLength != null ? maxLength
                    : (int) Math.min(budget, Math.min(Integer.MAX_VALUE, c.maxPositionEmbeddings()));
            return new Planner.Workload(Math.max(budget, longest), longest, Math.min(longest, 128));
        }

        private static void putCount(ObjectNode o, String key, int n) {
            if (n == 0) {
                o.putNull(key);
            } else {
                o.put(key, n);
            }
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw LandscapeException.of(dir, "cannot list: " + e.getMessage());
        }
    }

    public static void main(String[] args) {
        // Never download anything, and keep DJL's informational logging (GPU probing on CPU builds) off stderr.
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.setProperty("org.slf4j.simpleLogger.log.ai.djl",
                System.getProperty("org.slf4j.simpleLogger.log.ai.djl", "error"));
        System.exit(execute(args));
    }

    /** The tool's command line: help, version, --debug, exit codes and messages from {@link Cli}. */
    public static CommandLine commandLine() {
        return Cli.commandLine(new ExtractMain());
    }

    /** Runs the command line; returns the exit code. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }
}
