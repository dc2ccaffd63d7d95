package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import landscape.core.format.DType;
import org.junit.jupiter.api.Test;

/** The check on every batch's rows: the first NaN or infinite value, in the bytes written to the layer file. */
class NonFiniteTest {
    @Test
    void aNonFiniteRowIsFoundInF32AndF16Bytes() {
        for (DType t : List.of(DType.F32, DType.F16)) {
            for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                ByteBuffer b = ByteBuffer.allocate(3 * 4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < 12; i++) {
                    t.putDouble(b, i, i == 9 ? bad : (t == DType.F16 ? 65504.0 : Float.MAX_VALUE) * (i % 2 == 0 ? 1 : -1));
                }
                NonFinite.Found f = NonFinite.first(b, t, 3);
                assertEquals(2, f.row(), t + " " + bad);
                assertEquals(1, f.column(), t + " " + bad);
                assertEquals(Double.isNaN(bad) ? "NaN" : bad > 0 ? "+Inf" : "-Inf", f.value());
            }
            ByteBuffer fine = ByteBuffer.allocate(8 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(null, NonFinite.first(fine, t, 2), "zeros are finite");
        }
    }

    @Test
    void logitsWithANanOrAnInfinityAreNotAllFiniteInF32AndF16() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            for (DataType t : List.of(DataType.FLOAT32, DataType.FLOAT16)) {
                NDArray fine = m.create(new float[] {1, -2, 3, 65000, -65000, 0}, new Shape(2, 3)).toType(t, false);
                assertTrue(NonFinite.allFinite(fine), t.toString());
                for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                    NDArray a = m.create(new float[] {1, -2, 3, 4, bad, 0}, new Shape(2, 3)).toType(t, false);
                    assertFalse(NonFinite.allFinite(a), t + " " + bad);
                }
            }
        }
    }
}
