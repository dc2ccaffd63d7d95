package landscape.extract.model;

import landscape.core.cli.OutOfMemory;

/**
 * A forward pass that failed on a device (an engine error, running out of memory): where it happened and the size
 * of the work it was doing, with the engine's error as the cause.
 */
public final class ForwardException extends RuntimeException {
    private final String device;
    private final int layer;
    private final int rows;
    private final int length;
    private final int batches;
    private final long passTokens;

    public ForwardException(String device, int layer, int rows, int length, int batches, long passTokens,
                            Throwable cause) {
        super("forward pass failed on " + device + " at layer " + layer + " (largest batch " + rows + " x " + length
                + " tokens, pass of " + batches + " batch(es), " + passTokens + " padded tokens): "
                + firstLine(cause), cause);
        this.device = device;
        this.layer = layer;
        this.rows = rows;
        this.length = length;
        this.batches = batches;
        this.passTokens = passTokens;
    }

    private static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    public String device() {
        return device;
    }

    public int layer() {
        return layer;
    }

    public int rows() {
        return rows;
    }

    public int length() {
        return length;
    }

    public int batches() {
        return batches;
    }

    public long passTokens() {
        return passTokens;
    }

    /**
     * Whether the cause is running out of memory (Java heap or direct memory, PyTorch's CPU or CUDA allocator), by
     * core's one rule ({@link OutOfMemory#isCause}).
     */
    public boolean outOfMemory() {
        return getCause() != null && OutOfMemory.isCause(getCause());
    }
}
