/**
 * The run-level formats and rules: representation directories, manifests, samples, stats and summaries, the models
 * sheet, safe names, atomic output.
 */
package landscape.core.run;
