package landscape.core.cli;

import java.io.PrintWriter;
import landscape.core.Json;
import landscape.core.LandscapeException;

/**
 * The rules every command follows when it cannot do its job, kept free of picocli so that they are tested alone.
 * <ul>
 *   <li>a usage error (an option missing, unknown, malformed or out of range; options that exclude each other):
 *       one line {@code <tool>: <message> (see <command> --help)}, exit code 2;</li>
 *   <li>running out of memory (an {@link OutOfMemory}, Java's {@link OutOfMemoryError}, or an engine error that
 *       says so, see {@link OutOfMemory#isCause}): one line {@code <tool>: <message>}, exit code 3, so that a caller
 *       can retry with smaller budgets;</li>
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
    /** Exit code of a run that ran out of memory (device, host or Java heap): retry with smaller budgets. */
    public static final int OUT_OF_MEMORY = 3;

    private CliErrors() {
    }

    /** Prints the failure of {@code tool} and returns the exit code (1; 2 for a {@link UsageError}; 3 out of memory). */
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
        boolean memory = outOfMemory(e);
        String message;
        if (e instanceof LandscapeException || debug) {
            message = Json.oneLine(e.getMessage());
        } else if (memory) {
            // an engine's (or Java's) own out-of-memory error that no stage turned into an OutOfMemory
            message = "out of memory: " + Json.oneLine(e.getMessage() == null ? e.toString() : e.getMessage())
                    + " (rerun with --debug for the stack trace)";
        } else {
            message = "internal error: " + e + " (rerun with --debug for the stack trace)";
        }
        err.println(tool + ": " + message);
        if (debug) {
            e.printStackTrace(err);
        }
        err.flush();
        return memory ? OUT_OF_MEMORY : FAILURE;
    }

    /**
     * Whether a failure is running out of memory: an {@link OutOfMemory} or Java's {@link OutOfMemoryError} anywhere
     * in its causes; for an error that is not a {@link LandscapeException} (whose messages are this project's own),
     * also an engine message that says so ({@link OutOfMemory#isCause}).
     */
    static boolean outOfMemory(Throwable e) {
        if (!(e instanceof LandscapeException)) {
            return OutOfMemory.isCause(e);
        }
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemory || c instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    /** Prints a usage error of {@code command} and returns its exit code (2). */
    public static int usage(String tool, String command, String message, PrintWriter err) {
        err.println(tool + ": " + Json.oneLine(message) + " (see " + command + " --help)");
        err.flush();
        return USAGE;
    }
}
