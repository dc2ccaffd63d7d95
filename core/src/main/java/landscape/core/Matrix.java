package landscape.core;

/**
 * A dense row-major float64 matrix: element (i, j) is {@code data[i * cols + j]}.
 * Readers of every layer format produce this for analysis.
 */
public record Matrix(int rows, int cols, double[] data) {
    public Matrix {
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " does not match " + data.length + " values");
        }
    }

    public static Matrix zeros(int rows, int cols) {
        return new Matrix(rows, cols, new double[Math.multiplyExact(rows, cols)]);
    }

    public double get(int i, int j) {
        return data[i * cols + j];
    }

    public double[] row(int i) {
        double[] r = new double[cols];
        System.arraycopy(data, i * cols, r, 0, cols);
        return r;
    }

    /** Rows {@code idx[0], idx[1], ...} in that order. */
    public Matrix selectRows(int[] idx) {
        double[] out = new double[Math.multiplyExact(idx.length, cols)];
        for (int r = 0; r < idx.length; r++) {
            System.arraycopy(data, idx[r] * cols, out, r * cols, cols);
        }
        return new Matrix(idx.length, cols, out);
    }
}
