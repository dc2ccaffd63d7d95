package landscape.core.cli;

import landscape.core.LandscapeException;

/**
 * A command line that cannot run as written: an option missing, two options that exclude each other, an option value
 * outside what it accepts. The tools print it like any {@link LandscapeException} but exit 2, with a pointer to
 * {@code --help}. Problems with the files or the run itself are plain {@link LandscapeException}s (exit 1).
 */
public class UsageError extends LandscapeException {
    public UsageError(String message) {
        super(message);
    }
}
