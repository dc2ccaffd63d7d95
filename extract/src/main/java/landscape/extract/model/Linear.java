package landscape.extract.model;

import ai.djl.ndarray.NDArray;

/** {@code x W^T} through PyTorch's fused linear (no transposed copy of W). */
final class Linear {
    private Linear() {
    }

    static NDArray apply(NDArray x, NDArray weight) {
        return x.getNDArrayInternal().linear(x, weight, null).singletonOrThrow();
    }
}
