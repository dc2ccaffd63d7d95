package landscape.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import landscape.core.format.DType;

/**
 * The check that every batch passes before its rows are written: no NaN or infinite value at any extraction point
 * or in the logits. A weight that is NaN (a broken checkpoint, a bad merge) or an f16 overflow would otherwise give
 * layers of NaN, an accuracy computed from NaN logits, and exit code 0. The rows are checked in the bytes that go to
 * the layer file (a bit test per value, on data already copied to the host for writing); the logits, which stay on
 * the device, with one reduction per batch, copied to the host with the predictions.
 */
final class NonFinite {
    private NonFinite() {
    }

    /** The first non-finite value in row-major order: its row, its column and what it is (NaN, +Inf, -Inf). */
    record Found(int row, int column, String value) {
    }

    /** The first non-finite value of {@code rows} rows of little-endian F32 or F16 values in {@code b}, or null. */
    static Found first(ByteBuffer b, DType dtype, int rows) {
        int n = b.remaining() / dtype.size();
        int cols = rows == 0 ? 0 : n / rows;
        return first(b, dtype, rows, cols, 0, cols);
    }

    /**
     * The first non-finite value, in row-major order, of columns {@code [from, from + width)} of {@code rows} rows of
     * {@code rowLength} little-endian F32 or F16 values each in {@code b} (from its position), or null; the column is
     * counted from {@code from}.
     */
    static Found first(ByteBuffer b, DType dtype, int rows, int rowLength, int from, int width) {
        if (dtype != DType.F32 && dtype != DType.F16) {
            throw new IllegalArgumentException("layer files are F32 or F16, not " + dtype);
        }
        int base = b.position();
        for (int r = 0; r < rows; r++) {
            int row = base + (r * rowLength + from) * dtype.size();
            for (int c = 0; c < width; c++) {
                boolean bad;
                boolean nan;
                boolean negative;
                if (dtype == DType.F32) {
                    int bits = b.getInt(row + c * 4);
                    bad = (bits & 0x7f800000) == 0x7f800000;
                    nan = (bits & 0x007fffff) != 0;
                    negative = bits < 0;
                } else {
                    int bits = b.getShort(row + c * 2) & 0xffff;
                    bad = (bits & 0x7c00) == 0x7c00;
                    nan = (bits & 0x03ff) != 0;
                    negative = (bits & 0x8000) != 0;
                }
                if (bad) {
                    return new Found(r, c, nan ? "NaN" : negative ? "-Inf" : "+Inf");
                }
            }
        }
        return null;
    }

    /**
     * 1 when every value of {@code a} (any shape, any float type) is finite, else 0, as a one-element int64 array on
     * {@code a}'s device: one max-of-abs reduction, so that it can travel to the host with other results.
     */
    static NDArray finiteFlag(NDArray a) {
        try (NDArray abs = a.abs();
             NDArray max = abs.max();
             NDArray nan = max.isNaN();
             NDArray inf = max.isInfinite();
             NDArray bad = nan.logicalOr(inf);
             NDArray good = bad.logicalNot();
             NDArray flag = good.toType(DataType.INT64, false)) {
            return flag.reshape(1);
        }
    }

    /** True when every value of {@code a} (any shape, any float type) is finite ({@link #finiteFlag}). */
    static boolean allFinite(NDArray a) {
        try (NDArray flag = finiteFlag(a)) {
            return flag.toLongArray()[0] == 1;
        }
    }
}
