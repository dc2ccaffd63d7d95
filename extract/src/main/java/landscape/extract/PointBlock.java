package landscape.extract;

import java.nio.ByteBuffer;
import java.util.Map;
import landscape.core.format.DType;
import landscape.core.format.Safetensors;

/**
 * Extraction points of one batch as the model delivers them, copied to the host in one piece: little-endian values
 * of the layer files' dtype, [rows, sum of the widths], point {@code indices[j]} in the {@code widths[j]} columns
 * after those of the points before it. Checked for non-finite values and cut into the layer files' rows here.
 */
final class PointBlock {
    /** The first non-finite value: the point (its index), the batch row, the column within the point, the value. */
    record Found(int point, int row, int column, String value) {
    }

    private final ByteBuffer bytes;
    private final DType dtype;
    private final int rows;
    private final int[] indices;
    private final int[] widths;
    private final int[] offsets;
    private final int rowLength;

    PointBlock(ByteBuffer bytes, DType dtype, int rows, int[] indices, int[] widths) {
        if (indices.length != widths.length) {
            throw new IllegalArgumentException(indices.length + " points with " + widths.length + " widths");
        }
        this.bytes = bytes;
        this.dtype = dtype;
        this.rows = rows;
        this.indices = indices.clone();
        this.widths = widths.clone();
        this.offsets = new int[widths.length];
        int sum = 0;
        for (int j = 0; j < widths.length; j++) {
            offsets[j] = sum;
            sum += widths[j];
        }
        this.rowLength = sum;
        if (bytes.remaining() != (long) rows * sum * dtype.size()) {
            throw new IllegalArgumentException(bytes.remaining() + " bytes for " + rows + " rows of " + sum + " "
                    + dtype + " values");
        }
    }

    /** The first non-finite value, point by point in the order delivered, each in row-major order; null if none. */
    Found firstNonFinite() {
        for (int j = 0; j < indices.length; j++) {
            NonFinite.Found f = NonFinite.first(bytes, dtype, rows, rowLength, offsets[j], widths[j]);
            if (f != null) {
                return new Found(indices[j], f.row(), f.column(), f.value());
            }
        }
        return null;
    }

    /** Row r of each point into {@code writers.get(point)} (tensor {@code layer}) at row {@code order[r]}. */
    void writeTo(Map<Integer, Safetensors.Writer> writers, int[] order) {
        if (order.length != rows) {
            throw new IllegalArgumentException(order.length + " output rows for " + rows + " rows");
        }
        int size = dtype.size();
        int base = bytes.position();
        ByteBuffer row = bytes.duplicate();
        for (int j = 0; j < indices.length; j++) {
            Safetensors.Writer w = writers.get(indices[j]);
            for (int r = 0; r < rows; r++) {
                int from = base + (r * rowLength + offsets[j]) * size;
                row.limit(bytes.capacity()).position(from);
                row.limit(from + widths[j] * size);
                w.write("layer", order[r], row);
            }
        }
    }
}
