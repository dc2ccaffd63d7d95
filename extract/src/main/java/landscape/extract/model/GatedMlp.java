package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;

/**
 * The gated MLP of every supported family: {@code down(act(gate(x)) * up(x))}, with SiLU (SwiGLU: Llama, Mistral,
 * Qwen, Phi-3) or GELU's tanh approximation (GeGLU: Gemma). GELU's constants are held on the weights' device as the
 * 0-dim arrays that {@code pow(3)} and {@code muli(0.5f)} would create on every call (the same operations, without a
 * host-to-device copy, on a GPU a synchronisation, per call).
 */
public final class GatedMlp {
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private final Linear gate;
    private final Linear up;
    private final Linear down;
    private final ModelConfig.Activation activation;
    /** GELU only: 3 (int32), 0.044715, sqrt(2/pi), 1 and 0.5 (float32). */
    private final NDArray[] gelu;

    public GatedMlp(Linear gate, Linear up, Linear down, ModelConfig.Activation activation) {
        this.gate = gate;
        this.up = up;
        this.down = down;
        this.activation = activation;
        if (activation == ModelConfig.Activation.SILU) {
            this.gelu = null;
        } else {
            NDManager m = gate.weight().getManager();
            this.gelu = new NDArray[] {m.create(3), m.create(0.044715f), m.create(SQRT_2_OVER_PI), m.create(1f),
                m.create(0.5f)};
        }
    }

    public NDArray forward(NDArray x) {
        try (NDArray g = gate.forward(x); NDArray u = up.forward(x)) {
            activate(g);
            g.muli(u);
            return down.forward(g);
        }
    }

    /** Applies the activation to {@code g} in place. */
    private void activate(NDArray g) {
        if (activation == ModelConfig.Activation.SILU) {
            try (NDArray s = Activation.sigmoid(g)) {
                g.muli(s);
            }
            return;
        }
        // gelu_pytorch_tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        try (NDArray inner = g.pow(gelu[0])) {
            inner.muli(gelu[1]).addi(g).muli(gelu[2]);
            try (NDArray t = inner.tanh()) {
                t.addi(gelu[3]).muli(gelu[4]);
                g.muli(t);
            }
        }
    }
}
