package landscape.extract;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedSet;
import java.util.function.LongFunction;
import java.util.stream.Collectors;
import landscape.core.LandscapeException;
import landscape.core.Sizes;
import landscape.core.cli.OutOfMemory;
import landscape.core.cli.UsageError;
import landscape.core.format.Checkpoint;
import landscape.core.run.AtomicOutput;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.extract.data.PromptItem;
import landscape.extract.model.DecoderModel;
import landscape.extract.model.ForwardException;
import landscape.extract.model.LoraAdapter;
import landscape.extract.model.ModelConfig;
import landscape.extract.model.Placement;
import landscape.extract.model.WeightLoader;
import landscape.extract.placement.DeviceSpec;
import landscape.extract.placement.Devices;
import landscape.extract.placement.MemoryModel;
import landscape.extract.placement.PlacementOptions;
import landscape.extract.placement.Plan;
import landscape.extract.placement.Planner;

/**
 * The extraction service behind {@code landscape-extract run}: prompts in, a representation directory out. It checks
 * everything it can before loading the model (output folder, config, points, device, prompts, adapter, tokens, and
 * the placement: devices, layer ranges, resident or streamed weights, memory), then runs the batches into a staging
 * folder next to {@code --out} and renames it into place. The steps are small
 * classes: {@link PromptSelection} (which prompts), {@link BatchRun} (the forward passes into layer files) and
 * {@link RunManifest} (what the run records).
 */
public final class Extractor {
    /**
     * Timings of a run (seconds) and token counts; {@code forwardSeconds} covers the forward passes only (streamed
     * weights read meanwhile), {@code passes} the groups of batches taken through the model layer by layer,
     * {@code streamReadSeconds} the time the loader threads spent reading streamed layers (overlapped with computing)
     * and {@code streamWaitSeconds} the time computing waited for them (0 with resident weights).
     */
    public record Stats(int rows, long tokens, long paddedTokens, int batches, int passes, double loadSeconds,
                        double forwardSeconds, double streamReadSeconds, double streamWaitSeconds,
                        double totalSeconds) {
    }

    /** The finished run: where it is, its manifest, its timings and the placement it ran with. */
    public record Result(Path dir, Manifest manifest, Stats stats, Plan plan) {
    }

    /** The default --batch-tokens is halved down to this when the plan of 4096 does not fit the devices. */
    static final long MIN_DEFAULT_BATCH_TOKENS = 256;

    private Extractor() {
    }

    public static Result run(ExtractOptions o) {
        long t0 = System.nanoTime();
        o = HubInputs.resolve(o);
        RepresentationDir.checkReplaceable(o.out());
        ModelConfig config = ModelConfig.read(o.model());
        SortedSet<Integer> points = LayerSpec.parse(o.layers(), config.numLayers());
        List<DeviceSpec> devices = o.placement().resolveDevices(o.device());
        Devices.checkExist(devices);
        ComputeTarget target = ComputeTarget.of(devices, o.dtype());
        List<PromptItem> items = PromptSelection.select(o);
        LoraAdapter adapter = o.adapter() == null ? null : LoraAdapter.read(o.adapter(), config);
        try (TextTokenizer tok = TextTokenizer.open(o.model())) {
            long[][] ids = tok.encodeAll(items.stream().map(PromptItem::prompt).toList());
            checkTokens(ids, config, o.model());
            PromptLengths.check(ids, items, config.maxPositionEmbeddings(), o.model().resolve("config.json"),
                    o.allowLongPrompts(), System.err);
            try (Checkpoint ckpt = Checkpoint.open(o.model())) {
                // the placement is decided from config.json and the safetensors headers, before any weight is read
                WeightLoader.validate(ckpt, config);
                MemoryModel mm = new MemoryModel(config, target.type());
                PlacementOptions po = o.placement();
                Budgeted fitted = planWithinBudget(o.batchTokens(), o.batchTokensGiven(),
                        b -> po.plan(mm, target.type(), devices, workload(BatchRun.batches(ids, b)), true));
                Plan plan = fitted.plan();
                if (fitted.batchTokens() != o.batchTokens()) {
                    o = o.toBuilder().batchTokens(fitted.batchTokens()).build();
                }
                List<BatchPlan.Batch> batches = BatchRun.batches(ids, o.batchTokens());
                // staged beside --out, renamed into place at the end; removed on failure and on SIGTERM/Ctrl-C
                try (AtomicOutput out = RepresentationDir.stage(o.out());
                     NDManager root = NDManager.newBaseManager(target.device(), "PyTorch");
                     DecoderModel model = open(config, ckpt, plan, root, target, adapter)) {
                    double load = (System.nanoTime() - t0) / 1e9;
                    BatchRun.Outcome done;
                    try {
                        done = new BatchRun(model, target, points, tok, items, ids, o.model()).writeInto(out.dir(),
                                batches, plan.passBytes(), (long) config.hiddenSize() * target.type().getNumOfBytes(),
                                o.progress());
                    } catch (ForwardException e) {
                        throw e.outOfMemory() ? outOfMemory(e, o, plan) : e;
                    }
                    Manifest m = RunManifest.of(o, config, adapter, target, items.size(), done.accuracy(),
                            RunManifest.points(config, points, out.dir(), items.size(), target));
                    RepresentationDir.writeManifest(out.dir(), m);
                    out.commit();
                    double[] streamed = model.streamSeconds();
                    Stats stats = new Stats(items.size(), done.tokens(), done.paddedTokens(), done.batches(),
                            done.passes(), load, done.forwardSeconds(), streamed[0], streamed[1],
                            (System.nanoTime() - t0) / 1e9);
                    return new Result(o.out(), m, stats, plan);
                }
            }
        }
    }

    /** The planner's view of the batches: the largest (padded tokens), the longest and the shortest prompt. */
    static Planner.Workload workload(List<BatchPlan.Batch> batches) {
        long most = 1;
        int longest = 1;
        int shortest = Integer.MAX_VALUE;
        for (BatchPlan.Batch b : batches) {
            most = Math.max(most, b.paddedTokens());
            longest = Math.max(longest, b.length());
            shortest = Math.min(shortest, b.length());
        }
        return new Planner.Workload(most, longest, Math.max(1, Math.min(shortest, longest)));
    }

    /** A plan and the batch budget it was made for. */
    record Budgeted(long batchTokens, Plan plan) {
    }

    /**
     * The plan for {@code budget}; when that is refused and the budget is the default one (not {@code given}), the
     * plan of the largest halving of it (down to {@link #MIN_DEFAULT_BATCH_TOKENS}) that fits, else the first refusal.
     * A usage error is never retried. Shared by {@code run} and {@code plan}.
     */
    static Budgeted planWithinBudget(long budget, boolean given, LongFunction<Plan> planFor) {
        try {
            return new Budgeted(budget, planFor.apply(budget));
        } catch (LandscapeException refused) {
            if (given || refused instanceof UsageError) {
                throw refused;
            }
            // the default budget fits the device: halved (to 256 at least) until the plan fits
            for (long b = budget / 2; b >= MIN_DEFAULT_BATCH_TOKENS; b /= 2) {
                try {
                    return new Budgeted(b, planFor.apply(b));
                } catch (LandscapeException stillRefused) {
                    // try a smaller budget
                }
            }
            throw refused;
        }
    }

    /**
     * The model on its devices; running out of memory while the weights are placed (the plan is an estimate, and
     * other processes share a device) is an {@link OutOfMemory} that says what the plan expected.
     */
    private static DecoderModel open(ModelConfig config, Checkpoint ckpt, Plan plan, NDManager root,
                                     ComputeTarget target, LoraAdapter adapter) {
        try {
            return DecoderModel.open(config, ckpt, plan.placement(), root, target.type(), adapter);
        } catch (RuntimeException e) {
            if (e instanceof LandscapeException || !OutOfMemory.isCause(e)) {
                throw e;
            }
            throw new OutOfMemory("out of memory while loading the weights (" + plan.placement().mode().label()
                    + " on " + plan.uses().stream()
                    .map(u -> u.device().label()).collect(Collectors.joining(","))
                    + "; the plan expected at most " + Sizes.format(plan.maxTotal()) + " on one device): "
                    + firstLine(e) + "; give --device-memory below what the devices have free, or --placement stream",
                    e);
        }
    }

    private static String firstLine(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (OutOfMemory.isCause(c) && (c.getCause() == null || !OutOfMemory.isCause(c.getCause()))) {
                String m = c.getMessage() == null ? c.toString() : c.getMessage();
                return m.lines().findFirst().orElse(m);
            }
        }
        return String.valueOf(t.getMessage());
    }

    /** Running out of memory, said with the budgets to lower (exit code 3: the pipeline retries with smaller ones). */
    static OutOfMemory outOfMemory(ForwardException e, ExtractOptions o, Plan plan) {
        String passNow = plan.placement().mode() == Placement.Mode.STREAM
                ? ", --pass-memory (now " + Sizes.option(plan.passBytes()) + ")" : "";
        long expected = plan.uses().stream().filter(u -> u.device().label().equals(e.device()))
                .mapToLong(Planner.Use::total).findFirst().orElse(plan.maxTotal());
        long cap = plan.uses().stream().filter(u -> u.device().label().equals(e.device()))
                .mapToLong(Planner.Use::capacity).findFirst().orElse(0);
        return new OutOfMemory("out of memory on " + e.device() + " at layer " + e.layer() + " (largest batch "
                + e.rows() + " x " + e.length() + " tokens, pass of " + e.passTokens() + " padded tokens; the plan"
                + " expected " + Sizes.format(expected) + " of " + Sizes.format(cap) + "): lower --batch-tokens (now "
                + o.batchTokens() + ")" + passNow + " or --attention-memory (now "
                + Sizes.option(plan.placement().attentionBytes()) + "), or give --device-memory below what the device"
                + " has free", e);
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
