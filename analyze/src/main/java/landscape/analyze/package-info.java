/**
 * landscape-analyze: per-layer kNN, Gride intrinsic dimension, kNN density, ADP clustering, ARI and label overlap;
 * summaries.
 */
package landscape.analyze;
