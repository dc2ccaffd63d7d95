/**
 * File formats read and written without DJL: safetensors, NumPy .npy, PyTorch .pt and pickles (restricted),
 * checkpoints.
 */
package landscape.core.format;
