package landscape.core.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import landscape.core.Json;
import landscape.core.LandscapeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class NpyTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"layer_f8.npy", "layer_f2.npy", "mask_i8.npy"})
    void goldenNpyFilesReadWithExpectedDtypeShapeAndSum(String name) throws IOException {
        JsonNode e = TorchPtTest.expected(name);
        Tensor t = Npy.read(TorchPtTest.formats().resolve(name));
        assertEquals(DType.valueOf(e.get("dtype").asText()), t.dtype());
        assertArrayEquals(Json.MAPPER.convertValue(e.get("shape"), long[].class), t.shape());
        double sum = 0;
        for (double v : t.toDoubleArray()) {
            sum += v;
        }
        double want = e.get("sum").asDouble();
        assertEquals(want, sum, TorchPtTest.sumTolerance(want));
    }

    @Test
    void goldenLayersAgreeWithTheTorchCopies() {
        // layer_f8.npy holds the same values as l5_target.pt (F32), widened
        assertArrayEquals(LayerFiles.readMatrix(TorchPtTest.formats().resolve("l5_target.pt")).data(),
                LayerFiles.readMatrix(TorchPtTest.formats().resolve("layer_f8.npy")).data(), 0.0);
        assertEquals(new LayerInfo(600, 32, DType.F16, 600 * 32 * 2), LayerFiles.info(TorchPtTest.formats().resolve("layer_f2.npy")));
        long[] mask = Npy.readIndices(TorchPtTest.formats().resolve("mask_i8.npy"));
        assertEquals(200, mask.length);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = "BF16", mode = EnumSource.Mode.EXCLUDE)
    void everyNpyDtypeRoundTrips(DType dt) {
        double[] v = SafetensorsTest.sampleValues(dt, 4 * 3, 11);
        Tensor t = Tensor.ofDoubles(dt, new long[] {4, 3}, v);
        Path f = tmp.resolve(dt + ".npy");
        Npy.write(f, t);
        Tensor back = Npy.read(f);
        assertEquals(dt, back.dtype());
        assertArrayEquals(new long[] {4, 3}, back.shape());
        assertArrayEquals(v, back.toDoubleArray(), 0.0);
        assertEquals(new LayerInfo(4, 3, dt, 12L * dt.size()), LayerFiles.info(f));
        // 1-D and 0-D shapes round-trip too
        Npy.write(f, Tensor.ofDoubles(dt, new long[] {5}, SafetensorsTest.sampleValues(dt, 5, 3)));
        assertArrayEquals(new long[] {5}, Npy.read(f).shape());
        Npy.write(f, Tensor.ofDoubles(dt, new long[] {}, new double[] {1}));
        assertArrayEquals(new long[] {}, Npy.read(f).shape());
    }

    @Test
    void bf16CannotBeWrittenToNpy() {
        Path f = tmp.resolve("b.npy");
        LandscapeException ex = assertThrows(LandscapeException.class, () -> Npy.write(f, Tensor.allocate(DType.BF16, 2)));
        assertTrue(ex.getMessage().contains("cannot be stored in .npy"), ex.getMessage());
        assertFalse(Files.exists(f));
    }

    /** A .npy file with the given version, header dict and data bytes; header padded to 64 as NumPy does. */
    private Path npy(String name, int major, String dict, byte[] data) throws IOException {
        int prefix = major == 1 ? 10 : 12;
        String h = dict;
        int total = prefix + h.length() + 1;
        h = h + " ".repeat((64 - total % 64) % 64) + "\n";
        byte[] hb = h.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(prefix + hb.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Npy.MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) hb.length);
        } else {
            b.putInt(hb.length);
        }
        b.put(hb).put(data);
        Path f = tmp.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private static byte[] f4(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void formatVersionsOneTwoAndThreeRead(int major) throws IOException {
        Path f = npy("v" + major + ".npy", major, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f4(1, 2, 3, 4));
        assertArrayEquals(new double[] {1, 2, 3, 4}, Npy.readMatrix(f).data());
    }

    @Test
    void largeHeaderIsWrittenAsVersionTwo() throws IOException {
        long[] shape = new long[25000];
        Arrays.fill(shape, 1);
        Path f = tmp.resolve("many.npy");
        Npy.write(f, Tensor.allocate(DType.F32, shape));
        assertEquals(2, Files.readAllBytes(f)[6]);
        assertEquals(25000, Npy.read(f).shape().length);
    }

    @Test
    void fortranOrderIsRefused() throws IOException {
        Path f = npy("f.npy", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", f4(1, 2, 3, 4));
        LandscapeException ex = assertThrows(LandscapeException.class, () -> Npy.read(f));
        assertEquals(f + ": Fortran-ordered arrays are not supported; save with np.ascontiguousarray(a)", ex.getMessage());
    }

    @Test
    void headerLongerThanTheFileIsRefused() throws IOException {
        Path f = tmp.resolve("h.npy");
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Npy.MAGIC).put((byte) 1).put((byte) 0).putShort((short) 5000);
        Files.write(f, b.array());
        LandscapeException ex = assertThrows(LandscapeException.class, () -> Npy.read(f));
        assertTrue(ex.getMessage().startsWith(f + ": npy header length 5000 runs past the end of the file"), ex.getMessage());
        Path v2 = tmp.resolve("h2.npy");
        ByteBuffer b2 = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        b2.put(Npy.MAGIC).put((byte) 2).put((byte) 0).putInt(-1);
        Files.write(v2, b2.array());
        assertTrue(assertThrows(LandscapeException.class, () -> Npy.read(v2)).getMessage().contains("exceeds the limit"));
    }

    @Test
    void shapeNotMatchingTheBytesIsRefused() throws IOException {
        Path f = npy("s.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f4(1, 2, 3, 4));
        LandscapeException ex = assertThrows(LandscapeException.class, () -> Npy.read(f));
        assertEquals(f + ": shape [2, 3] of <f4 needs 24 data bytes but the file holds 16", ex.getMessage());
        Path over = npy("o.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", f4(1));
        assertTrue(assertThrows(LandscapeException.class, () -> Npy.read(over)).getMessage().contains("overflows"));
    }

    @Test
    void unknownDtypeIsRefused() throws IOException {
        Path f = npy("u.npy", 1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", new byte[16]);
        LandscapeException ex = assertThrows(LandscapeException.class, () -> Npy.read(f));
        assertTrue(ex.getMessage().startsWith(f + ": unsupported npy dtype '<c16'"), ex.getMessage());
        Path be = npy("be.npy", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
        assertTrue(assertThrows(LandscapeException.class, () -> Npy.read(be)).getMessage().contains("big-endian"));
    }

    @Test
    void badMagicAndShortFilesAreRefused() throws IOException {
        Path f = tmp.resolve("x.npy");
        Files.writeString(f, "not numpy at all");
        assertTrue(assertThrows(LandscapeException.class, () -> Npy.read(f)).getMessage().contains("bad magic"));
        Files.write(f, new byte[] {(byte) 0x93, 'N'});
        assertTrue(assertThrows(LandscapeException.class, () -> Npy.read(f)).getMessage().contains("too short"));
    }
}
