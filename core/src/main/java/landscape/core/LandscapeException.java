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

    /** An I/O failure on {@code file}: "no such file" and "permission denied" said plainly, else "what: reason". */
    public static LandscapeException io(Object file, String what, java.io.IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return of(file, "no such file");
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return of(file, "permission denied");
        }
        return of(file, what + ": " + e.getMessage());
    }
}
