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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.Matrix;
import landscape.core.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SafetensorsTest {
    @TempDir
    Path tmp;

    static double[] sampleValues(DType dt, int n, long seed) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (dt) {
                case BOOL -> r.nextBoolean() ? 1 : 0;
                case U8 -> r.nextInt(256);
                case I32 -> r.nextInt();
                case I64 -> r.nextLong() >> 11; // exactly representable as double
                case F16, BF16 -> (r.nextInt(511) - 255) / 8.0; // 8 significant bits: exact in both half formats
                case F32 -> (float) r.nextGaussian();
                case F64 -> r.nextGaussian();
            };
        }
        return v;
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyDtypeRoundTripsThroughTheWriter(DType dt) {
        double[] v = sampleValues(dt, 3 * 5, 7);
        Tensor t = Tensor.ofDoubles(dt, new long[] {3, 5}, v);
        Path f = tmp.resolve("t.safetensors");
        Safetensors.write(f, Map.of("x", t), Map.of("k", "v"));
        try (Safetensors.Reader r = Safetensors.open(f)) {
            assertEquals(Map.of("k", "v"), r.metadata());
            Tensor back = r.get("x");
            assertEquals(dt, back.dtype());
            assertArrayEquals(new long[] {3, 5}, back.shape());
            assertArrayEquals(v, back.toDoubleArray(), 0.0);
        }
        LayerInfo info = LayerFiles.info(f);
        assertEquals(new LayerInfo(3, 5, dt, 15L * dt.size()), info);
    }

    @Test
    void rowsWrittenOutOfOrderLandAtTheirOffsets() {
        Path f = tmp.resolve("layer.safetensors");
        LinkedHashMap<String, Safetensors.Spec> specs = new LinkedHashMap<>();
        specs.put("layer", new Safetensors.Spec(DType.F32, new long[] {4, 3}));
        try (Safetensors.Writer w = Safetensors.create(f, specs, Map.of("index", "2"))) {
            w.writeRows("layer", 2, new float[] {7, 8, 9, 10, 11, 12});
            w.writeRows("layer", 0, new float[] {1, 2, 3});
            w.writeRows("layer", 1, new float[] {4, 5, 6});
            assertFalse(Files.exists(f), "nothing at the final name before commit");
            w.commit();
        }
        Matrix m = LayerFiles.readMatrix(f);
        assertEquals(4, m.rows());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, m.data(), 0.0);
        // a file that is written exactly as the Python safetensors library expects: 8-byte aligned header
        try (Safetensors.Reader r = Safetensors.open(f)) {
            assertEquals(0, (r.entry("layer").start()) % 8);
        }
    }

    @Test
    void metadataKeysAreWrittenInSortedOrderWhateverOrderTheMapHas() throws IOException {
        // the same metadata in two orders gives the same bytes: a rerun's layer files and their sha256 do not change
        Map<String, Tensor> t = Map.of("layer", Tensor.ofDoubles(DType.F32, new long[] {1, 2}, new double[] {1, 2}));
        LinkedHashMap<String, String> forward = new LinkedHashMap<>();
        LinkedHashMap<String, String> backward = new LinkedHashMap<>();
        for (String k : new String[] {"index", "module", "format", "a", "z"}) {
            forward.put(k, "v-" + k);
        }
        for (String k : new String[] {"z", "a", "format", "module", "index"}) {
            backward.put(k, "v-" + k);
        }
        Path a = tmp.resolve("a.safetensors");
        Path b = tmp.resolve("b.safetensors");
        Safetensors.write(a, t, forward);
        Safetensors.write(b, t, backward);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        String header = new String(Files.readAllBytes(a), 8, 120, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"a\":\"v-a\",\"format\":\"v-format\",\"index\":\"v-index\","
                + "\"module\":\"v-module\",\"z\":\"v-z\"},\"layer\":"), header);
    }

    @Test
    void abandonedWriterLeavesNothingBehind() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        LinkedHashMap<String, Safetensors.Spec> specs = new LinkedHashMap<>();
        specs.put("layer", new Safetensors.Spec(DType.F16, new long[] {10, 2}));
        try (Safetensors.Writer w = Safetensors.create(f, specs, Map.of())) {
            w.writeRows("layer", 0, new float[] {1, 2});
        }
        try (var s = Files.list(tmp)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void filesLargerThan2GbAreReadByRows() throws IOException {
        Path f = tmp.resolve("big.safetensors");
        long rows = 140_000;
        long dim = 4096; // 2.29 GB of f32, written sparsely
        LinkedHashMap<String, Safetensors.Spec> specs = new LinkedHashMap<>();
        specs.put("layer", new Safetensors.Spec(DType.F32, new long[] {rows, dim}));
        float[] last = new float[(int) dim];
        for (int i = 0; i < dim; i++) {
            last[i] = i * 0.5f;
        }
        try (Safetensors.Writer w = Safetensors.create(f, specs, Map.of())) {
            w.writeRows("layer", rows - 1, last);
            w.commit();
        }
        assertTrue(Files.size(f) > (1L << 31));
        assertEquals(new LayerInfo(rows, dim, DType.F32, rows * dim * 4), LayerFiles.info(f));
        try (Safetensors.Reader r = Safetensors.open(f)) {
            ByteBuffer b = r.rows("layer", rows - 1, 1);
            assertEquals(dim * 4, b.remaining());
            assertEquals(4095 * 0.5f, b.getFloat((int) (4095 * 4)));
            assertEquals(0f, r.rows("layer", 0, 1).getFloat(0));
            assertThrows(LandscapeException.class, () -> r.get("layer"));
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private Path raw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = tmp.resolve("broken.safetensors");
        Files.write(f, b.array());
        return f;
    }

    private static String errorOf(Path f) {
        LandscapeException e = assertThrows(LandscapeException.class, () -> Safetensors.open(f).close());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), "names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void headerLongerThanFileIsRefused() throws IOException {
        Path f = tmp.resolve("h.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).put("{}      ".getBytes());
        Files.write(f, b.array());
        assertTrue(errorOf(f).contains("runs past the end"));
    }

    @Test
    void hugeHeaderLengthIsRefused() throws IOException {
        Path f = tmp.resolve("h.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).put("{}      ".getBytes());
        Files.write(f, b.array());
        assertTrue(errorOf(f).contains("outside"));
    }

    @Test
    void overlappingOffsetsAreRefused() throws IOException {
        Path f = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        assertTrue(errorOf(f).contains("overlap"));
    }

    @Test
    void offsetsOutsideTheDataAreRefused() throws IOException {
        Path f = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
        assertTrue(errorOf(f).contains("outside the data"));
    }

    @Test
    void shapeThatDoesNotMatchTheBytesIsRefused() throws IOException {
        Path f = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        assertTrue(errorOf(f).contains("needs 12 bytes"));
    }

    @Test
    void overflowingShapeIsRefused() throws IOException {
        Path f = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8);
        assertTrue(errorOf(f).contains("overflows"));
    }

    @Test
    void unknownDtypeIsRefused() throws IOException {
        Path f = raw("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        assertTrue(errorOf(f).contains("unknown dtype 'F8_E4M3'"));
    }

    @Test
    void notJsonIsRefused() throws IOException {
        Path f = raw("{not json", 0);
        assertTrue(errorOf(f).contains("not valid JSON"));
    }

    @Test
    void goldenModelCheckpointLoadsWithConfigShapes() throws IOException {
        Path dir = Golden.file("models", "tiny-llama3");
        JsonNode cfg = Json.MAPPER.readTree(dir.resolve("config.json").toFile());
        int hidden = cfg.get("hidden_size").asInt();
        int layers = cfg.get("num_hidden_layers").asInt();
        int vocab = cfg.get("vocab_size").asInt();
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertArrayEquals(new long[] {vocab, hidden}, c.entry("model.embed_tokens.weight").shape());
            for (int i = 0; i < layers; i++) {
                assertTrue(c.has("model.layers." + i + ".input_layernorm.weight"));
            }
            Tensor norm = c.get("model.norm.weight");
            assertEquals(hidden, norm.numel());
            assertTrue(Double.isFinite(norm.toDoubleArray()[0]));
        }
    }

    /**
     * A folder with both model.safetensors and a shard index is read as transformers reads it: model.safetensors
     * (its from_pretrained looks for the single file first), not the shards.
     */
    @Test
    void aSingleFileWinsOverAShardIndexAsInTransformers() throws IOException {
        Path dir = tmp.resolve("both");
        Files.createDirectories(dir);
        Safetensors.write(dir.resolve(Checkpoint.SINGLE),
                Map.of("a.weight", Tensor.ofDoubles(DType.F32, new long[] {2}, new double[] {1, 2})), Map.of());
        Safetensors.write(dir.resolve("model-00001-of-00001.safetensors"),
                Map.of("a.weight", Tensor.ofDoubles(DType.F32, new long[] {2}, new double[] {3, 4})), Map.of());
        Files.writeString(dir.resolve(Checkpoint.INDEX),
                "{\"weight_map\":{\"a.weight\":\"model-00001-of-00001.safetensors\"}}");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertArrayEquals(new double[] {1, 2}, c.get("a.weight").toDoubleArray(), 0.0);
        }
    }

    @Test
    void shardedCheckpointResolvesEveryTensorThroughTheIndex() throws IOException {
        Path dir = tmp.resolve("sharded");
        Files.createDirectories(dir);
        Safetensors.write(dir.resolve("model-00001-of-00002.safetensors"),
                Map.of("a.weight", Tensor.ofDoubles(DType.BF16, new long[] {2, 2}, new double[] {1, 2, 3, 4})), Map.of());
        Safetensors.write(dir.resolve("model-00002-of-00002.safetensors"),
                Map.of("b.weight", Tensor.ofDoubles(DType.F16, new long[] {3}, new double[] {5, 6, 7})), Map.of());
        Files.writeString(dir.resolve(Checkpoint.INDEX), "{\"metadata\":{},\"weight_map\":{"
                + "\"a.weight\":\"model-00001-of-00002.safetensors\",\"b.weight\":\"model-00002-of-00002.safetensors\"}}");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(2, c.names().size());
            assertArrayEquals(new double[] {1, 2, 3, 4}, c.get("a.weight").toDoubleArray(), 0.0);
            assertArrayEquals(new double[] {5, 6, 7}, c.get("b.weight").toDoubleArray(), 0.0);
            assertThrows(LandscapeException.class, () -> c.get("missing.weight"));
        }
        Files.writeString(dir.resolve(Checkpoint.INDEX), "{\"weight_map\":{\"a.weight\":\"nope.safetensors\"}}");
        LandscapeException e = assertThrows(LandscapeException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("nope.safetensors"));
        Files.writeString(dir.resolve(Checkpoint.INDEX), "{\"weight_map\":{\"a.weight\":\"../../etc/passwd\"}}");
        assertThrows(LandscapeException.class, () -> Checkpoint.open(dir));
    }

    @Test
    void positionalReadsReturnTheMappedBytesAndRefuseRangesOutsideTheTensor() {
        double[] v = sampleValues(DType.BF16, 6 * 4, 3);
        Path f = tmp.resolve("p.safetensors");
        Safetensors.write(f, Map.of("a", Tensor.ofDoubles(DType.F32, new long[] {2}, new double[] {1, 2}),
                "w", Tensor.ofDoubles(DType.BF16, new long[] {6, 4}, v)), Map.of());
        try (Safetensors.Reader r = Safetensors.open(f)) {
            ByteBuffer rows = r.rows("w", 2, 3);
            ByteBuffer dst = ByteBuffer.allocateDirect(3 * 4 * 2);
            r.read("w", 2 * 4 * 2, dst);
            dst.flip();
            assertEquals(rows, dst);
            assertThrows(LandscapeException.class, () -> r.read("w", 5 * 4 * 2, ByteBuffer.allocate(16)));
            assertThrows(LandscapeException.class, () -> r.read("w", -2, ByteBuffer.allocate(2)));
        }
        try (Checkpoint c = Checkpoint.open(f)) {
            ByteBuffer one = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
            c.read("w", 2 * 5, one);
            assertEquals((float) v[5], DType.BF16.getFloat(one, 0));
            assertEquals(f, c.file("w"));
            assertEquals(List.of(f.toFile().length()), c.fileSizes());
        }
    }
}
