package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** RMSNorm as in Hugging Face Llama: statistics in float32, result cast back, then scaled by the weight. */
public final class RmsNorm {
    private final NDArray weight;
    private final float eps;

    public RmsNorm(NDArray weight, double eps) {
        this.weight = weight;
        this.eps = (float) eps;
    }

    public NDArray forward(NDArray x) {
        DataType in = x.getDataType();
        boolean cast = in != DataType.FLOAT32;
        NDArray xf = cast ? x.toType(DataType.FLOAT32, false) : x;
        try (NDArray var = xf.square().mean(new int[] {-1}, true);
             NDArray inv = var.add(eps).sqrt()) {
            NDArray y = xf.div(inv);
            if (cast) {
                NDArray yc = y.toType(in, false);
                y.close();
                xf.close();
                y = yc;
            }
            NDArray out = y.mul(weight);
            y.close();
            return out;
        }
    }
}
