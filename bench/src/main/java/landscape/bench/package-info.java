/**
 * Benchmarks of extraction and analysis (not part of the stage jars); docs/BENCHMARKS.md has their commands and
 * numbers.
 */
package landscape.bench;
