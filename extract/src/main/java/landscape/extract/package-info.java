/**
 * landscape-extract: prompts in, a representation directory out (options, prompt selection, batch run, manifest,
 * CLI).
 */
package landscape.extract;
