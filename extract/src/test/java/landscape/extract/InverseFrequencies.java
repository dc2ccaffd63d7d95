package landscape.extract;

import landscape.extract.model.LlamaConfig;
import landscape.extract.model.RotaryEmbedding;

final class InverseFrequencies {
    private InverseFrequencies() {
    }

    static double[] of(LlamaConfig c) {
        return RotaryEmbedding.inverseFrequencies(c);
    }
}
