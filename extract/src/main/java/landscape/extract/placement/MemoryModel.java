package landscape.extract.placement;

import ai.djl.ndarray.types.DataType;
import java.util.Map;
import landscape.extract.model.ModelConfig;
import landscape.extract.model.Placement;

/**
 * What a device needs, in bytes, to run its part of a placement. Sizes of the weights come from the tensors the
 * checkpoint holds (checked against the config before planning) in the compute dtype; the rest is an estimate of
 * the largest arrays alive at once, written down here so that docs/EXTRACT.md can state it:
 * <ul>
 *   <li>weights: resident, every layer of the range (the first device also the embedding, the last the final norm
 *       and the lm_head); streamed, the two largest layers of the range (the one computing and the one loading) plus,
 *       on the last device, the final norm and one block of lm_head rows ({@link #HEAD_BLOCK});</li>
 *   <li>activations of one batch of {@code Bt} padded tokens inside a layer:
 *       {@code Bt·f·(3h + max(4q + 2kv, 3i))} (the residual stream, its norm and either the attention's q, k, v and
 *       context or the MLP's gate, up and activation) plus three times one block of float32 attention scores, at most
 *       {@code --attention-memory}; the first device of a streamed placement also holds the batch's gathered
 *       embedding rows, the last one the pass's logits;</li>
 *   <li>residual streams: resident, one batch ({@code Bt·h·f}); streamed, the pass ({@code --pass-memory}); doubled
 *       with several devices, where a finished pass waits for the next device while the next one computes;</li>
 *   <li>an overhead of {@link #OVERHEAD} per device (JVM and libtorch on the CPU, the CUDA context on a GPU).</li>
 * </ul>
 */
public final class MemoryModel {
    public static final long OVERHEAD = 1L << 30;
    /** A streamed lm_head is read in blocks of vocabulary rows of this many bytes (the model's own block size). */
    public static final long HEAD_BLOCK = 256L << 20;
    /**
     * Sizes stop growing here (1 EiB, more than any device has; a few of them still add up without overflow), so an
     * absurd budget (--batch-tokens 2^63-1) is refused instead of wrapping around to a negative size that "fits".
     */
    static final long MAX_BYTES = 1L << 60;

    private final ModelConfig config;
    private final int dtypeBytes;
    private final long[] layerBytes;
    private final long embedBytes;
    private final long headBytes;
    private final long normBytes;

    public MemoryModel(ModelConfig config, DataType computeType) {
        this.config = config;
        this.dtypeBytes = computeType.getNumOfBytes();
        this.layerBytes = new long[config.numLayers()];
        long embed = 0;
        long head = 0;
        long norm = 0;
        for (Map.Entry<String, long[]> e : config.expectedTensors().entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            long bytes = n * dtypeBytes;
            String name = e.getKey();
            if (name.startsWith("model.layers.")) {
                int dot = name.indexOf('.', "model.layers.".length());
                layerBytes[Integer.parseInt(name.substring("model.layers.".length(), dot))] += bytes;
            } else if (name.equals("model.embed_tokens.weight")) {
                embed = bytes;
            } else if (name.equals("lm_head.weight")) {
                head = bytes;
            } else {
                norm += bytes;
            }
        }
        this.embedBytes = embed;
        this.headBytes = config.tieWordEmbeddings() ? embed : head;
        this.normBytes = norm;
    }

    /** The product of non-negative factors, at most {@link #MAX_BYTES}. */
    static long product(long... factors) {
        long p = 1;
        for (long f : factors) {
            if (f != 0 && p > MAX_BYTES / f) {
                p = MAX_BYTES;
            } else {
                p = Math.min(MAX_BYTES, p * f);
            }
        }
        return p;
    }

    /** The sum of sizes of at most {@link #MAX_BYTES} each, at most {@link #MAX_BYTES}. */
    static long sum(long... terms) {
        long s = 0;
        for (long t : terms) {
            s = Math.min(MAX_BYTES, s + t);
        }
        return s;
    }

    public ModelConfig config() {
        return config;
    }

    public int dtypeBytes() {
        return dtypeBytes;
    }

    public long layerBytes(int layer) {
        return layerBytes[layer];
    }

    /** All weights once, in the compute dtype (a tied lm_head counted once). */
    public long totalWeights() {
        long sum = embedBytes + normBytes + (config.tieWordEmbeddings() ? 0 : headBytes);
        for (long b : layerBytes) {
            sum += b;
        }
        return sum;
    }

    public long embedBytes() {
        return embedBytes;
    }

    public long headBytes() {
        return headBytes;
    }

    /** Bytes of the residual stream of {@code tokens} padded tokens. */
    public long residualBytes(long tokens) {
        return product(tokens, config.hiddenSize(), dtypeBytes);
    }

    /** Bytes of float32 scores of one query block for a batch of {@code batchTokens} and prompts up to {@code length}. */
    public long scoreBlock(long batchTokens, int length, long attentionBytes) {
        long rows = Math.max(1, batchTokens / Math.max(1, length));
        long perQuery = product(rows, config.numHeads(), length, 4L);
        long whole = product(perQuery, length);
        return Math.min(whole, Math.max(perQuery, attentionBytes / perQuery * perQuery));
    }

    /** Activations of one batch inside a layer (see the class comment). */
    public long activations(long batchTokens, int length, long attentionBytes) {
        long h = config.hiddenSize();
        long inner = Math.max(4L * config.qDim() + 2L * config.kvDim(), 3L * config.intermediateSize());
        return sum(product(batchTokens, dtypeBytes, 3 * h + inner), product(3, scoreBlock(batchTokens, length,
                attentionBytes)));
    }

    /** Weights device {@code slot} holds at once. */
    public long weights(Placement.Mode mode, int from, int to, boolean first, boolean last) {
        long w = 0;
        if (mode == Placement.Mode.RESIDENT) {
            for (int i = from; i < to; i++) {
                w += layerBytes[i];
            }
            if (first) {
                w += embedBytes;
            }
            if (last) {
                w += normBytes + (config.tieWordEmbeddings() && first ? 0 : headBytes);
            }
        } else {
            long max = 0;
            for (int i = from; i < to; i++) {
                max = Math.max(max, layerBytes[i]);
            }
            w = 2 * max;
            if (last) {
                w += normBytes + Math.min(HEAD_BLOCK, headBytes);
            }
        }
        return w;
    }
}
