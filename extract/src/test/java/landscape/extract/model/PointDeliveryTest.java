package landscape.extract.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.format.Checkpoint;
import landscape.core.format.DType;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.core.testing.Golden;
import landscape.extract.ExtractOptions;
import landscape.extract.Extractor;
import landscape.extract.ModelWriter;
import landscape.extract.placement.PlacementOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The extraction points of a batch reach the host in one copy per batch and device, side by side, and the layer files
 * are byte for byte those of one copy per point (the rows buffer of 0 bytes: every point delivered alone, as before
 * points were gathered), on every golden model, resident, streamed with several batches per pass, on two devices,
 * and both; the predictions are the same too.
 */
class PointDeliveryTest {
    @TempDir
    Path tmp;

    static Stream<Path> models() {
        return Golden.modelDirs().stream();
    }

    Path prompts(Path model) throws Exception {
        List<String> lines = new ArrayList<>();
        JsonNode expected = Json.MAPPER.readTree(model.resolve("expected.json").toFile());
        List<String> texts = new ArrayList<>();
        expected.get("cases").forEach(c -> texts.add(c.get("prompt").asText()));
        texts.addAll(List.of("Hi", "Answer: B", "Q: 2+2?\nA. 3\nB. 4\nAnswer:", "abc ".repeat(20), "z"));
        for (String t : texts) {
            lines.add(Json.MAPPER.writeValueAsString(Map.of("prompt", t)).replace("\n", ""));
        }
        return Files.write(tmp.resolve("p.jsonl"), lines);
    }

    Extractor.Result run(Path model, Path prompts, String name, PlacementOptions p, String layers, long bufferBytes) {
        long saved = Stage.pointBufferBytes;
        Stage.pointBufferBytes = bufferBytes;
        try {
            ExtractOptions.Builder b = ExtractOptions.builder(model, tmp.resolve(name)).prompts(prompts).batchTokens(64)
                    .placement(p);
            if (layers != null) {
                b.layers(layers);
            }
            return Extractor.run(b.build());
        } finally {
            Stage.pointBufferBytes = saved;
        }
    }

    static void assertByteIdentical(String what, Extractor.Result a, Extractor.Result b) throws Exception {
        RepresentationDir x = RepresentationDir.open(a.dir());
        RepresentationDir y = RepresentationDir.open(b.dir());
        assertEquals(x.points().size(), y.points().size(), what);
        for (Manifest.Point p : x.points()) {
            Path f = a.dir().resolve(p.file());
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(b.dir().resolve(p.file())),
                    what + ": " + p.file());
        }
        assertArrayEquals(Files.readAllBytes(a.dir().resolve(RepresentationDir.SAMPLES)),
                Files.readAllBytes(b.dir().resolve(RepresentationDir.SAMPLES)), what + ": samples.csv");
    }

    @ParameterizedTest
    @MethodSource("models")
    void pointsDeliveredTogetherWriteTheBytesOfPointsDeliveredOneByOne(Path model) throws Exception {
        Path prompts = prompts(model);
        String name = model.getFileName().toString();
        // 4 placements; a pass memory of 1 KiB puts several batches in a pass (the planner's minimum is one batch)
        Map<String, PlacementOptions> placements = Map.of(
                "resident", PlacementOptions.DEFAULT,
                "stream", new PlacementOptions(null, "stream", null, null, "1K", null),
                "two", new PlacementOptions("cpu:0,cpu:1", "resident", null, null, null, null),
                "twostream", new PlacementOptions("cpu:0,cpu:1", "stream", null, null, "1K", null));
        for (Map.Entry<String, PlacementOptions> e : new TreeMap<>(placements).entrySet()) {
            for (String layers : new String[] {null, "0,2,3"}) {
                String tag = name + "-" + e.getKey() + (layers == null ? "" : "-some");
                Extractor.Result together = run(model, prompts, tag + "-together", e.getValue(), layers,
                        Stage.pointBufferBytes);
                Extractor.Result alone = run(model, prompts, tag + "-alone", e.getValue(), layers, 0);
                assertByteIdentical(tag, together, alone);
            }
        }
    }

    /** Per batch and device: how many deliveries, and which points each held. */
    record Delivery(String device, int batch, int[] indices) {
    }

    @Test
    void eachBatchReachesTheSinkOncePerDeviceWithAllItsPointsAndMoreOftenOnlyBeyondTheBuffer() {
        Path dir = tmp.resolve("m");
        ModelWriter.write(dir, new ModelWriter.Spec(4, 32, 4, 2, 64, 270, 10000.0, false, DType.F32), 5);
        ModelConfig c = ModelConfig.read(dir);
        Set<Integer> points = Set.of(0, 1, 2, 3, 4, 5);
        for (Placement.Mode mode : Placement.Mode.values()) {
            Placement one = Placement.single("cpu", Device.cpu(), mode, 4, 1L << 20);
            Placement two = PipelineTest.twoCpus(mode);
            for (Placement p : List.of(one, two)) {
                // streamed: all six batches in one pass; resident: a pass per batch
                List<List<BatchInput>> passes = new ArrayList<>();
                for (List<BatchInput> pass : PipelineTest.passes()) {
                    if (mode == Placement.Mode.STREAM && !passes.isEmpty()) {
                        List<BatchInput> joined = new ArrayList<>(passes.get(0));
                        joined.addAll(pass);
                        passes.set(0, joined);
                    } else {
                        passes.add(pass);
                    }
                }
                List<Delivery> seen = deliveries(dir, c, p, passes, points, Stage.pointBufferBytes);
                String what = mode + " on " + p.slots().size() + " device(s)";
                assertEquals(6 * p.slots().size(), seen.size(), what + ": one copy per batch and device");
                Map<Integer, Set<Integer>> byBatch = new ConcurrentHashMap<>();
                for (Delivery d : seen) {
                    int[] sorted = d.indices().clone();
                    Arrays.sort(sorted);
                    assertArrayEquals(sorted, d.indices(), what + ": ascending");
                    for (int i : d.indices()) {
                        assertTrue(byBatch.computeIfAbsent(d.batch(), k -> new TreeSet<>()).add(i), what + " twice");
                    }
                }
                assertEquals(6, byBatch.size());
                byBatch.values().forEach(s -> assertEquals(points, s, what));
                // a buffer of one point's rows: every point delivered on its own
                assertEquals(6 * 6, deliveries(dir, c, p, passes, points, 1).size(), what + ", tiny buffer");
            }
        }
    }

    static List<Delivery> deliveries(Path dir, ModelConfig c, Placement p, List<List<BatchInput>> passes,
                                     Set<Integer> points, long bufferBytes) {
        List<Delivery> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger logits = new AtomicInteger();
        long saved = Stage.pointBufferBytes;
        Stage.pointBufferBytes = bufferBytes;
        try (Checkpoint ckpt = Checkpoint.open(dir);
             NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
             DecoderModel m = DecoderModel.open(c, ckpt, p, root, DataType.FLOAT32, null)) {
            m.run(passes.iterator(), points, new ModelSink() {
                @Override
                public void points(BatchInput batch, int[] indices, int[] widths, NDArray rows) {
                    long cols = 0;
                    for (int j = 0; j < indices.length; j++) {
                        assertEquals(indices[j] == c.numLayers() + 1 ? c.vocabSize() : c.hiddenSize(), widths[j]);
                        cols += widths[j];
                    }
                    assertEquals(new Shape(batch.rows(), cols), rows.getShape());
                    seen.add(new Delivery(Thread.currentThread().getName(), batch.items()[0], indices));
                }

                @Override
                public void logits(BatchInput batch, NDArray l) {
                    logits.incrementAndGet();
                }
            });
        } finally {
            Stage.pointBufferBytes = saved;
        }
        assertEquals(6, logits.get());
        return seen;
    }
}
