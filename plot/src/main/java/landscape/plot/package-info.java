/**
 * landscape-plot: the ARI, ID, cluster and overlap profiles (PNG, SVG), accuracy.csv, report.html and the t-SNE
 * layer map.
 */
package landscape.plot;
