package landscape.extract.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The gated MLP of every supported family: {@code down(act(gate(x)) * up(x))}, with SiLU (SwiGLU: Llama, Mistral,
 * Qwen, Phi-3) or GELU's tanh approximation (GeGLU: Gemma).
 */
public final class GatedMlp {
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private final Linear gate;
    private final Linear up;
    private final Linear down;
    private final ModelConfig.Activation activation;

    public GatedMlp(Linear gate, Linear up, Linear down, ModelConfig.Activation activation) {
        this.gate = gate;
        this.up = up;
        this.down = down;
        this.activation = activation;
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
        try (NDArray inner = g.pow(3)) {
            inner.muli(0.044715f).addi(g).muli(SQRT_2_OVER_PI);
            try (NDArray t = inner.tanh()) {
                t.addi(1f).muli(0.5f);
                g.muli(t);
            }
        }
    }
}
