package landscape.core;

import java.io.PrintWriter;

/**
 * The one rule every command follows when it fails: one line on stderr, {@code <tool>: <message>}, exit code 1;
 * the stack trace only with {@code --debug}. A {@link LandscapeException} is the user's problem and is printed as is;
 * anything else is a bug and says so.
 */
public final class CliErrors {
    private CliErrors() {
    }

    /** Prints the failure of {@code tool} and returns the exit code (1). */
    public static int report(String tool, Throwable e, boolean debug, PrintWriter err) {
        String message = e instanceof LandscapeException || debug
                ? Json.oneLine(e.getMessage())
                : "internal error: " + e + " (rerun with --debug for the stack trace)";
        err.println(tool + ": " + message);
        if (debug) {
            e.printStackTrace(err);
        }
        err.flush();
        return 1;
    }
}
