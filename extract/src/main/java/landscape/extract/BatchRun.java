package landscape.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
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
import landscape.extract.model.BatchInput;
import landscape.extract.model.DecoderModel;
import landscape.extract.model.ModelSink;
import landscape.extract.model.Placement;
import landscape.extract.model.ModelConfig;

/**
 * The batch run: tokenized prompts through the model, their rows straight into layer files preallocated in a
 * folder, with {@code samples.csv} and the accuracy tally. Prompts are sorted by length and packed into right-padded
 * batches under a token budget ({@link BatchPlan}), and consecutive batches into passes under the placement's
 * residual-stream budget; the model reports each extraction point as soon as it is known (from the thread of the
 * device that computed it) and its rows are written at their input rows.
 */
final class BatchRun {
    /** What the run did: tokens, padded tokens, batches, seconds in forward passes, and the accuracy. */
    record Outcome(long tokens, long paddedTokens, int batches, int passes, double forwardSeconds,
                   Manifest.Accuracy accuracy) {
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
    private static final String[] LETTERS = {"A", "B", "C", "D"};
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

    /** The batches of {@code ids} under a token budget, longest first ({@link BatchPlan}). */
    static List<BatchPlan.Batch> batches(long[][] ids, long batchTokens) {
        int[] lengths = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            lengths[i] = ids[i].length;
        }
        return BatchPlan.plan(lengths, batchTokens);
    }

    /**
     * Writes the layer files and samples.csv into {@code dir}, running {@code plan}'s batches in passes whose residual
     * streams ({@code residualBytesPerToken} per padded token) fit {@code passBytes} (at least one batch each).
     */
    Outcome writeInto(Path dir, List<BatchPlan.Batch> plan, long passBytes, long residualBytesPerToken,
                      boolean progressOnStderr) {
        ModelConfig c = model.config();
        int n = items.size();
        long tokens = 0;
        for (long[] row : ids) {
            tokens += row.length;
        }
        try {
            for (int p : points) {
                Map<String, Safetensors.Spec> spec = Map.of("layer",
                        new Safetensors.Spec(target.fileType(), new long[] {n, c.pointDim(p)}));
                writers.put(p, Safetensors.create(dir.resolve(RepresentationDir.layerFile(p)), spec,
                        Map.of("index", String.valueOf(p), "module", c.pointModule(p))));
            }
            Progress progress = progressOnStderr ? Progress.forStderr(n, tokens) : null;
            long padded = 0;
            for (BatchPlan.Batch batch : plan) {
                padded += batch.paddedTokens();
            }
            List<List<BatchInput>> passes = passes(plan, passBytes, residualBytesPerToken);
            long f0 = System.nanoTime();
            model.run(passes.iterator(), points, new ModelSink() {
                @Override
                public void points(BatchInput batch, int[] indices, int[] widths, NDArray rows) {
                    write(indices, widths, rows, batch.items());
                }

                @Override
                public void logits(BatchInput batch, NDArray logits) {
                    predict(batch, logits);
                    if (progress != null) {
                        long bt = 0;
                        for (int len : batch.lengths()) {
                            bt += len;
                        }
                        progress.advance(batch.rows(), bt);
                    }
                }
            });
            double forward = (System.nanoTime() - f0) / 1e9;
            for (Safetensors.Writer w : writers.values()) {
                w.commit();
            }
            SamplesCsv.write(dir.resolve(RepresentationDir.SAMPLES), Arrays.asList(samples));
            return new Outcome(tokens, padded, plan.size(), passes.size(), forward, accuracy.result());
        } finally {
            for (Safetensors.Writer w : writers.values()) {
                w.close();
            }
        }
    }

    /**
     * Streamed weights: consecutive batches grouped while their residual streams fit {@code passBytes} (at least one
     * batch each). Resident weights: one batch per pass (batch after batch, as without placement).
     */
    private List<List<BatchInput>> passes(List<BatchPlan.Batch> plan, long passBytes, long bytesPerToken) {
        boolean resident = model.placement().mode() == Placement.Mode.RESIDENT;
        List<List<BatchInput>> out = new ArrayList<>();
        List<BatchInput> current = new ArrayList<>();
        long bytes = 0;
        for (BatchPlan.Batch batch : plan) {
            long b = batch.paddedTokens() * bytesPerToken;
            if (!current.isEmpty() && (resident || bytes + b > passBytes)) {
                out.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(input(batch));
            bytes += b;
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    private BatchInput input(BatchPlan.Batch batch) {
        int b = batch.items().length;
        int t = batch.length();
        long[] flat = new long[b * t];
        int[] lens = new int[b];
        for (int r = 0; r < b; r++) {
            long[] row = ids[batch.items()[r]];
            System.arraycopy(row, 0, flat, r * t, row.length);
            lens[r] = row.length;
        }
        return new BatchInput(batch.items(), flat, b, t, lens);
    }

    /**
     * Unconstrained and A-D predictions of a batch from its last-token logits, computed on the logits' device and
     * copied to the host in one array with the logits' finiteness.
     */
    private void predict(BatchInput batch, NDArray logits) {
        int rows = batch.rows();
        long[] host;
        NDList parts = new NDList();
        try {
            parts.add(logits.argMax(1));
            NDList columns = new NDList();
            try {
                for (long id : letters) {
                    columns.add(logits.get(new NDIndex(":, {}", id)));
                }
                try (NDArray abcd = NDArrays.stack(columns, 1)) {
                    parts.add(abcd.argMax(1));
                }
            } finally {
                columns.close();
            }
            parts.add(NonFinite.finiteFlag(logits));
            try (NDArray packed = NDArrays.concat(parts, 0)) {
                host = packed.toLongArray();
            }
        } finally {
            parts.close();
        }
        if (host[2 * rows] != 1) {
            throw nonFiniteLogits(logits, batch.items());
        }
        for (int r = 0; r < rows; r++) {
            int item = batch.items()[r];
            PromptItem it = items.get(item);
            String pred = decoded.computeIfAbsent(host[r], id -> PromptTemplate.pyStrip(tok.decode(id)));
            String con = LETTERS[(int) host[rows + r]];
            samples[item] = new Sample(item, it.datasetIndex(), it.subject(), it.answer(), pred, con,
                    batch.lengths()[r]);
            accuracy.add(it.subject(), it.answer(), pred, con);
        }
    }

    /**
     * Points {@code indices} of a batch, side by side in {@code rows}: one copy to the host, the non-finite check per
     * point, then each point's rows into its layer file at their input rows {@code order}.
     */
    private void write(int[] indices, int[] widths, NDArray rows, int[] order) {
        if (rows.getDataType() == target.type()) {
            write(indices, widths, rows.toByteBuffer(true), order);
        } else {
            try (NDArray typed = rows.toType(target.type(), false)) {
                write(indices, widths, typed.toByteBuffer(true), order);
            }
        }
    }

    /**
     * The same from the host copy {@code buf}: a direct view of the host memory of the array (on the CPU the array's
     * own, from a GPU the copy DJL makes), so neither a Java array nor the file writes copy it again; used while the
     * array is open.
     */
    private void write(int[] indices, int[] widths, ByteBuffer buf, int[] order) {
        buf.order(ByteOrder.LITTLE_ENDIAN);
        PointBlock block = new PointBlock(buf, target.fileType(), order.length, indices, widths);
        PointBlock.Found bad = block.firstNonFinite();
        if (bad != null) {
            throw nonFinite("point " + bad.point() + " (" + model.config().pointModule(bad.point()) + ")",
                    order[bad.row()], bad.column(), bad.value());
        }
        block.writeTo(writers, order);
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
