/**
 * The decoder on DJL: config reading, weight loading, and one small class per block kind (norm, attention, rotary,
 * MLP).
 */
package landscape.extract.model;
