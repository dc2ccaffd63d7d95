package landscape.extract.model;

import ai.djl.ndarray.NDArray;

/** A projection {@code x W^T (+ b)} through PyTorch's fused linear (no transposed copy of W). */
public final class Linear {
    private final NDArray weight;
    private final NDArray bias;

    /** {@code weight [out, in]}; {@code bias [out]} or null. */
    public Linear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    /** The weight [out, in] (its manager is where the module's other device-side constants live). */
    NDArray weight() {
        return weight;
    }

    static NDArray apply(NDArray x, NDArray weight) {
        return x.getNDArrayInternal().linear(x, weight, null).singletonOrThrow();
    }
}
