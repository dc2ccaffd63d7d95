package landscape.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import landscape.core.LandscapeException;
import landscape.core.format.Checkpoint;
import landscape.core.format.Npy;
import landscape.core.format.Safetensors;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.core.run.Sample;
import landscape.core.run.SamplesCsv;
import landscape.extract.data.JsonlPrompts;
import landscape.extract.data.MmluDataset;
import landscape.extract.data.PromptItem;
import landscape.extract.data.PromptTemplate;
import landscape.extract.data.Question;
import landscape.extract.model.DecoderModel;
import landscape.extract.model.LoraAdapter;
import landscape.extract.model.ModelConfig;

/**
 * The extraction service behind {@code landscape-extract run}: prompts in, a representation directory out.
 * Prompts are tokenized once, sorted by length and packed into right-padded batches under a token budget; each
 * batch runs in its own NDManager, and its rows go straight into preallocated layer files at their input rows.
 */
public final class Extractor {
    public static final String TOOL_VERSION = "0.1.0";

    /** Timings of a run (seconds) and token counts; {@code forwardSeconds} covers the forward passes only. */
    public record Stats(int rows, long tokens, long paddedTokens, int batches, double loadSeconds,
                        double forwardSeconds, double totalSeconds) {
    }

    public record Result(Path dir, Manifest manifest, Stats stats) {
    }

    private Extractor() {
    }

    /** The inputs of a run, in output row order. */
    public static List<PromptItem> items(ExtractOptions o) {
        List<PromptItem> items;
        if (o.prompts() != null) {
            if (o.dataset() != null) {
                throw new LandscapeException("--prompts and --dataset are mutually exclusive");
            }
            items = select(JsonlPrompts.read(o.prompts()), o);
        } else {
            if (o.dataset() == null || o.split() == null) {
                throw new LandscapeException("give --dataset DIR --split S (or --prompts FILE.jsonl)");
            }
            List<Question> qs = selectQuestions(MmluDataset.load(o.dataset(), o.split()), o);
            java.util.Map<String, List<Question>> dev = o.shots() > 0
                    ? MmluDataset.bySubject(o.dataset(), "dev") : Map.of();
            PromptTemplate t = new PromptTemplate(dev, o.shots(), o.shuffleShots(), o.seed());
            t.checkSubjects(qs.stream().map(Question::subject).distinct().toList(),
                    MmluDataset.splitLocation(o.dataset(), "dev"));
            items = new ArrayList<>(qs.size());
            for (Question q : qs) {
                items.add(new PromptItem(q.index(), q.subject(), q.answer(), t.prompt(q)));
            }
        }
        if (items.isEmpty()) {
            throw new LandscapeException("nothing to extract (empty selection after --mask/--limit)");
        }
        return items;
    }

    private static List<Question> selectQuestions(List<Question> all, ExtractOptions o) {
        List<Question> out = all;
        if (o.mask() != null) {
            out = new ArrayList<>();
            for (long i : maskIndices(o.mask(), all.size())) {
                out.add(all.get((int) i));
            }
        }
        return limit(out, o.limit());
    }

    private static List<PromptItem> select(List<PromptItem> all, ExtractOptions o) {
        List<PromptItem> out = all;
        if (o.mask() != null) {
            out = new ArrayList<>();
            for (long i : maskIndices(o.mask(), all.size())) {
                out.add(all.get((int) i));
            }
        }
        return limit(out, o.limit());
    }

    private static <T> List<T> limit(List<T> l, Integer limit) {
        if (limit == null) {
            return l;
        }
        if (limit < 1) {
            throw new LandscapeException("--limit: must be at least 1, got " + limit);
        }
        return l.subList(0, Math.min(limit, l.size()));
    }

    /** Mask rows, ascending; out-of-range or repeated rows are errors. */
    static long[] maskIndices(Path mask, int n) {
        if (!java.nio.file.Files.isRegularFile(mask)) {
            throw LandscapeException.of(mask, "no such file (--mask)");
        }
        long[] idx = Npy.readIndices(mask).clone();
        Arrays.sort(idx);
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= n) {
                throw LandscapeException.of(mask, "row " + idx[i] + " is outside the split (0.." + (n - 1) + ")");
            }
            if (i > 0 && idx[i] == idx[i - 1]) {
                throw LandscapeException.of(mask, "row " + idx[i] + " appears twice");
            }
        }
        return idx;
    }

    public static Result run(ExtractOptions o) {
        long t0 = System.nanoTime();
        o = HubInputs.resolve(o);
        if (o.out() == null) {
            throw new LandscapeException("--out is required");
        }
        if (o.batchTokens() < 1) {
            throw new LandscapeException("--batch-tokens: must be positive");
        }
        RepresentationDir.checkReplaceable(o.out());
        ModelConfig config = ModelConfig.read(o.model());
        SortedSet<Integer> points = LayerSpec.parse(o.layers(), config.numLayers());
        ComputeTarget target = ComputeTarget.resolve(o.device(), o.dtype());
        List<PromptItem> items = items(o);
        LoraAdapter adapter = o.adapter() == null ? null : LoraAdapter.read(o.adapter(), config);

        long[][] ids;
        long[] letters;
        try (TextTokenizer tok = TextTokenizer.open(o.model())) {
            ids = tok.encodeAll(items.stream().map(PromptItem::prompt).toList());
            PromptLengths.check(ids, items, config.maxPositionEmbeddings(), o.model().resolve("config.json"),
                    o.allowLongPrompts(), System.err);
            letters = tok.letterIds();
            Path staging = RepresentationDir.staging(o.out());
            // A run killed by a signal (Ctrl-C, Slurm/Nextflow SIGTERM) must not leave its staging directory (with
            // preallocated, possibly multi-GB layer files) behind.
            Thread cleanup = new Thread(() -> deleteQuietly(staging), "landscape-extract-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            boolean committed = false;
            try (Checkpoint ckpt = Checkpoint.open(o.model());
                 NDManager root = NDManager.newBaseManager(target.device(), "PyTorch")) {
                DecoderModel model = DecoderModel.load(config, ckpt, root.newSubManager(), target.type(), adapter);
                double load = (System.nanoTime() - t0) / 1e9;
                Run run = new Run(model, target, points, staging, items, ids, letters, tok, o);
                Stats st = run.execute(load, t0);
                Manifest m = manifest(o, config, adapter, target, items.size(), run.accuracy.result(), run.pointsInfo());
                RepresentationDir.writeManifest(staging, m);
                RepresentationDir.commit(staging, o.out());
                committed = true;
                return new Result(o.out(), m, st);
            } finally {
                if (!committed) {
                    deleteQuietly(staging);
                }
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or about to; nothing to undo
                }
            }
        }
    }

    /** Deletes a staging directory, keeping whatever error stopped the run (a leftover is only wasted space). */
    private static void deleteQuietly(Path staging) {
        try {
            RepresentationDir.deleteTree(staging);
        } catch (RuntimeException ignored) {
            // nothing more to do
        }
    }

    private static Manifest manifest(ExtractOptions o, ModelConfig c, LoraAdapter adapter, ComputeTarget target, int rows,
                                     Manifest.Accuracy acc, List<Manifest.Point> points) {
        Path modelPath = o.model().toAbsolutePath().normalize();
        String id = o.modelId() != null ? o.modelId() : modelPath.getFileName().toString();
        Manifest.ModelInfo mi = new Manifest.ModelInfo(id, modelPath.toString(), c.architecture(), c.numLayers(),
                c.hiddenSize(), c.vocabSize(), c.numHeads(), c.numKvHeads(), c.intermediateSize(), c.family().label());
        boolean jsonl = o.prompts() != null;
        String template = jsonl ? "jsonl" : o.shuffleShots() ? "mmlu-v1;shuffle-seed=" + o.seed() : "mmlu-v1";
        return new Manifest(Manifest.FORMAT, Manifest.FORMAT_VERSION, mi,
                adapter == null ? null : adapter.dir().toAbsolutePath().normalize().toString(),
                jsonl ? o.prompts().toAbsolutePath().normalize().toString()
                        : o.dataset().toAbsolutePath().normalize().toString(),
                jsonl ? null : o.split(), jsonl ? 0 : o.shots(), template, o.limit(),
                o.mask() == null ? null : o.mask().toAbsolutePath().normalize().toString(), target.label(), rows,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), TOOL_VERSION, acc, points);
    }

    /** One run's mutable state: writers, samples, tallies. */
    private static final class Run {
        private final DecoderModel model;
        private final ComputeTarget target;
        private final SortedSet<Integer> points;
        private final Path staging;
        private final List<PromptItem> items;
        private final long[][] ids;
        private final long[] letters;
        private final TextTokenizer tok;
        private final ExtractOptions options;
        private final Sample[] samples;
        private final AccuracyTally accuracy = new AccuracyTally();
        private final Map<Integer, Safetensors.Writer> writers = new LinkedHashMap<>();
        private final Map<Long, String> decodedCache = new java.util.HashMap<>();

        Run(DecoderModel model, ComputeTarget target, SortedSet<Integer> points, Path staging, List<PromptItem> items,
            long[][] ids, long[] letters, TextTokenizer tok, ExtractOptions options) {
            this.model = model;
            this.target = target;
            this.points = new TreeSet<>(points);
            this.staging = staging;
            this.items = items;
            this.ids = ids;
            this.letters = letters;
            this.tok = tok;
            this.options = options;
            this.samples = new Sample[items.size()];
        }

        Stats execute(double loadSeconds, long t0) {
            ModelConfig c = model.config();
            int n = items.size();
            int[] lengths = new int[n];
            long tokens = 0;
            for (int i = 0; i < n; i++) {
                lengths[i] = ids[i].length;
                tokens += lengths[i];
                if (lengths[i] == 0) {
                    throw new LandscapeException("prompt " + i + " tokenizes to nothing");
                }
                for (long id : ids[i]) {
                    if (id < 0 || id >= c.vocabSize()) {
                        throw LandscapeException.of(options.model().resolve("tokenizer.json"), "prompt " + i
                                + " has token id " + id + ", outside the model's vocab_size " + c.vocabSize());
                    }
                }
            }
            try {
                for (int p : points) {
                    Map<String, Safetensors.Spec> spec = Map.of("layer",
                            new Safetensors.Spec(target.fileType(), new long[] {n, c.pointDim(p)}));
                    writers.put(p, Safetensors.create(staging.resolve(fileName(p)), spec,
                            Map.of("index", String.valueOf(p), "module", c.pointModule(p))));
                }
                List<BatchPlan.Batch> plan = BatchPlan.plan(lengths, options.batchTokens());
                Progress progress = options.progress() ? Progress.forStderr(n, tokens) : null;
                long padded = 0;
                double forward = 0;
                for (BatchPlan.Batch batch : plan) {
                    long f0 = System.nanoTime();
                    runBatch(batch, lengths);
                    forward += (System.nanoTime() - f0) / 1e9;
                    padded += batch.paddedTokens();
                    if (progress != null) {
                        long bt = 0;
                        for (int i : batch.items()) {
                            bt += lengths[i];
                        }
                        progress.advance(batch.items().length, bt);
                    }
                }
                for (Safetensors.Writer w : writers.values()) {
                    w.commit();
                }
                SamplesCsv.write(staging.resolve(RepresentationDir.SAMPLES), Arrays.asList(samples));
                return new Stats(n, tokens, padded, plan.size(), loadSeconds, forward, (System.nanoTime() - t0) / 1e9);
            } finally {
                for (Safetensors.Writer w : writers.values()) {
                    w.close();
                }
            }
        }

        private void runBatch(BatchPlan.Batch batch, int[] lengths) {
            int b = batch.items().length;
            int t = batch.length();
            long[] flat = new long[b * t];
            int[] lens = new int[b];
            for (int r = 0; r < b; r++) {
                long[] row = ids[batch.items()[r]];
                System.arraycopy(row, 0, flat, r * t, row.length);
                lens[r] = row.length;
            }
            try (NDManager bm = model.manager().newSubManager()) {
                DecoderModel.Output out = model.forward(bm, flat, b, t, lens, points);
                for (Map.Entry<Integer, NDArray> e : out.points().entrySet()) {
                    write(e.getKey(), e.getValue(), batch.items());
                }
                long[] argmax = out.logits().argMax(1).toLongArray();
                NDArray abcd = out.logits().get(new NDIndex(":, {}", bm.create(letters)));
                long[] constrained = abcd.argMax(1).toLongArray();
                for (int r = 0; r < b; r++) {
                    int item = batch.items()[r];
                    PromptItem it = items.get(item);
                    String pred = decodedCache.computeIfAbsent(argmax[r], id -> PromptTemplate.pyStrip(tok.decode(id)));
                    String con = String.valueOf((char) ('A' + constrained[r]));
                    samples[item] = new Sample(item, it.datasetIndex(), it.subject(), it.answer(), pred, con, lens[r]);
                    accuracy.add(it.subject(), it.answer(), pred, con);
                }
            }
        }

        private void write(int point, NDArray rows, int[] order) {
            NDArray typed = rows.getDataType() == target.type() ? rows : rows.toType(target.type(), false);
            ByteBuffer buf = typed.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int rowBytes = buf.remaining() / order.length;
            Safetensors.Writer w = writers.get(point);
            for (int r = 0; r < order.length; r++) {
                ByteBuffer slice = buf.duplicate();
                slice.position(r * rowBytes).limit((r + 1) * rowBytes);
                w.write("layer", order[r], slice.slice());
            }
        }

        List<Manifest.Point> pointsInfo() {
            List<Manifest.Point> out = new ArrayList<>();
            ModelConfig c = model.config();
            for (int p : points) {
                Path f = staging.resolve(fileName(p));
                out.add(new Manifest.Point(p, c.pointModule(p), fileName(p), items.size(), c.pointDim(p),
                        target.fileType().label(), RepresentationDir.sha256(f)));
            }
            return out;
        }
    }

    static String fileName(int point) {
        return "l" + point + ".safetensors";
    }
}
