package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embeddings in the Hugging Face "rotate half" convention: {@code x*cos + rotate_half(x)*sin} with
 * {@code cos = cos(p * inv_freq)} repeated over both halves, over the first {@code rope.dim()} dimensions of each
 * head (all of them but for Phi-3's partial_rotary_factor; the rest pass unchanged). Tables are computed once in
 * float64 (in Java) up to the longest sequence seen and kept in the model's manager, so a batch only slices them.
 */
public final class RotaryEmbedding {
    private final NDManager manager;
    private final DataType type;
    private final double[] invFreq;
    /** Rotated dimensions per head (the tables' width). */
    private final int dim;
    private NDArray cos;
    private NDArray sin;
    private int capacity;

    public RotaryEmbedding(ModelConfig.Rope rope, NDManager manager, DataType type) {
        this.manager = manager;
        this.type = type;
        this.dim = rope.dim();
        this.invFreq = inverseFrequencies(rope);
    }

    /** Inverse frequencies {@code theta^(-2i/d)} (d = rotated dimensions), adjusted by llama3 or linear scaling. */
    public static double[] inverseFrequencies(ModelConfig.Rope s) {
        int half = s.dim() / 2;
        double[] f = new double[half];
        for (int i = 0; i < half; i++) {
            // Hugging Face computes these in float32; keep that rounding so long positions agree.
            float exponent = (float) (2 * i) / (float) s.dim();
            f[i] = (float) (1.0 / Math.pow(s.theta(), exponent));
        }
        if (s.type().equals("default")) {
            return f;
        }
        if (s.type().equals("linear")) {
            for (int i = 0; i < half; i++) {
                f[i] /= s.factor();
            }
            return f;
        }
        double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        for (int i = 0; i < half; i++) {
            double wavelen = 2 * Math.PI / f[i];
            if (wavelen < highWavelen) {
                continue;
            }
            if (wavelen > lowWavelen) {
                f[i] = f[i] / s.factor();
            } else {
                double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                f[i] = (1 - smooth) * f[i] / s.factor() + smooth * f[i];
            }
        }
        return f;
    }

    private void ensure(int length) {
        if (length <= capacity) {
            return;
        }
        int cap = Math.max(length, Math.max(256, capacity * 2));
        float[] c = new float[cap * dim];
        float[] s = new float[cap * dim];
        int half = dim / 2;
        for (int p = 0; p < cap; p++) {
            for (int i = 0; i < half; i++) {
                double angle = (double) (float) (p * invFreq[i]);
                float cv = (float) Math.cos(angle);
                float sv = (float) Math.sin(angle);
                c[p * dim + i] = cv;
                c[p * dim + i + half] = cv;
                s[p * dim + i] = sv;
                s[p * dim + i + half] = sv;
            }
        }
        if (cos != null) {
            cos.close();
            sin.close();
        }
        cos = toType(manager.create(c, new Shape(cap, dim)));
        sin = toType(manager.create(s, new Shape(cap, dim)));
        capacity = cap;
    }

    private NDArray toType(NDArray a) {
        if (a.getDataType() == type) {
            return a;
        }
        NDArray t = a.toType(type, false);
        a.close();
        return t;
    }

    /** {cos, sin} for positions 0..length-1, shaped [length, dim]. Views into the cached tables. */
    public synchronized NDArray[] tables(int length) {
        ensure(length);
        return new NDArray[] {cos.get("0:" + length), sin.get("0:" + length)};
    }

    /** Applies the rotation to {@code x [B, heads, T, headDim]} given tables [T, dim]. */
    public NDArray apply(NDArray x, NDArray cosT, NDArray sinT) {
        long headDim = x.getShape().get(3);
        if (dim == headDim) {
            return rotate(x, cosT, sinT);
        }
        try (NDArray r = x.get(":, :, :, 0:" + dim);
             NDArray pass = x.get(":, :, :, " + dim + ":");
             NDArray rotated = rotate(r, cosT, sinT)) {
            return rotated.concat(pass, -1);
        }
    }

    private NDArray rotate(NDArray x, NDArray cosT, NDArray sinT) {
        int half = dim / 2;
        try (NDArray x1 = x.get(":, :, :, 0:" + half);
             NDArray x2 = x.get(":, :, :, " + half + ":");
             NDArray negX2 = x2.neg();
             NDArray rotated = negX2.concat(x1, -1);
             NDArray a = x.mul(cosT);
             NDArray b = rotated.mul(sinT)) {
            return a.add(b);
        }
    }
}
