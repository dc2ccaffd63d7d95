/** Pipeline tests: real ./landscape runs in temporary launch folders, asserting on traces and published files. */
package landscape.pipeline;
