package landscape.core.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import landscape.core.LandscapeException;
import landscape.core.format.Npy;

/**
 * A row mask: a {@code .npy} file of integer row indices (like the paper's {@code test_mask_200.npy}), given as
 * {@code --mask} to {@code landscape-extract run} (rows of the dataset split or of the prompts file) and to
 * {@code landscape-analyze} (rows of the layer). Both stages apply it with one rule (docs/FORMAT.md, "Row masks"):
 * a mask is a set of rows, used in ascending row order whatever order the file lists them in; an index repeated or
 * outside {@code 0..n-1} is an error naming the file.
 */
public record RowMask(Path file) {

    /** The selected rows of {@code n}, ascending. */
    public int[] rows(int n) {
        if (!Files.isRegularFile(file)) {
            throw LandscapeException.of(file, "no such file (--mask)");
        }
        long[] idx = Npy.readIndices(file);
        long[] sorted = idx.clone();
        Arrays.sort(sorted);
        int[] out = new int[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            long v = sorted[i];
            if (v < 0 || v >= n) {
                throw LandscapeException.of(file, "index " + v + " (position " + position(idx, v) + ") is out of range "
                        + "for " + n + " rows (0.." + (n - 1) + ")");
            }
            if (i > 0 && v == sorted[i - 1]) {
                throw LandscapeException.of(file, "index " + v + " is repeated (positions " + position(idx, v) + " and "
                        + secondPosition(idx, v) + ")");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /**
     * The mask as recorded in a manifest or in stats.json: its real path, since a Nextflow task sees it as a staged
     * link whose name alone identifies nothing (the absolute path when it cannot be resolved).
     */
    public String recordedPath() {
        try {
            return file.toRealPath().toString();
        } catch (IOException e) {
            return file.toAbsolutePath().normalize().toString();
        }
    }

    private static int position(long[] idx, long v) {
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static int secondPosition(long[] idx, long v) {
        int first = position(idx, v);
        for (int i = first + 1; i < idx.length; i++) {
            if (idx[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
