package landscape.extract;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import landscape.core.LandscapeException;
import landscape.core.cli.Cli;
import landscape.core.cli.UsageError;
import landscape.core.format.DType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code landscape-extract}: run (extraction), tokenize (debug prompts), make-tiny-model (random test model). */
@Command(name = "landscape-extract",
        description = "Hidden representations of Llama, Mistral, Qwen2/3, Gemma-2/3 and Phi-3 models at the last prompt"
                + " token (DJL + PyTorch).",
        subcommands = {ExtractMain.Run.class, ExtractMain.Tokenize.class, ExtractMain.MakeTinyModel.class})
public final class ExtractMain implements Runnable {

    @Override
    public void run() {
        throw new UsageError("missing subcommand (run, tokenize, make-tiny-model)");
    }

    @Command(name = "run", description = "Extract representations into a representation directory.")
    static final class Run implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Checkpoint folder, or hub cache models--Org--Name.") Path model;
        @Option(names = "--model-id", description = "Name in the manifest (default: folder or repo name).") String modelId;
        @Option(names = "--adapter", description = "PEFT LoRA adapter directory, merged at load.") Path adapter;
        @Option(names = "--dataset", description = "MMLU: Hendrycks CSVs or cais/mmlu parquet.") Path dataset;
        @Option(names = "--split", defaultValue = "test") String split;
        @Option(names = "--shots", defaultValue = "0", description = "Few-shot examples from dev, 0..5.") int shots;
        @Option(names = "--prompts", description = "JSONL file of {\"prompt\":..., \"subject\"?, \"answer\"?}.") Path prompts;
        @Option(names = "--limit", description = "Only the first N rows.") Integer limit;
        @Option(names = "--mask", description = ".npy of row indices to extract.") Path mask;
        @Option(names = "--layers", description = "Point subset, e.g. 0-3,33 (L = model.norm, L+1 = logits).") String layers;
        @Option(names = "--batch-tokens", defaultValue = "4096", description = "Padded tokens per batch.") long batchTokens;
        @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu.") String device;
        @Option(names = "--dtype", defaultValue = "auto", description = "auto (f32 on cpu, f16 on gpu), f32, f16.") String dtype;
        @Option(names = "--shuffle-shots", description = "Seeded per-question order of the shots.") boolean shuffleShots;
        @Option(names = "--seed", defaultValue = "0") long seed;
        @Option(names = "--out", required = true, description = "Output directory.") Path out;
        @Option(names = "--no-progress", description = "No progress on stderr.") boolean noProgress;
        @Option(names = "--allow-long-prompts", description = "Extract prompts longer than the model's"
                + " max_position_embeddings (with a warning) instead of refusing them.") boolean allowLongPrompts;

        @Override
        public Integer call() {
            ExtractOptions.Builder o = ExtractOptions.builder(model, out).modelId(modelId).adapter(adapter)
                    .prompts(prompts).limit(limit).mask(mask).layers(layers).batchTokens(batchTokens).device(device)
                    .dtype(dtype).shuffleShots(shuffleShots, seed).progress(!noProgress).allowLongPrompts(allowLongPrompts);
            if (dataset != null) {
                o.dataset(dataset, split, shots);
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
            try (TextTokenizer t = TextTokenizer.open(landscape.core.model.ModelLocation.resolve(model).dir())) {
                long[] ids = noSpecial ? t.encodeWithoutSpecial(text) : t.encode(text);
                System.out.println(Arrays.toString(ids).replace(" ", ""));
            }
            return 0;
        }
    }

    @Command(name = "make-tiny-model", description = "Write a random-weight Llama in the Hugging Face layout.")
    static final class MakeTinyModel implements Callable<Integer> {
        @Option(names = "--out", required = true) Path out;
        @Option(names = "--seed", defaultValue = "0") long seed;
        @Option(names = "--layers", defaultValue = "2") int layers;
        @Option(names = "--hidden", defaultValue = "64") int hidden;
        @Option(names = "--heads", defaultValue = "4") int heads;
        @Option(names = "--kv-heads", defaultValue = "2") int kvHeads;
        @Option(names = "--intermediate", defaultValue = "128") int intermediate;
        @Option(names = "--vocab", defaultValue = "262") int vocab;
        @Option(names = "--rope-theta", defaultValue = "500000") double ropeTheta;
        @Option(names = "--tied", description = "Tie lm_head to the embeddings.") boolean tied;
        @Option(names = "--weights-dtype", defaultValue = "F32", description = "F32, F16 or BF16.") String weightsDtype;

        @Override
        public Integer call() {
            if (Files.exists(out) && !(Files.isDirectory(out) && isEmpty(out))) {
                throw LandscapeException.of(out, "exists and is not an empty directory; refusing to overwrite it "
                        + "(make-tiny-model writes config.json, model.safetensors and tokenizer.json into a new "
                        + "directory)");
            }
            DType d = DType.fromSafetensors(weightsDtype.toUpperCase());
            if (d == null) {
                throw new UsageError("--weights-dtype: F32, F16 or BF16, got '" + weightsDtype + "'");
            }
            TinyModelWriter.write(out, new TinyModelWriter.Spec(layers, hidden, heads, kvHeads, intermediate, vocab,
                    ropeTheta, tied, d), seed);
            System.err.println("landscape-extract: wrote " + out);
            return 0;
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
