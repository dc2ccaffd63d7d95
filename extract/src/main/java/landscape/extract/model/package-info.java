/**
 * The decoder on DJL: config reading, weight loading, one small class per block kind (norm, attention, rotary,
 * MLP), and the placement it runs in (one stage per device, resident or streamed weights, passes pipelined between
 * devices).
 */
package landscape.extract.model;
