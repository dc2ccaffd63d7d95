/**
 * Where the model runs: the devices and their memory, the memory a placement needs (weights, activations, residual
 * streams), and the planner that chooses resident or streamed weights and the layer range of each device before any
 * weight is read; {@code landscape-extract plan} prints its result.
 */
package landscape.extract.placement;
