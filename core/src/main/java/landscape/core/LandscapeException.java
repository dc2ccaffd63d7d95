package landscape.core;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

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
    public static LandscapeException io(Object file, String what, IOException e) {
        if (e instanceof NoSuchFileException) {
            return of(file, "no such file");
        }
        if (e instanceof AccessDeniedException) {
            return of(file, "permission denied");
        }
        return of(file, what + ": " + e.getMessage());
    }

    /**
     * An IOException as words: the file system's reason where it gives one, else what its class says happened
     * (the message of many of them is only the path).
     */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String kind = switch (e.getClass().getSimpleName()) {
            case "AccessDeniedException" -> "permission denied";
            case "NoSuchFileException" -> "no such file or directory";
            case "FileAlreadyExistsException" -> "already exists";
            case "NotDirectoryException" -> "not a directory";
            case "DirectoryNotEmptyException" -> "directory not empty";
            case "FileSystemException" -> "file system error";
            default -> e.getMessage();
        };
        return kind == null ? e.getClass().getSimpleName() : kind;
    }
}
