package landscape.core.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import landscape.core.Matrix;

/**
 * A tensor held in (or mapped into) memory: dtype, shape and a little-endian, C-ordered buffer of exactly
 * {@code numel * dtype.size()} bytes starting at position 0.
 */
public record Tensor(DType dtype, long[] shape, ByteBuffer data) {
    public Tensor {
        shape = shape.clone();
        long n = numel(shape);
        if (Math.multiplyExact(n, (long) dtype.size()) != data.remaining()) {
            throw new IllegalArgumentException("tensor " + Arrays.toString(shape) + " " + dtype + " needs "
                    + n * dtype.size() + " bytes, buffer has " + data.remaining());
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long numel() {
        return numel(shape);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public static Tensor allocate(DType dtype, long... shape) {
        long bytes = Math.multiplyExact(numel(shape), (long) dtype.size());
        return new Tensor(dtype, shape, ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN));
    }

    public static Tensor ofDoubles(DType dtype, long[] shape, double[] values) {
        Tensor t = allocate(dtype, shape);
        for (int i = 0; i < values.length; i++) {
            dtype.putDouble(t.data, i, values[i]);
        }
        return t;
    }

    public static Tensor ofLongs(long[] values) {
        Tensor t = allocate(DType.I64, values.length);
        for (int i = 0; i < values.length; i++) {
            t.data.putLong(i * 8, values[i]);
        }
        return t;
    }

    public double[] toDoubleArray() {
        int n = Math.toIntExact(numel());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = dtype.getDouble(data, i);
        }
        return out;
    }

    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = dtype.getFloat(data, i);
        }
        return out;
    }

    /** Integer values; floating values must be whole numbers. */
    public long[] toLongArray() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = dtype == DType.I64 ? data.getLong(i * 8) : (long) dtype.getDouble(data, i);
        }
        return out;
    }

    /** A 2-D tensor as a float64 row-major matrix. */
    public Matrix toMatrix() {
        if (shape.length != 2) {
            throw new IllegalArgumentException("expected a 2-D tensor, got shape " + Arrays.toString(shape));
        }
        return new Matrix(Math.toIntExact(shape[0]), Math.toIntExact(shape[1]), toDoubleArray());
    }
}
