package landscape.core.format;

/** Header-only facts about a 2-D layer tensor: rows, dim, element type and data bytes. */
public record LayerInfo(long rows, long dim, DType dtype, long bytes) {
}
