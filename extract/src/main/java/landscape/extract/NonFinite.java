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
 * the device, with one reduction per batch.
 */
final class NonFinite {
    private NonFinite() {
    }

    /** The first non-finite value in row-major order: its row, its column and what it is (NaN, +Inf, -Inf). */
    record Found(int row, int column, String value) {
    }

    /** The first non-finite value of {@code rows} rows of little-endian F32 or F16 values in {@code b}, or null. */
    static Found first(ByteBuffer b, DType dtype, int rows) {
        int size = dtype.size();
        int n = b.remaining() / size;
        int cols = rows == 0 ? 0 : n / rows;
        int base = b.position();
        for (int i = 0; i < n; i++) {
            boolean bad;
            boolean nan;
            boolean negative;
            if (dtype == DType.F32) {
                int bits = b.getInt(base + i * 4);
                bad = (bits & 0x7f800000) == 0x7f800000;
                nan = (bits & 0x007fffff) != 0;
                negative = bits < 0;
            } else if (dtype == DType.F16) {
                int bits = b.getShort(base + i * 2) & 0xffff;
                bad = (bits & 0x7c00) == 0x7c00;
                nan = (bits & 0x03ff) != 0;
                negative = (bits & 0x8000) != 0;
            } else {
                throw new IllegalArgumentException("layer files are F32 or F16, not " + dtype);
            }
            if (bad) {
                return new Found(i / cols, i % cols, nan ? "NaN" : negative ? "-Inf" : "+Inf");
            }
        }
        return null;
    }

    /** True when every value of {@code a} (any shape, any float type) is finite: one max-of-abs reduction. */
    static boolean allFinite(NDArray a) {
        NDArray max = a.abs().max();
        float v = max.getDataType() == DataType.FLOAT32 ? max.getFloat() : max.toType(DataType.FLOAT32, false).getFloat();
        return Float.isFinite(v);
    }
}
