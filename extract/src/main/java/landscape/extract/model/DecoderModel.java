package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import landscape.core.LandscapeException;
import landscape.core.format.Checkpoint;

/**
 * A decoder-only transformer on DJL NDArrays, for every {@link Family}: the family decides the blocks' options (norm
 * form, biases, q/k norms, Gemma's extra norms, fused projections, embedding scale, soft-capping, sliding windows),
 * never a separate code path. It runs as a {@link Placement} says: one {@link Stage} per device, each computing a
 * contiguous range of layers with resident or streamed weights.
 *
 * <p>{@link #run} takes passes (lists of right-padded batches) and reports, at each prompt's last real token, the
 * extraction points asked for (i &lt; L: input_layernorm of layer i; L: model.norm; L+1: the lm_head logits after any
 * final soft-capping) and the logits used for predictions, each as soon as it is known. A stage takes a pass through
 * its layers layer by layer (so a streamed layer is read once per pass). With several devices the stages run on
 * their own threads, connected by hand-offs that hold at most one finished pass each: while device k computes pass
 * p, device k-1 computes pass p+1, so all devices are busy once the pipeline is full. The lm_head runs at the last
 * tokens only.
 */
public final class DecoderModel implements AutoCloseable {
    private static final Object END = new Object();

    private final ModelConfig config;
    private final Placement placement;
    private final DataType computeType;
    private final List<Stage> stages;

    private DecoderModel(ModelConfig config, Placement placement, DataType computeType, List<Stage> stages) {
        this.config = config;
        this.placement = placement;
        this.computeType = computeType;
        this.stages = stages;
    }

    /**
     * Validates the checkpoint against the config, then builds one stage per device of {@code placement} under
     * {@code root} (resident weights are loaded now, one tensor at a time). {@code adapter} may be null.
     */
    public static DecoderModel open(ModelConfig c, Checkpoint checkpoint, Placement placement, NDManager root,
                                    DataType computeType, LoraAdapter adapter) {
        WeightLoader.validate(checkpoint, c);
        if (placement.layers() != c.numLayers()) {
            throw new IllegalArgumentException("placement covers " + placement.layers() + " layers, model has "
                    + c.numLayers());
        }
        List<Stage> stages = new ArrayList<>();
        try {
            for (int k = 0; k < placement.slots().size(); k++) {
                stages.add(new Stage(c, checkpoint, placement, k, root, computeType, adapter));
            }
        } catch (RuntimeException | Error e) {
            stages.forEach(Stage::close);
            throw e;
        }
        return new DecoderModel(c, placement, computeType, stages);
    }

    /** Block {@code i} of the checkpoint, as the family lays it out. */
    static DecoderLayer layer(ModelConfig c, WeightLoader w, int i, RotaryEmbedding rope) {
        String p = "model.layers." + i + ".";
        String a = p + "self_attn.";
        Linear q;
        Linear k;
        Linear v;
        if (c.family().fusedProjections()) {
            NDArray[] qkv = w.loadSplit(a + "qkv_proj.weight", c.qDim(), c.kvDim(), c.kvDim());
            q = new Linear(qkv[0], null);
            k = new Linear(qkv[1], null);
            v = new Linear(qkv[2], null);
        } else {
            q = linear(w, a + "q_proj", c.qkvBias());
            k = linear(w, a + "k_proj", c.qkvBias());
            v = linear(w, a + "v_proj", c.qkvBias());
        }
        Linear o = linear(w, a + "o_proj", c.outputBias());
        RmsNorm qNorm = c.family().qkNorm() ? norm(c, w, a + "q_norm.weight", c.rmsNormEps()) : null;
        RmsNorm kNorm = c.family().qkNorm() ? norm(c, w, a + "k_norm.weight", c.rmsNormEps()) : null;
        Attention attention = new Attention(q, k, v, o, qNorm, kNorm, rope, c, i);
        Linear gate;
        Linear up;
        if (c.family().fusedProjections()) {
            NDArray[] gu = w.loadSplit(p + "mlp.gate_up_proj.weight", c.intermediateSize(), c.intermediateSize());
            gate = new Linear(gu[0], null);
            up = new Linear(gu[1], null);
        } else {
            gate = linear(w, p + "mlp.gate_proj", c.mlpBias());
            up = linear(w, p + "mlp.up_proj", c.mlpBias());
        }
        GatedMlp mlp = new GatedMlp(gate, up, linear(w, p + "mlp.down_proj", c.mlpBias()), c.activation());
        RmsNorm input = norm(c, w, p + "input_layernorm.weight", c.rmsNormEps());
        if (c.family().sandwichNorms()) {
            return new DecoderLayer(input, attention, norm(c, w, p + "post_attention_layernorm.weight", c.rmsNormEps()),
                    norm(c, w, p + "pre_feedforward_layernorm.weight", c.rmsNormEps()), mlp,
                    norm(c, w, p + "post_feedforward_layernorm.weight", c.rmsNormEps()));
        }
        RmsNorm mlpInput = norm(c, w, p + "post_attention_layernorm.weight", c.rmsNormEps());
        return new DecoderLayer(input, attention, null, mlpInput, mlp, null);
    }

    private static Linear linear(WeightLoader w, String module, boolean bias) {
        return new Linear(w.load(module + ".weight"), bias ? w.load(module + ".bias") : null);
    }

    private static RmsNorm norm(ModelConfig c, WeightLoader w, String name, double eps) {
        return new RmsNorm(w.load(name), eps, c.family().unitOffsetNorm());
    }

    static RmsNorm norm(ModelConfig c, WeightLoader w, String name) {
        return norm(c, w, name, c.rmsNormEps());
    }

    public ModelConfig config() {
        return config;
    }

    public DataType computeType() {
        return computeType;
    }

    public Placement placement() {
        return placement;
    }

    /**
     * Seconds the streamed layers took to read (on the loader threads, overlapped with computing) and the seconds the
     * computing threads waited for them, summed over the devices; zero for resident weights.
     */
    public double[] streamSeconds() {
        double[] sum = new double[2];
        for (Stage s : stages) {
            double[] st = s.streamSeconds();
            sum[0] += st[0];
            sum[1] += st[1];
        }
        return sum;
    }

    /**
     * Runs every pass through the model. Results go to {@code sink} as they are known (from the devices' threads).
     * A failure stops the run; it is rethrown as it is when it is a {@link LandscapeException}, otherwise wrapped in a
     * {@link ForwardException} that says where it happened.
     */
    public void run(Iterator<List<BatchInput>> passes, Set<Integer> points, ModelSink sink) {
        if (stages.size() == 1) {
            Stage stage = stages.get(0);
            while (passes.hasNext()) {
                List<Stage.BatchState> pass = states(passes.next());
                try {
                    stage.process(pass, points, sink);
                } catch (RuntimeException | Error e) {
                    throw failure(e, pass);
                } finally {
                    pass.forEach(Stage.BatchState::close);
                }
            }
            return;
        }
        pipeline(passes, points, sink);
    }

    /** The stages on their own threads, one pass in flight per hand-off. */
    private void pipeline(Iterator<List<BatchInput>> passes, Set<Integer> points, ModelSink sink) {
        int n = stages.size();
        List<BlockingQueue<Object>> handoffs = new ArrayList<>();
        for (int k = 0; k < n - 1; k++) {
            handoffs.add(new ArrayBlockingQueue<>(1));
        }
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int index = k;
            Thread t = new Thread(() -> {
                Stage stage = stages.get(index);
                BlockingQueue<Object> in = index == 0 ? null : handoffs.get(index - 1);
                BlockingQueue<Object> out = index == n - 1 ? null : handoffs.get(index);
                List<Stage.BatchState> pass = null;
                try {
                    while (failure.get() == null) {
                        if (in == null) {
                            if (!passes.hasNext()) {
                                break;
                            }
                            pass = states(passes.next());
                        } else {
                            Object o = take(in, failure);
                            if (o == null || o == END) {
                                break;
                            }
                            @SuppressWarnings("unchecked")
                            List<Stage.BatchState> received = (List<Stage.BatchState>) o;
                            pass = received;
                        }
                        stage.process(pass, points, sink);
                        if (out == null) {
                            pass.forEach(Stage.BatchState::close);
                        } else if (!put(out, pass, failure)) {
                            break;
                        }
                        pass = null;
                    }
                    if (out != null) {
                        put(out, END, failure);
                    }
                } catch (RuntimeException | Error e) {
                    failure.compareAndSet(null, failure(e, pass));
                } finally {
                    if (pass != null) {
                        pass.forEach(Stage.BatchState::close);
                    }
                }
            }, "landscape-stage-" + stages.get(k).slot().label());
            threads.add(t);
            t.start();
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    failure.compareAndSet(null, new IllegalStateException("interrupted"));
                }
            }
        }
        for (BlockingQueue<Object> q : handoffs) {
            for (Object o : q) {
                if (o instanceof List<?> l) {
                    l.forEach(s -> ((Stage.BatchState) s).close());
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private static Object take(BlockingQueue<Object> q, AtomicReference<RuntimeException> failure) {
        try {
            while (failure.get() == null) {
                Object o = q.poll(50, TimeUnit.MILLISECONDS);
                if (o != null) {
                    return o;
                }
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static boolean put(BlockingQueue<Object> q, Object o, AtomicReference<RuntimeException> failure) {
        try {
            while (failure.get() == null) {
                if (q.offer(o, 50, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static List<Stage.BatchState> states(List<BatchInput> batches) {
        List<Stage.BatchState> out = new ArrayList<>(batches.size());
        for (BatchInput b : batches) {
            out.add(new Stage.BatchState(b));
        }
        return out;
    }

    private RuntimeException failure(Throwable e, List<Stage.BatchState> pass) {
        if (e instanceof LandscapeException le) {
            return le;
        }
        String device = "?";
        int layer = -1;
        int rows = 0;
        int length = 0;
        long tokens = 0;
        if (pass != null) {
            for (Stage.BatchState s : pass) {
                if (s.device != null) {
                    device = s.device;
                }
                layer = Math.max(layer, s.layer);
                if (s.input.paddedTokens() > (long) rows * length) {
                    rows = s.input.rows();
                    length = s.input.length();
                }
                tokens += s.input.paddedTokens();
            }
        }
        return new ForwardException(device, layer, rows, length, pass == null ? 0 : pass.size(), tokens, e);
    }

    @Override
    public void close() {
        for (Stage s : stages) {
            s.close();
        }
    }
}
