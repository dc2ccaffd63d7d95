package landscape.core;

/**
 * The one error type users see. Its message is a single line that names the file (or option) and the problem;
 * command-line mains print it and exit 1. Stack traces are shown only with --debug.
 */
public class LandscapeException extends RuntimeException {
    public LandscapeException(String message) {
        super(message);
    }

    public LandscapeException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "file: problem", the shape of every user-facing message about a file. */
    public static LandscapeException of(Object file, String problem) {
        return new LandscapeException(file + ": " + problem);
    }
}
