package landscape.core.cli;

import java.util.Locale;
import landscape.core.LandscapeException;

/**
 * A run that ran out of memory: a device (a GPU, or the host for PyTorch's CPU allocator) or the Java heap could not
 * hold what it was asked to. The tools print it like any {@link LandscapeException} (one line, saying which budgets
 * to lower) but exit {@link CliErrors#OUT_OF_MEMORY} (3), so that a caller (the pipeline) can tell it from bad input
 * and retry with smaller budgets. {@link #isCause} is the one rule for recognising running out of memory in an
 * engine's error.
 */
public class OutOfMemory extends LandscapeException {
    public OutOfMemory(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether {@code e} or one of its causes is running out of memory: an {@link OutOfMemory}, Java's
     * {@link OutOfMemoryError} (heap or direct memory), or an engine error whose message says so (CUDA's "out of
     * memory", PyTorch's CPU allocator "can't allocate memory", "not enough memory", "failed to allocate").
     */
    public static boolean isCause(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof OutOfMemory || c instanceof OutOfMemoryError) {
                return true;
            }
            String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("out of memory") || m.contains("can't allocate memory") || m.contains("not enough memory")
                    || m.contains("failed to allocate")) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }
}
