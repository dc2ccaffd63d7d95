package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * RMSNorm over the last dimension, statistics in float32, as Hugging Face computes it. Two forms:
 * <ul>
 *   <li>Llama/Mistral/Qwen/Phi-3: {@code x / rms(x)} cast back to the input dtype, then times {@code w};</li>
 *   <li>Gemma ({@code unitOffset}): {@code x / rms(x) * (1 + w)} in float32, then cast back.</li>
 * </ul>
 * eps is held on the weight's device as the 0-dim float32 array that {@code x.add(eps)} would create on every call:
 * the same operation, without a host-to-device copy (on a GPU a synchronisation) per call.
 */
public final class RmsNorm {
    private final NDArray weight;
    private final float eps;
    private final NDArray epsArray;
    private final boolean unitOffset;

    /**
     * {@code weight} is the checkpoint's tensor in the compute dtype; with {@code unitOffset} it is replaced by
     * {@code 1 + w} in float32 (the original is closed).
     */
    public RmsNorm(NDArray weight, double eps, boolean unitOffset) {
        this.eps = (float) eps;
        this.unitOffset = unitOffset;
        if (unitOffset) {
            try (NDArray w32 = weight.toType(DataType.FLOAT32, true)) {
                this.weight = w32.add(1f);
            }
            weight.close();
        } else {
            this.weight = weight;
        }
        this.epsArray = this.weight.getManager().create(this.eps);
    }

    public NDArray forward(NDArray x) {
        DataType in = x.getDataType();
        boolean cast = in != DataType.FLOAT32;
        NDArray xf = cast ? x.toType(DataType.FLOAT32, false) : x;
        NDArray y;
        try (NDArray sq = xf.square();
             NDArray var = sq.mean(new int[] {-1}, true);
             NDArray inv = var.add(epsArray).sqrt()) {
            y = xf.div(inv);
        }
        if (cast) {
            xf.close();
        }
        if (unitOffset) {
            y.muli(weight);
        }
        if (cast) {
            NDArray yc = y.toType(in, false);
            y.close();
            y = yc;
        }
        if (unitOffset) {
            return y;
        }
        NDArray out = y.mul(weight);
        y.close();
        return out;
    }
}
