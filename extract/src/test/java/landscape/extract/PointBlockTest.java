package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import landscape.core.Matrix;
import landscape.core.format.DType;
import landscape.core.format.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One batch's points, side by side as one host copy, cut into the layer files: every value lands in its point's
 * file, at its input row and its column (values encode point, row and column, so any mix-up shows), and the first
 * non-finite value is named by its point, row and the column within that point.
 */
class PointBlockTest {
    static final int[] INDICES = {0, 3, 7};
    static final int[] WIDTHS = {5, 7, 3};
    static final int ROWS = 4;
    static final int[] ORDER = {5, 0, 2, 4}; // batch row r is input row ORDER[r] of 6

    @TempDir
    Path tmp;

    static double value(int point, int row, int column) {
        return point * 100 + row * 10 + column; // exact in f16 too (< 2048)
    }

    /** The block as the model delivers it: [rows, 5 + 7 + 3], point by point within each row. */
    static ByteBuffer block(DType t) {
        int cols = 15;
        ByteBuffer b = ByteBuffer.allocate(ROWS * cols * t.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < ROWS; r++) {
            int c = 0;
            for (int j = 0; j < INDICES.length; j++) {
                for (int k = 0; k < WIDTHS[j]; k++, c++) {
                    t.putDouble(b, r * cols + c, value(INDICES[j], r, k));
                }
            }
        }
        return b;
    }

    @Test
    void everyValueLandsInItsPointsFileAtItsInputRowAndColumn() {
        for (DType t : List.of(DType.F32, DType.F16)) {
            Map<Integer, Safetensors.Writer> writers = new LinkedHashMap<>();
            for (int j = 0; j < INDICES.length; j++) {
                writers.put(INDICES[j], Safetensors.create(tmp.resolve(t + "-" + INDICES[j] + ".safetensors"),
                        Map.of("layer", new Safetensors.Spec(t, new long[] {6, WIDTHS[j]})), Map.of()));
            }
            ByteBuffer b = block(t);
            b.position(0);
            PointBlock block = new PointBlock(b, t, ROWS, INDICES, WIDTHS);
            assertNull(block.firstNonFinite());
            block.writeTo(writers, ORDER);
            writers.values().forEach(Safetensors.Writer::commit);
            for (int j = 0; j < INDICES.length; j++) {
                Matrix m = Safetensors.readMatrix(tmp.resolve(t + "-" + INDICES[j] + ".safetensors"));
                assertEquals(6, m.rows());
                assertEquals(WIDTHS[j], m.cols());
                for (int r = 0; r < ROWS; r++) {
                    for (int k = 0; k < WIDTHS[j]; k++) {
                        assertEquals(value(INDICES[j], r, k), m.data()[ORDER[r] * WIDTHS[j] + k], 0.0,
                                t + " point " + INDICES[j] + " row " + r + " column " + k);
                    }
                }
                // input rows 1 and 3 belong to other batches: untouched
                for (int k = 0; k < WIDTHS[j]; k++) {
                    assertEquals(0.0, m.data()[WIDTHS[j] + k], 0.0);
                    assertEquals(0.0, m.data()[3 * WIDTHS[j] + k], 0.0);
                }
            }
        }
    }

    @Test
    void theFirstNonFiniteValueIsNamedByItsPointRowAndColumnWithinThePoint() {
        for (DType t : List.of(DType.F32, DType.F16)) {
            ByteBuffer b = block(t);
            // point 7 (the third) at row 1, column 2; point 3 (the second) at row 2, column 6; point 3 comes first
            t.putDouble(b, 15 + 5 + 7 + 2, Double.NEGATIVE_INFINITY);
            t.putDouble(b, 2 * 15 + 5 + 6, Double.NaN);
            PointBlock.Found f = new PointBlock(b, t, ROWS, INDICES, WIDTHS).firstNonFinite();
            assertEquals(new PointBlock.Found(3, 2, 6, "NaN"), f, t.toString());
            t.putDouble(b, 2 * 15 + 5 + 6, 1.0);
            assertEquals(new PointBlock.Found(7, 1, 2, "-Inf"), new PointBlock(b, t, ROWS, INDICES, WIDTHS)
                    .firstNonFinite(), t.toString());
        }
    }
}
