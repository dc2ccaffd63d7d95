package landscape.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import landscape.core.LandscapeException;
import landscape.core.format.DType;
import landscape.core.format.Safetensors;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.core.run.Sample;
import landscape.core.run.SamplesCsv;
import landscape.extract.data.PromptItem;
import landscape.extract.data.PromptTemplate;
import landscape.extract.model.DecoderModel;
import landscape.extract.model.ModelConfig;

/**
 * The batch run: tokenized prompts through the model, their rows straight into layer files preallocated in a
 * folder, with {@code samples.csv} and the accuracy tally. Prompts are sorted by length and packed into right-padded
 * batches under a token budget ({@link BatchPlan}); each batch runs in its own NDManager, so nothing from one batch
 * outlives it, and its rows are written at their input rows.
 */
final class BatchRun {
    /** What the run did: tokens, padded tokens, batches, seconds in forward passes, and the accuracy. */
    record Outcome(long tokens, long paddedTokens, int batches, double forwardSeconds, Manifest.Accuracy accuracy) {
    }

    private final DecoderModel model;
    private final ComputeTarget target;
    private final SortedSet<Integer> points;
    private final TextTokenizer tok;
    private final long[] letters;
    private final List<PromptItem> items;
    private final long[][] ids;
    private final Sample[] samples;
    private final AccuracyTally accuracy = new AccuracyTally();
    private final Map<Integer, Safetensors.Writer> writers = new LinkedHashMap<>();
    private final Map<Long, String> decoded = new HashMap<>();
    private final Path source;

    /**
     * A run of {@code items} (tokenized as {@code ids}) through {@code model}, writing {@code points}; {@code source}
     * (the checkpoint folder) is what an error about the values names.
     */
    BatchRun(DecoderModel model, ComputeTarget target, SortedSet<Integer> points, TextTokenizer tok, List<PromptItem> items,
             long[][] ids, Path source) {
        this.model = model;
        this.source = source;
        this.target = target;
        this.points = new TreeSet<>(points);
        this.tok = tok;
        this.letters = tok.letterIds();
        this.items = items;
        this.ids = ids;
        this.samples = new Sample[items.size()];
    }

    /** Writes the layer files and samples.csv into {@code dir}. */
    Outcome writeInto(Path dir, long batchTokens, boolean progressOnStderr) {
        ModelConfig c = model.config();
        int n = items.size();
        int[] lengths = new int[n];
        long tokens = 0;
        for (int i = 0; i < n; i++) {
            lengths[i] = ids[i].length;
            tokens += lengths[i];
        }
        try {
            for (int p : points) {
                Map<String, Safetensors.Spec> spec = Map.of("layer",
                        new Safetensors.Spec(target.fileType(), new long[] {n, c.pointDim(p)}));
                writers.put(p, Safetensors.create(dir.resolve(RepresentationDir.layerFile(p)), spec,
                        Map.of("index", String.valueOf(p), "module", c.pointModule(p))));
            }
            List<BatchPlan.Batch> plan = BatchPlan.plan(lengths, batchTokens);
            Progress progress = progressOnStderr ? Progress.forStderr(n, tokens) : null;
            long padded = 0;
            double forward = 0;
            for (BatchPlan.Batch batch : plan) {
                long f0 = System.nanoTime();
                runBatch(batch);
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
            SamplesCsv.write(dir.resolve(RepresentationDir.SAMPLES), Arrays.asList(samples));
            return new Outcome(tokens, padded, plan.size(), forward, accuracy.result());
        } finally {
            for (Safetensors.Writer w : writers.values()) {
                w.close();
            }
        }
    }

    private void runBatch(BatchPlan.Batch batch) {
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
            // in point order, so that a non-finite value is reported at the first point that has one
            for (Map.Entry<Integer, NDArray> e : new TreeMap<>(out.points()).entrySet()) {
                write(e.getKey(), e.getValue(), batch.items());
            }
            if (!NonFinite.allFinite(out.logits())) {
                throw nonFiniteLogits(out.logits(), batch.items());
            }
            long[] argmax = out.logits().argMax(1).toLongArray();
            NDArray abcd = out.logits().get(new NDIndex(":, {}", bm.create(letters)));
            long[] constrained = abcd.argMax(1).toLongArray();
            for (int r = 0; r < b; r++) {
                int item = batch.items()[r];
                PromptItem it = items.get(item);
                String pred = decoded.computeIfAbsent(argmax[r], id -> PromptTemplate.pyStrip(tok.decode(id)));
                String con = String.valueOf((char) ('A' + constrained[r]));
                samples[item] = new Sample(item, it.datasetIndex(), it.subject(), it.answer(), pred, con, lens[r]);
                accuracy.add(it.subject(), it.answer(), pred, con);
            }
        }
    }

    private void write(int point, NDArray rows, int[] order) {
        NDArray typed = rows.getDataType() == target.type() ? rows : rows.toType(target.type(), false);
        ByteBuffer buf = typed.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        NonFinite.Found bad = NonFinite.first(buf, target.fileType(), order.length);
        if (bad != null) {
            throw nonFinite("point " + point + " (" + model.config().pointModule(point) + ")", order[bad.row()],
                    bad.column(), bad.value());
        }
        int rowBytes = buf.remaining() / order.length;
        Safetensors.Writer w = writers.get(point);
        for (int r = 0; r < order.length; r++) {
            ByteBuffer slice = buf.duplicate();
            slice.position(r * rowBytes).limit((r + 1) * rowBytes);
            w.write("layer", order[r], slice.slice());
        }
    }

    private LandscapeException nonFiniteLogits(NDArray logits, int[] order) {
        NDArray f32 = logits.toType(DataType.FLOAT32, false);
        ByteBuffer buf = f32.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        NonFinite.Found bad = NonFinite.first(buf, DType.F32, order.length);
        return nonFinite("the logits (lm_head, which give the predictions and the accuracy)",
                bad == null ? order[0] : order[bad.row()], bad == null ? 0 : bad.column(), bad == null ? "NaN" : bad.value());
    }

    /** One line: where the first non-finite value is, and why nothing is written. */
    private LandscapeException nonFinite(String where, int row, int column, String value) {
        PromptItem it = items.get(row);
        return LandscapeException.of(source, where + ": row " + row + " (dataset_index " + it.datasetIndex() + ") holds "
                + value + " at column " + column + "; the forward pass gives non-finite values (NaN or infinite weights "
                + "in the checkpoint or adapter, or an f16 overflow), so nothing is written");
    }
}
