package landscape.extract;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedSet;
import landscape.core.LandscapeException;
import landscape.core.format.Checkpoint;
import landscape.core.run.AtomicOutput;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.extract.data.PromptItem;
import landscape.extract.model.DecoderModel;
import landscape.extract.model.LoraAdapter;
import landscape.extract.model.ModelConfig;

/**
 * The extraction service behind {@code landscape-extract run}: prompts in, a representation directory out. It checks
 * everything it can before loading the model (output folder, config, points, device, prompts, adapter, tokens), then
 * runs the batches into a staging folder next to {@code --out} and renames it into place. The steps are small
 * classes: {@link PromptSelection} (which prompts), {@link BatchRun} (the forward passes into layer files) and
 * {@link RunManifest} (what the run records).
 */
public final class Extractor {
    /** Timings of a run (seconds) and token counts; {@code forwardSeconds} covers the forward passes only. */
    public record Stats(int rows, long tokens, long paddedTokens, int batches, double loadSeconds,
                        double forwardSeconds, double totalSeconds) {
    }

    public record Result(Path dir, Manifest manifest, Stats stats) {
    }

    private Extractor() {
    }

    public static Result run(ExtractOptions o) {
        long t0 = System.nanoTime();
        o = HubInputs.resolve(o);
        RepresentationDir.checkReplaceable(o.out());
        ModelConfig config = ModelConfig.read(o.model());
        SortedSet<Integer> points = LayerSpec.parse(o.layers(), config.numLayers());
        ComputeTarget target = ComputeTarget.resolve(o.device(), o.dtype());
        List<PromptItem> items = PromptSelection.select(o);
        LoraAdapter adapter = o.adapter() == null ? null : LoraAdapter.read(o.adapter(), config);
        try (TextTokenizer tok = TextTokenizer.open(o.model())) {
            long[][] ids = tok.encodeAll(items.stream().map(PromptItem::prompt).toList());
            checkTokens(ids, config, o.model());
            PromptLengths.check(ids, items, config.maxPositionEmbeddings(), o.model().resolve("config.json"),
                    o.allowLongPrompts(), System.err);
            // staged beside --out, renamed into place at the end; removed on failure and on SIGTERM/Ctrl-C
            try (AtomicOutput out = RepresentationDir.stage(o.out());
                 Checkpoint ckpt = Checkpoint.open(o.model());
                 NDManager root = NDManager.newBaseManager(target.device(), "PyTorch")) {
                DecoderModel model = DecoderModel.load(config, ckpt, root.newSubManager(), target.type(), adapter);
                double load = (System.nanoTime() - t0) / 1e9;
                BatchRun.Outcome done = new BatchRun(model, target, points, tok, items, ids, o.model())
                        .writeInto(out.dir(), o.batchTokens(), o.progress());
                Manifest m = RunManifest.of(o, config, adapter, target, items.size(), done.accuracy(),
                        RunManifest.points(config, points, out.dir(), items.size(), target));
                RepresentationDir.writeManifest(out.dir(), m);
                out.commit();
                Stats stats = new Stats(items.size(), done.tokens(), done.paddedTokens(), done.batches(), load,
                        done.forwardSeconds(), (System.nanoTime() - t0) / 1e9);
                return new Result(o.out(), m, stats);
            }
        }
    }

    /** Every prompt has tokens, and every token id is inside the model's vocabulary. */
    private static void checkTokens(long[][] ids, ModelConfig c, Path model) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i].length == 0) {
                throw LandscapeException.of(model.resolve("tokenizer.json"), "prompt " + i + " tokenizes to no tokens");
            }
            for (long id : ids[i]) {
                if (id < 0 || id >= c.vocabSize()) {
                    throw LandscapeException.of(model.resolve("tokenizer.json"), "prompt " + i + " has token id " + id
                            + ", outside the model's vocab_size " + c.vocabSize());
                }
            }
        }
    }
}
