package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import landscape.core.format.Checkpoint;

/**
 * One device of a {@link Placement} and the layers {@code [from, to)} it computes. It takes a pass (several batches)
 * through its layers layer by layer: layer i is applied to every batch of the pass before layer i+1, so with
 * streamed weights each layer is read once per pass. The first stage embeds the tokens, the last applies the final
 * norm and the lm_head at the last tokens.
 * <ul>
 *   <li>Resident: the stage's weights are loaded when it is built and stay on its device.</li>
 *   <li>Stream: a loader thread reads layer i+1 from the checkpoint (positional reads, converted to the compute dtype,
 *       onto the device) while layer i computes; a layer's arrays are freed as soon as the pass is through it. The
 *       embedding rows of a batch are read from the checkpoint as needed and the lm_head is read in blocks of
 *       vocabulary rows, once per pass, applied to the pass's last tokens only.</li>
 * </ul>
 * The last-token rows of the extraction points wait on the device, per batch, until the batch is through the stage
 * (on the last stage: through the head), and go to the sink side by side in one array, so that each batch costs one
 * copy to the host per device instead of one per point; while the rows waiting for the whole pass would exceed
 * {@link #pointBufferBytes}, every batch's waiting rows are delivered first.
 */
final class Stage implements AutoCloseable {
    /** Vocabulary rows of a streamed lm_head block: this many bytes of weights in the compute dtype. */
    static long headBlockBytes = 256L << 20;
    /** Bytes of extraction-point rows a pass may keep waiting on the device before they are delivered. */
    static long pointBufferBytes = 64L << 20;

    private final ModelConfig config;
    private final Placement.Slot slot;
    private final Placement.Mode mode;
    private final NDManager manager;
    private final DataType type;
    private final long attentionBytes;
    private final boolean first;
    private final boolean last;
    private final Checkpoint checkpoint;
    private final WeightLoader loader;
    private final Map<ModelConfig.Rope, RotaryEmbedding> ropes = new HashMap<>();
    // resident weights (null when streamed)
    private final List<DecoderLayer> layers = new ArrayList<>();
    private NDArray embed;
    private NDArray lmHead;
    private RmsNorm norm;
    // streaming
    private ExecutorService prefetcher;
    private WeightLoader prefetchLoader;
    private Future<Loaded> pending;
    private int pendingLayer = -1;
    private long loadNanos;
    private long waitNanos;
    /** Bytes of point rows waiting on this stage's device (all batches of the pass being processed). */
    private long waitingBytes;

    /** A streamed layer and the manager that holds its weights. */
    private record Loaded(DecoderLayer layer, NDManager manager, long nanos) {
    }

    Stage(ModelConfig config, Checkpoint checkpoint, Placement placement, int index, NDManager root, DataType type,
          LoraAdapter adapter) {
        this.config = config;
        this.checkpoint = checkpoint;
        this.slot = placement.slots().get(index);
        this.mode = placement.mode();
        this.type = type;
        this.attentionBytes = placement.attentionBytes();
        this.first = index == 0;
        this.last = index == placement.slots().size() - 1;
        this.manager = root.newSubManager(slot.device());
        boolean resident = mode == Placement.Mode.RESIDENT;
        this.loader = new WeightLoader(checkpoint, manager, type, adapter, resident);
        if (resident) {
            if (first) {
                embed = loader.load("model.embed_tokens.weight");
            }
            for (int i = slot.from(); i < slot.to(); i++) {
                layers.add(DecoderModel.layer(config, loader, i, rope(i)));
            }
            if (last) {
                lmHead = config.tieWordEmbeddings() && first ? embed : loader.load(config.lmHeadName());
            }
        } else {
            prefetcher = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "landscape-load-" + slot.label());
                t.setDaemon(true);
                return t;
            });
            prefetchLoader = new WeightLoader(checkpoint, manager, type, adapter, false);
        }
        if (last) {
            norm = DecoderModel.norm(config, loader, "model.norm.weight");
        }
    }

    Placement.Slot slot() {
        return slot;
    }

    NDManager manager() {
        return manager;
    }

    /** Seconds spent reading streamed layers (on the loader thread) and waiting for them (on the compute thread). */
    double[] streamSeconds() {
        return new double[] {loadNanos / 1e9, waitNanos / 1e9};
    }

    private synchronized RotaryEmbedding rope(int layer) {
        return ropes.computeIfAbsent(config.rope(layer), r -> new RotaryEmbedding(r, manager, type));
    }

    /** Takes a pass through this stage's layers (and the head on the last stage). */
    void process(List<BatchState> pass, Set<Integer> points, ModelSink sink) {
        waitingBytes = 0;
        if (first) {
            for (BatchState s : pass) {
                s.enter(this);
                s.h = embed(s);
            }
        } else {
            for (BatchState s : pass) {
                s.enter(this);
            }
        }
        for (int i = slot.from(); i < slot.to(); i++) {
            DecoderLayer layer;
            Loaded streamed = null;
            if (mode == Placement.Mode.RESIDENT) {
                layer = layers.get(i - slot.from());
            } else {
                streamed = take(i);
                layer = streamed.layer();
            }
            try {
                for (BatchState s : pass) {
                    s.layer = i;
                    try (NDManager lm = s.manager.newSubManager()) {
                        s.h.attach(lm);
                        NDArray normed = layer.inputNorm(s.h);
                        if (points.contains(i)) {
                            hold(pass, s, i, lastTokens(normed, s), true, sink);
                        }
                        NDArray next = layer.forward(s.h, normed, s.ctx);
                        next.attach(s.manager);
                        s.h = next;
                    }
                }
            } finally {
                if (streamed != null) {
                    streamed.manager().close();
                }
            }
        }
        if (last) {
            head(pass, points, sink);
        } else {
            for (BatchState s : pass) {
                deliver(s, sink);
            }
        }
    }

    /**
     * Keeps point {@code index}'s rows of batch {@code s} on the device until the batch's points are delivered
     * together; first delivers what every batch of the pass holds if this would exceed {@link #pointBufferBytes}.
     * {@code owned}: the rows are closed once delivered (else the caller closes them).
     */
    private void hold(List<BatchState> pass, BatchState s, int index, NDArray rows, boolean owned, ModelSink sink) {
        if (rows.getDataType() != type) {
            // every point is computed in the compute dtype; this only keeps the arrays joinable if one were not
            NDArray typed = rows.toType(type, true);
            if (owned) {
                rows.close();
            }
            rows = typed;
            owned = true;
        }
        long bytes = rows.size() * rows.getDataType().getNumOfBytes();
        if (waitingBytes > 0 && waitingBytes + bytes > pointBufferBytes) {
            for (BatchState b : pass) {
                deliver(b, sink);
            }
        }
        if (owned) {
            rows.attach(s.manager);
        }
        s.waiting.add(new Waiting(index, rows, owned));
        waitingBytes += bytes;
    }

    /** The waiting point rows of {@code s}, side by side in one array, to the sink (nothing when none wait). */
    private void deliver(BatchState s, ModelSink sink) {
        if (s.waiting.isEmpty()) {
            return;
        }
        int n = s.waiting.size();
        int[] indices = new int[n];
        int[] widths = new int[n];
        NDList parts = new NDList(n);
        long bytes = 0;
        for (int j = 0; j < n; j++) {
            Waiting w = s.waiting.get(j);
            indices[j] = w.index();
            widths[j] = Math.toIntExact(w.rows().getShape().get(1));
            parts.add(w.rows());
            bytes += w.rows().size() * w.rows().getDataType().getNumOfBytes();
        }
        try (NDArray joined = n == 1 ? null : NDArrays.concat(parts, 1)) {
            sink.points(s.input, indices, widths, joined == null ? parts.get(0) : joined);
        } finally {
            for (Waiting w : s.waiting) {
                if (w.owned()) {
                    w.rows().close();
                }
            }
            s.waiting.clear();
            waitingBytes -= bytes;
        }
    }

    private NDArray embed(BatchState s) {
        BatchInput in = s.input;
        NDArray h;
        if (embed != null) {
            try (NDArray input = s.manager.create(in.ids(), new Shape(in.rows(), in.length()))) {
                h = input.getNDArrayInternal().embedding(input, embed, SparseFormat.DENSE).singletonOrThrow();
            }
        } else {
            try (NDArray rows = loader.into(s.manager).gatherRows("model.embed_tokens.weight", in.ids())) {
                h = rows.reshape(in.rows(), in.length(), config.hiddenSize());
            }
        }
        h.attach(s.manager);
        if (config.family().scaledEmbeddings()) {
            // Gemma: times sqrt(hidden_size), a float32 scalar as in a float32 Hugging Face run
            h.muli((float) config.embedScale());
        }
        return h;
    }

    /** The final norm and the lm_head at each row's last token, for every batch of the pass. */
    private void head(List<BatchState> pass, Set<Integer> points, ModelSink sink) {
        int numLayers = config.numLayers();
        List<NDArray> normed = new ArrayList<>();
        for (BatchState s : pass) {
            s.layer = numLayers;
            NDArray hLast = lastTokens(s.h, s);
            s.h.close();
            s.h = null;
            NDArray n = norm.forward(hLast);
            hLast.close();
            normed.add(n);
        }
        List<NDArray> logits = lmHead != null ? residentLogits(normed) : streamedLogits(pass, normed);
        for (int k = 0; k < pass.size(); k++) {
            BatchState s = pass.get(k);
            NDArray l = logits.get(k);
            if (config.finalSoftcap() > 0) {
                float c = (float) config.finalSoftcap();
                try (NDArray capped = l.divi(c).tanh()) {
                    l.close();
                    l = capped.mul(c);
                }
            }
            if (points.contains(numLayers)) {
                hold(pass, s, numLayers, normed.get(k), false, sink);
            }
            if (points.contains(numLayers + 1)) {
                hold(pass, s, numLayers + 1, l, false, sink);
            }
            deliver(s, sink);
            sink.logits(s.input, l);
            l.close();
            normed.get(k).close();
            s.close();
        }
    }

    private List<NDArray> residentLogits(List<NDArray> normed) {
        List<NDArray> out = new ArrayList<>();
        for (NDArray n : normed) {
            out.add(Linear.apply(n, lmHead));
        }
        return out;
    }

    /**
     * The lm_head read in blocks of vocabulary rows, each applied to the last tokens of the whole pass, so the
     * weights are read once per pass and never held whole.
     */
    private List<NDArray> streamedLogits(List<BatchState> pass, List<NDArray> normed) {
        long rowBytes = (long) config.hiddenSize() * type.getNumOfBytes();
        long block = Math.max(1, headBlockBytes / rowBytes);
        int vocab = config.vocabSize();
        try (NDManager tmp = manager.newSubManager()) {
            NDArray all;
            if (normed.size() == 1) {
                all = normed.get(0);
            } else {
                NDList list = new NDList(normed);
                all = NDArrays.concat(list, 0);
                all.attach(tmp);
            }
            List<NDArray> parts = new ArrayList<>();
            WeightLoader w = loader.into(tmp);
            for (long v0 = 0; v0 < vocab; v0 += block) {
                long n = Math.min(block, vocab - v0);
                try (NDArray rows = w.loadRows(config.lmHeadName(), v0, n)) {
                    NDArray part = Linear.apply(all, rows);
                    part.attach(tmp);
                    parts.add(part);
                }
            }
            NDArray logits = parts.size() == 1 ? parts.get(0) : NDArrays.concat(new NDList(parts), 1);
            logits.attach(tmp);
            List<NDArray> out = new ArrayList<>();
            long row = 0;
            for (BatchState s : pass) {
                NDArray slice = logits.get(new NDIndex("{}:{}", row, row + s.input.rows())).duplicate();
                slice.attach(s.manager);
                out.add(slice);
                row += s.input.rows();
            }
            return out;
        }
    }

    /** The streamed layer {@code i}, waiting for the loader if needed; the next layer starts loading at once. */
    private Loaded take(int i) {
        long t0 = System.nanoTime();
        Loaded l;
        try {
            if (pending == null || pendingLayer != i) {
                cancelPending();
                pending = submit(i);
            }
            l = pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading layer " + i, e);
        } catch (ExecutionException e) {
            pending = null;
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        }
        waitNanos += System.nanoTime() - t0;
        loadNanos += l.nanos();
        // the next layer of this stage (after the last, the first again, for the next pass)
        int next = i + 1 < slot.to() ? i + 1 : slot.from();
        pendingLayer = next;
        pending = submit(next);
        return l;
    }

    private Future<Loaded> submit(int i) {
        pendingLayer = i;
        return prefetcher.submit(() -> {
            long t0 = System.nanoTime();
            NDManager lm = manager.newSubManager();
            try {
                DecoderLayer layer = DecoderModel.layer(config, prefetchLoader.into(lm), i, rope(i));
                return new Loaded(layer, lm, System.nanoTime() - t0);
            } catch (RuntimeException | Error e) {
                lm.close();
                throw e;
            }
        });
    }

    private void cancelPending() {
        if (pending == null) {
            return;
        }
        try {
            pending.get().manager().close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException ignored) {
            // a failed speculative load is of no interest
        }
        pending = null;
    }

    static NDArray lastTokens(NDArray x, BatchState s) {
        try (NDArray flat = x.reshape(-1, x.getShape().get(2))) {
            return flat.get(s.lastIdx);
        }
    }

    @Override
    public void close() {
        if (prefetcher != null) {
            cancelPending();
            prefetcher.shutdownNow();
        }
        manager.close();
    }

    /** Point {@code index}'s rows of a batch, waiting on the device to be delivered with the batch's others. */
    private record Waiting(int index, NDArray rows, boolean owned) {
    }

    /** A batch on its way through the stages: its residual stream and what it needs on the current device. */
    static final class BatchState implements AutoCloseable {
        final BatchInput input;
        /** Point rows computed on the current device, not yet delivered. */
        final List<Waiting> waiting = new ArrayList<>();
        NDManager manager;
        NDArray h;
        NDArray lastIdx;
        BatchContext ctx;
        /** The layer being computed, for error messages. */
        int layer;
        String device;

        BatchState(BatchInput input) {
            this.input = input;
        }

        /** Moves the batch (its residual stream) onto {@code stage}'s device and manager. */
        void enter(Stage stage) {
            NDManager next = stage.manager.newSubManager();
            if (h != null) {
                NDArray moved = h.toDevice(stage.slot.device(), false);
                moved.attach(next);
                h = moved;
            }
            if (manager != null) {
                manager.close();
            }
            manager = next;
            device = stage.slot.label();
            long[] last = new long[input.rows()];
            for (int r = 0; r < input.rows(); r++) {
                last[r] = (long) r * input.length() + input.lengths()[r] - 1;
            }
            lastIdx = manager.create(last);
            ctx = new BatchContext(manager, input.rows(), input.length(), stage.attentionBytes);
        }

        @Override
        public void close() {
            if (manager != null) {
                manager.close();
                manager = null;
            }
        }
    }
}
