package landscape.extract.model;

import ai.djl.ndarray.NDArray;

/**
 * Receives what a forward pass produces, as soon as it is known, on the thread of the device that computed it (with
 * several devices, from several threads at once, but never two calls for the same point at once). The arrays are
 * closed when the call returns: copy what is kept.
 */
public interface ModelSink {
    /**
     * Extraction points {@code indices} (ascending) of {@code batch}, side by side at each row's last real token:
     * {@code rows} is [batch rows, sum of {@code widths}] in the compute dtype, point {@code indices[j]} in the
     * {@code widths[j]} columns after those of the points before it. A device delivers each batch's points together
     * once the batch is through its layers (one copy to the host per batch and device), or in several calls when the
     * rows waiting on the device would exceed 64 MiB.
     */
    void points(BatchInput batch, int[] indices, int[] widths, NDArray rows);

    /** The logits [rows, vocab] at each row's last real token (after any final soft-capping), after its points. */
    void logits(BatchInput batch, NDArray logits);
}
