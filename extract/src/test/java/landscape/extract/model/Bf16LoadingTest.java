package landscape.extract.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import landscape.core.format.Checkpoint;
import landscape.core.format.DType;
import landscape.core.format.Safetensors;
import landscape.core.format.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BF16 weights converted in Java, in parallel parts: to f32 exactly, and to f16 exactly as PyTorch converts their f32
 * values, for every one of the 65536 bfloat16 bit patterns, at every position of a chunk (PyTorch's own conversion
 * takes other code paths at the tail of an array), through every read path (whole tensors, row ranges, gathered
 * rows).
 */
class Bf16LoadingTest {
    static final int PATTERNS = 1 << 16;

    @TempDir
    Path tmp;

    /** IEEE 754 round to nearest even of a float32 to float16 bits; NaN to a NaN (payload not specified). */
    static int roundToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs > 0x7f800000) {
            return sign | 0x7e00;
        }
        if (abs >= 0x477ff000) {
            return sign | 0x7c00; // 65520 and above (and infinity) round to infinity
        }
        if (abs < 0x38800000) {
            // below 2^-14: a subnormal float16, a multiple of 2^-24 (the scaling is exact, rint rounds half to even)
            return sign | (int) Math.rint(Float.intBitsToFloat(abs) * 16777216f);
        }
        int h = ((abs >>> 23) - 112) << 10 | (abs & 0x7fffff) >>> 13;
        int rest = abs & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1)) {
            h++;
        }
        return sign | h;
    }

    static boolean isNan16(int h) {
        return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
    }

    static boolean isNanBf16(int b) {
        return (b & 0x7f80) == 0x7f80 && (b & 0x7f) != 0;
    }

    @Test
    void theF16TableRoundsEveryPatternToNearestEvenAsPyTorchDoesAtAnyPosition() {
        short[] table = WeightLoader.bf16ToF16("PyTorch");
        int nans = 0;
        for (int b = 0; b < PATTERNS; b++) {
            int h = table[b] & 0xffff;
            if (isNanBf16(b)) {
                assertTrue(isNan16(h), Integer.toHexString(b));
                nans++;
            } else {
                assertEquals(roundToF16(Float.intBitsToFloat(b << 16)), h, "bf16 " + Integer.toHexString(b));
            }
        }
        assertEquals(2 * 127, nans);
        // PyTorch's conversion of every pattern at every offset modulo 32 (vectorised body and scalar tail alike)
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (int shift = 1; shift < 32; shift += 3) {
                float[] f = new float[PATTERNS + shift];
                for (int i = 0; i < f.length; i++) {
                    f[i] = Float.intBitsToFloat(((i - shift) & 0xffff) << 16);
                }
                try (NDArray a = m.create(f); NDArray h = a.toType(DataType.FLOAT16, false)) {
                    ByteBuffer out = h.toByteBuffer().order(ByteOrder.nativeOrder());
                    for (int i = 0; i < f.length; i++) {
                        int b = (i - shift) & 0xffff;
                        int torch = out.getShort(i * 2) & 0xffff;
                        if (isNanBf16(b)) {
                            assertTrue(isNan16(torch));
                        } else {
                            assertEquals(table[b] & 0xffff, torch, "bf16 " + Integer.toHexString(b) + " at " + i);
                        }
                    }
                }
            }
        }
    }

    /** A checkpoint with one BF16 tensor [rows, cols] holding every pattern, from {@code shift} on, wrapping around. */
    Path checkpoint(int rows, int cols, int shift) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("c" + rows + "x" + cols + "+" + shift));
        ByteBuffer data = ByteBuffer.allocate(rows * cols * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            data.putShort(i * 2, (short) (i + shift));
        }
        Safetensors.write(dir.resolve(Checkpoint.SINGLE), Map.of("w", new Tensor(DType.BF16, new long[] {rows, cols},
                data)), Map.of());
        return dir;
    }

    static int pattern(int i, int shift) {
        return (i + shift) & 0xffff;
    }

    /** Every value of {@code a} (f32 or f16 bits) against the exact decode and the table, element {@code i} from 0. */
    static void assertConverted(NDArray a, int firstElement, int shift, String what) {
        ByteBuffer b = a.toByteBuffer().order(ByteOrder.nativeOrder());
        short[] table = WeightLoader.bf16ToF16("PyTorch");
        int n = (int) a.size();
        for (int i = 0; i < n; i++) {
            int p = pattern(firstElement + i, shift);
            if (a.getDataType() == DataType.FLOAT32) {
                assertEquals(p << 16, b.getInt(i * 4), what + " element " + i);
            } else {
                int h = b.getShort(i * 2) & 0xffff;
                if (isNanBf16(p)) {
                    assertTrue(isNan16(h), what + " element " + i);
                } else {
                    assertEquals(table[p] & 0xffff, h, what + " element " + i);
                }
            }
        }
    }

    @Test
    void everyPatternLoadsExactlyInF32AndAsPyTorchRoundsInF16InWholeTensorsRowRangesAndGatheredRows() throws Exception {
        int rows = 257;
        int cols = 263; // 67591 elements: every pattern, some twice; neither divides a chunk or a part
        int shift = 11;
        Path dir = checkpoint(rows, cols, shift);
        int savedChunk = WeightLoader.chunkBytes;
        int savedPart = WeightLoader.partElements;
        try (Checkpoint ckpt = Checkpoint.open(dir);
             NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (int[] sizes : new int[][] {{savedChunk, savedPart}, {4 * 1001, 37}, {4 * 5000, 1 << 20}}) {
                WeightLoader.chunkBytes = sizes[0];
                WeightLoader.partElements = sizes[1];
                for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT16}) {
                    String what = type + " chunk " + sizes[0] + " part " + sizes[1];
                    WeightLoader w = new WeightLoader(ckpt, root, type, null, true);
                    try (NDArray all = w.load("w")) {
                        assertEquals(type, all.getDataType());
                        assertEquals(rows, all.getShape().get(0));
                        assertConverted(all, 0, shift, what);
                    }
                    try (NDArray some = w.loadRows("w", 100, 90)) {
                        assertConverted(some, 100 * cols, shift, what + " rows 100..190");
                    }
                    long[] ids = {256, 3, 3, 0, 199};
                    try (NDArray gathered = w.gatherRows("w", ids)) {
                        for (int k = 0; k < ids.length; k++) {
                            try (NDArray row = gathered.get(k)) {
                                assertConverted(row, (int) ids[k] * cols, shift, what + " gathered row " + ids[k]);
                            }
                        }
                    }
                }
            }
        } finally {
            WeightLoader.chunkBytes = savedChunk;
            WeightLoader.partElements = savedPart;
        }
    }

    @Test
    void bf16LoadedInF16EqualsPyTorchsConversionOfTheExactF32Values() throws Exception {
        // the old way: decoded to f32, then converted by PyTorch; NaN payloads aside, bit for bit the same
        int rows = 129;
        int cols = 517;
        int shift = 40000;
        Path dir = checkpoint(rows, cols, shift);
        try (Checkpoint ckpt = Checkpoint.open(dir);
             NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
             NDArray f32 = new WeightLoader(ckpt, root, DataType.FLOAT32, null, false).load("w");
             NDArray viaTorch = f32.toType(DataType.FLOAT16, true);
             NDArray f16 = new WeightLoader(ckpt, root, DataType.FLOAT16, null, false).load("w")) {
            ByteBuffer a = viaTorch.toByteBuffer().order(ByteOrder.nativeOrder());
            ByteBuffer b = f16.toByteBuffer().order(ByteOrder.nativeOrder());
            int nans = 0;
            for (int i = 0; i < rows * cols; i++) {
                int x = a.getShort(i * 2) & 0xffff;
                int y = b.getShort(i * 2) & 0xffff;
                if (isNan16(x)) {
                    assertTrue(isNan16(y));
                    nans++;
                } else {
                    assertEquals(x, y, "element " + i + " (bf16 " + Integer.toHexString(pattern(i, shift)) + ")");
                }
            }
            assertTrue(nans >= 2 * 127, "every NaN pattern is there: " + nans);
        }
    }
}
