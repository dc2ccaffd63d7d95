/** The one picocli scaffold of the three tools: --help, --version, --debug, exit codes, one-line errors. */
package landscape.core.cli;
