package landscape.extract.model;

import ai.djl.ndarray.NDArray;

/**
 * Receives what a forward pass produces, as soon as it is known, on the thread of the device that computed it (with
 * several devices, from several threads at once, but never two calls for the same point at once). The arrays are
 * closed when the call returns: copy what is kept.
 */
public interface ModelSink {
    /** Extraction point {@code index} of {@code batch}: [rows, dim] at each row's last real token. */
    void point(int index, BatchInput batch, NDArray rows);

    /** The logits [rows, vocab] at each row's last real token (after any final soft-capping). */
    void logits(BatchInput batch, NDArray logits);
}
