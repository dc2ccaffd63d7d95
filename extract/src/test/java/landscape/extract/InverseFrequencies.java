package landscape.extract;

import landscape.extract.model.ModelConfig;
import landscape.extract.model.RotaryEmbedding;

final class InverseFrequencies {
    private InverseFrequencies() {
    }

    static double[] of(ModelConfig c) {
        return RotaryEmbedding.inverseFrequencies(c.rope());
    }
}
