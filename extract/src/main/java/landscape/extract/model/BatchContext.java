package landscape.extract.model;

import ai.djl.ndarray.NDArray;

/**
 * Per-batch tensors shared by every layer: the additive attention mask [T, T] (float32: 0 where allowed, -1e30
 * where masked) and the rotary tables [T, headDim]. Right padding needs no key mask: a real token's causal window
 * never reaches the padding on its right.
 */
public record BatchContext(int batch, int length, NDArray mask, NDArray cos, NDArray sin) {
}
