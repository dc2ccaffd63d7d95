package landscape.core.cli;

import java.io.PrintWriter;
import landscape.core.Json;
import landscape.core.LandscapeException;

/**
 * The rules every command follows when it cannot do its job, kept free of picocli so that they are tested alone.
 * <ul>
 *   <li>a usage error (an option missing, unknown, malformed or out of range; options that exclude each other):
 *       one line {@code <tool>: <message> (see <command> --help)}, exit code 2;</li>
 *   <li>a failure: one line on stderr, {@code <tool>: <message>}, exit code 1. A {@link LandscapeException} is the
 *       user's problem and is printed as is; anything else is a bug and says so. The stack trace only with
 *       {@code --debug}.</li>
 * </ul>
 */
public final class CliErrors {
    /** Exit code of a usage error. */
    public static final int USAGE = 2;
    /** Exit code of bad input or a failed run. */
    public static final int FAILURE = 1;

    private CliErrors() {
    }

    /** Prints the failure of {@code tool} and returns the exit code (1, or 2 for a {@link UsageError}). */
    public static int report(String tool, Throwable e, boolean debug, PrintWriter err) {
        return report(tool, tool, e, debug, err);
    }

    /**
     * Prints the failure of {@code command} (the full command, e.g. {@code landscape-extract run}, named in the
     * pointer to its help) of {@code tool} and returns the exit code.
     */
    public static int report(String tool, String command, Throwable e, boolean debug, PrintWriter err) {
        if (e instanceof UsageError) {
            int code = usage(tool, command, e.getMessage(), err);
            if (debug) {
                e.printStackTrace(err);
                err.flush();
            }
            return code;
        }
        String message = e instanceof LandscapeException || debug
                ? Json.oneLine(e.getMessage())
                : "internal error: " + e + " (rerun with --debug for the stack trace)";
        err.println(tool + ": " + message);
        if (debug) {
            e.printStackTrace(err);
        }
        err.flush();
        return FAILURE;
    }

    /** Prints a usage error of {@code command} and returns its exit code (2). */
    public static int usage(String tool, String command, String message, PrintWriter err) {
        err.println(tool + ": " + Json.oneLine(message) + " (see " + command + " --help)");
        err.flush();
        return USAGE;
    }
}
