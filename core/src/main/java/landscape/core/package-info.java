/** Shared foundations of every module: the one user-facing error type, JSON, the tool version, a dense matrix. */
package landscape.core;
