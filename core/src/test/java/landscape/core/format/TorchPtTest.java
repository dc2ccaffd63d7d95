package landscape.core.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.Matrix;
import landscape.core.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TorchPtTest {
    private static final Path PWNED = Path.of("/tmp/landscape-pwned");

    @TempDir
    Path tmp;

    static Path formats() {
        return Golden.formats();
    }

    static JsonNode expected(String name) throws IOException {
        return Json.MAPPER.readTree(formats().resolve("expected.json").toFile()).get(name);
    }

    /** Absolute tolerance for a sum of values stored in {@code dt}: the values are exact, only the order differs. */
    static double sumTolerance(double sum) {
        return 1e-9 * Math.max(1, Math.abs(sum));
    }

    @ParameterizedTest
    @ValueSource(strings = {"l5_target.pt", "l6_target.pt", "l7_target.pt"})
    void goldenTorchFilesReadWithExpectedShapeSumAndFirstRow(String name) throws IOException {
        JsonNode e = expected(name);
        Path f = formats().resolve(name);
        Tensor t = TorchPt.read(f);
        assertEquals(DType.valueOf(e.get("dtype").asText()), t.dtype());
        long[] shape = Json.MAPPER.convertValue(e.get("shape"), long[].class);
        assertArrayEquals(shape, t.shape());

        Matrix m = LayerFiles.readMatrix(f);
        assertEquals(shape[0], m.rows());
        assertEquals(shape[1], m.cols());
        double sum = 0;
        for (double v : m.data()) {
            sum += v;
        }
        double want = e.get("sum").asDouble();
        assertEquals(want, sum, sumTolerance(want), name + " sum");
        double[] firstRow = Json.MAPPER.convertValue(e.get("first_row"), double[].class);
        assertArrayEquals(firstRow, m.row(0), 0.0, name + " first row (exact: every value is representable)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"l5_target.pt", "l6_target.pt", "l7_target.pt"})
    void goldenTorchInfoComesFromTheHeader(String name) throws IOException {
        JsonNode e = expected(name);
        LayerInfo info = LayerFiles.info(formats().resolve(name));
        DType dt = DType.valueOf(e.get("dtype").asText());
        long rows = e.get("shape").get(0).asLong();
        long dim = e.get("shape").get(1).asLong();
        assertEquals(new LayerInfo(rows, dim, dt, rows * dim * dt.size()), info);
    }

    @Test
    void stridedGoldenViewReportsItsStride() {
        TorchPt.TensorRef ref = TorchPt.header(formats().resolve("l7_target.pt"));
        assertArrayEquals(new long[] {64, 1}, ref.stride());
        assertEquals(0, ref.offset());
        assertEquals(19200, ref.storage().numel());
    }

    @Test
    void hostilePickleIsRefusedWithoutRunning() throws IOException {
        Files.deleteIfExists(PWNED);
        Path hostile = formats().resolve("hostile.pt");
        for (Executable read : new Executable[] {
                () -> TorchPt.read(hostile), () -> TorchPt.info(hostile), () -> LayerFiles.readMatrix(hostile)}) {
            LandscapeException ex = assertThrows(LandscapeException.class, read);
            assertTrue(ex.getMessage().contains("refused pickle global 'posix.system'"), ex.getMessage());
            assertTrue(ex.getMessage().startsWith(hostile.toString()), ex.getMessage());
            assertFalse(ex.getMessage().contains("\n"));
        }
        assertFalse(Files.exists(PWNED), "/tmp/landscape-pwned must never be created");
    }

    @Test
    void truncatedArchiveGivesOneLineErrorNamingTheFile() {
        Path f = formats().resolve("truncated.pt");
        for (Executable read : new Executable[] {() -> TorchPt.read(f), () -> LayerFiles.info(f)}) {
            LandscapeException ex = assertThrows(LandscapeException.class, read);
            assertTrue(ex.getMessage().startsWith(f + ": "), ex.getMessage());
            assertTrue(ex.getMessage().contains("truncated or corrupt"), ex.getMessage());
            assertFalse(ex.getMessage().contains("\n"));
        }
    }

    // ---- hand-made archives ----

    private Path archive(String folder, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        Path f = tmp.resolve(folder + "-" + System.nanoTime() + ".pt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new ZipEntry(folder + "/data.pkl"));
            z.write(pickle);
            for (Map.Entry<String, byte[]> s : storages.entrySet()) {
                z.putNextEntry(new ZipEntry(folder + "/data/" + s.getKey()));
                z.write(s.getValue());
            }
            z.putNextEntry(new ZipEntry(folder + "/version"));
            z.write("3\n".getBytes());
        }
        return f;
    }

    private static byte[] f64Storage(int n) {
        ByteBuffer b = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putDouble(i);
        }
        return b.array();
    }

    @Test
    void transposedViewIsMaterialisedInCOrder() throws IOException {
        // storage holds a 4x3 matrix 0..11; the tensor is its transpose: size (3, 4), stride (1, 3)
        byte[] pkl = PickleWriter.torchTensor("DoubleStorage", 12, 0, new long[] {3, 4}, new long[] {1, 3});
        Tensor t = TorchPt.read(archive("archive", pkl, Map.of("0", f64Storage(12))));
        assertEquals(DType.F64, t.dtype());
        assertArrayEquals(new long[] {3, 4}, t.shape());
        double[] v = t.toDoubleArray();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(j * 3 + i, v[i * 4 + j]);
            }
        }
    }

    @Test
    void storageOffsetAndStridesSelectTheRightElements() throws IOException {
        byte[] pkl = PickleWriter.torchTensor("DoubleStorage", 30, 5, new long[] {2, 3}, new long[] {10, 2});
        Tensor t = TorchPt.read(archive("any_name", pkl, Map.of("0", f64Storage(30))));
        assertArrayEquals(new double[] {5, 7, 9, 15, 17, 19}, t.toDoubleArray());
        // contiguous rows at an offset
        byte[] rows = PickleWriter.torchTensor("DoubleStorage", 30, 6, new long[] {2, 4}, new long[] {4, 1});
        assertArrayEquals(new double[] {6, 7, 8, 9, 10, 11, 12, 13},
                TorchPt.read(archive("x", rows, Map.of("0", f64Storage(30)))).toDoubleArray());
    }

    @Test
    void broadcastStrideZeroRepeatsTheRow() throws IOException {
        byte[] pkl = PickleWriter.torchTensor("DoubleStorage", 3, 0, new long[] {2, 3}, new long[] {0, 1});
        assertArrayEquals(new double[] {0, 1, 2, 0, 1, 2}, TorchPt.read(archive("b", pkl, Map.of("0", f64Storage(3)))).toDoubleArray());
    }

    @Test
    void otherStorageTypesDecode() throws IOException {
        ByteBuffer longs = ByteBuffer.allocate(8 * 4).order(ByteOrder.LITTLE_ENDIAN).putLong(-3).putLong(1L << 40).putLong(7).putLong(0);
        byte[] pkl = PickleWriter.torchTensor("LongStorage", 4, 0, new long[] {2, 2}, new long[] {2, 1});
        Tensor t = TorchPt.read(archive("l", pkl, Map.of("0", longs.array())));
        assertEquals(DType.I64, t.dtype());
        assertArrayEquals(new long[] {-3, 1L << 40, 7, 0}, t.toLongArray());

        ByteBuffer bf = ByteBuffer.allocate(2 * 2).order(ByteOrder.LITTLE_ENDIAN)
                .putShort(DType.floatToBf16(1.5f)).putShort(DType.floatToBf16(-2f));
        byte[] pkl2 = PickleWriter.torchTensor("BFloat16Storage", 2, 0, new long[] {1, 2}, new long[] {2, 1});
        assertArrayEquals(new double[] {1.5, -2}, TorchPt.readMatrix(archive("bf", pkl2, Map.of("0", bf.array()))).data());
    }

    @Test
    void viewReachingPastTheStorageIsRefused() throws IOException {
        byte[] pkl = PickleWriter.torchTensor("DoubleStorage", 12, 3, new long[] {3, 4}, new long[] {4, 1});
        Path f = archive("a", pkl, Map.of("0", f64Storage(12)));
        LandscapeException ex = assertThrows(LandscapeException.class, () -> TorchPt.read(f));
        assertTrue(ex.getMessage().contains("reaches element 14 of a storage of 12 elements"), ex.getMessage());
    }

    @Test
    void storageShorterThanDeclaredIsRefused() throws IOException {
        byte[] pkl = PickleWriter.torchTensor("DoubleStorage", 12, 0, new long[] {3, 4}, new long[] {4, 1});
        Path f = archive("a", pkl, Map.of("0", f64Storage(11)));
        LandscapeException ex = assertThrows(LandscapeException.class, () -> TorchPt.read(f));
        assertTrue(ex.getMessage().contains("holds 88 bytes but the pickle declares 12 elements of F64 (96 bytes)"), ex.getMessage());
        assertThrows(LandscapeException.class, () -> TorchPt.info(f));
    }

    @Test
    void missingStorageIsRefused() throws IOException {
        byte[] pkl = PickleWriter.torchTensor("DoubleStorage", 12, 0, new long[] {3, 4}, new long[] {4, 1});
        Path f = archive("a", pkl, Map.of());
        LandscapeException ex = assertThrows(LandscapeException.class, () -> TorchPt.read(f));
        assertTrue(ex.getMessage().contains("storage a/data/0 is missing"), ex.getMessage());
    }

    @Test
    void archiveWithoutDataPklIsRefused() throws IOException {
        Path f = tmp.resolve("empty.pt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new ZipEntry("a/version"));
            z.write('3');
        }
        LandscapeException ex = assertThrows(LandscapeException.class, () -> TorchPt.read(f));
        assertEquals(f + ": no data.pkl in the zip archive (not a torch.save file?)", ex.getMessage());
    }

    @Test
    void legacyAndNonZipFilesAreRefused() throws IOException {
        Path legacy = tmp.resolve("legacy.pt");
        Files.write(legacy, new byte[] {(byte) 0x80, 2, 'K', 1, '.'});
        assertTrue(assertThrows(LandscapeException.class, () -> TorchPt.read(legacy)).getMessage().contains("legacy"));
        Path text = tmp.resolve("text.pt");
        Files.writeString(text, "hello world");
        assertTrue(assertThrows(LandscapeException.class, () -> TorchPt.read(text)).getMessage().contains("bad magic"));
    }

    @Test
    void pickleHoldingSomethingOtherThanATensorIsRefused() throws IOException {
        byte[] pkl = new PickleWriter().proto(2).emptyDict().str("w").integer(1).setitem().stop().toBytes();
        Path f = archive("a", pkl, Map.of());
        LandscapeException ex = assertThrows(LandscapeException.class, () -> TorchPt.read(f));
        assertTrue(ex.getMessage().contains("expected a single tensor in a/data.pkl, found a dict"), ex.getMessage());
    }

    @Test
    void unlistedGlobalInATensorPickleIsRefusedByName() throws IOException {
        byte[] pkl = new PickleWriter().proto(4).stackGlobal("builtins", "eval").str("1+1").op(0x85).reduce().stop().toBytes();
        Path f = archive("a", pkl, Map.of());
        LandscapeException ex = assertThrows(LandscapeException.class, () -> TorchPt.read(f));
        assertEquals(f + ": refused pickle global 'builtins.eval'", ex.getMessage());
    }

    @Test
    void bigEndianArchiveIsRefused() throws IOException {
        byte[] pkl = PickleWriter.torchTensor("DoubleStorage", 1, 0, new long[] {1, 1}, new long[] {1, 1});
        Path f = tmp.resolve("big.pt");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("a/data.pkl", pkl);
        entries.put("a/byteorder", "big".getBytes());
        entries.put("a/data/0", new byte[8]);
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
            }
        }
        assertTrue(assertThrows(LandscapeException.class, () -> TorchPt.read(f)).getMessage().contains("byte order 'big'"));
    }
}
