package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** The Llama MLP: {@code down(silu(gate(x)) * up(x))}. */
public final class GatedMlp {
    private final NDArray gate;
    private final NDArray up;
    private final NDArray down;

    public GatedMlp(NDArray gate, NDArray up, NDArray down) {
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    public NDArray forward(NDArray x) {
        try (NDArray g = Linear.apply(x, gate);
             NDArray s = Activation.sigmoid(g);
             NDArray u = Linear.apply(x, up)) {
            g.muli(s).muli(u);
            return Linear.apply(g, down);
        }
    }
}
