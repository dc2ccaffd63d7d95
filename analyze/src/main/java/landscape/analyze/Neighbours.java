package landscape.analyze;

/**
 * The k nearest neighbours of every point, self included at column 0 (as DADApy and scikit-learn return them):
 * row i, column c is the c-th neighbour of point i, at float64 Euclidean distance {@code distance(i, c)}.
 * Columns are in increasing distance, ties by lower index. Stored row-major, {@code cols = maxk + 1}.
 */
public record Neighbours(int rows, int maxk, double[] distances, int[] indices) {
    public Neighbours {
        if ((long) rows * (maxk + 1) != distances.length || distances.length != indices.length) {
            throw new IllegalArgumentException("neighbour arrays do not match " + rows + " x " + (maxk + 1));
        }
    }

    public int cols() {
        return maxk + 1;
    }

    public double distance(int i, int c) {
        return distances[i * (maxk + 1) + c];
    }

    public int index(int i, int c) {
        return indices[i * (maxk + 1) + c];
    }
}
