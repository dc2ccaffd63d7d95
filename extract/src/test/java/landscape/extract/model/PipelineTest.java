package landscape.extract.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import landscape.core.format.Checkpoint;
import landscape.core.format.DType;
import landscape.extract.ModelWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The multi-device schedule: every pass reaches every point once, and a failure on any device stops them all. */
class PipelineTest {
    @TempDir
    Path tmp;

    Path model() {
        Path dir = tmp.resolve("m");
        ModelWriter.write(dir, new ModelWriter.Spec(4, 32, 4, 2, 64, 270, 10000.0, false, DType.F32), 5);
        return dir;
    }

    static Placement twoCpus(Placement.Mode mode) {
        return new Placement(mode, List.of(new Placement.Slot("cpu:0", Device.cpu(), 0, 2),
                new Placement.Slot("cpu:1", Device.cpu(), 2, 4)), 1L << 20);
    }

    /** Six passes of one batch each (ids 1..), prompts of 3 to 8 tokens. */
    static List<List<BatchInput>> passes() {
        List<List<BatchInput>> out = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            int t = 3 + p;
            long[] ids = new long[2 * t];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 1 + (i * 7 + p) % 250;
            }
            out.add(List.of(new BatchInput(new int[] {2 * p, 2 * p + 1}, ids, 2, t, new int[] {t, t - 1})));
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Placement.Mode.class)
    @Timeout(300)
    void everyPassReachesEveryPointOnceFromTheDeviceThatComputedIt(Placement.Mode mode) {
        Path dir = model();
        ModelConfig c = ModelConfig.read(dir);
        Map<String, String> seen = new ConcurrentHashMap<>();
        AtomicInteger logits = new AtomicInteger();
        try (Checkpoint ckpt = Checkpoint.open(dir);
             NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
             DecoderModel m = DecoderModel.open(c, ckpt, twoCpus(mode), root, DataType.FLOAT32, null)) {
            m.run(passes().iterator(), Set.of(0, 1, 2, 3, 4, 5), new ModelSink() {
                @Override
                public void points(BatchInput batch, int[] indices, int[] widths, NDArray rows) {
                    assertEquals(batch.rows(), rows.getShape().get(0));
                    assertEquals(Arrays.stream(widths).sum(), rows.getShape().get(1));
                    for (int index : indices) {
                        String previous = seen.put(index + "/" + batch.items()[0], Thread.currentThread().getName());
                        assertEquals(null, previous, "point " + index + " twice");
                    }
                }

                @Override
                public void logits(BatchInput batch, NDArray l) {
                    assertEquals(c.vocabSize(), l.getShape().get(1));
                    logits.incrementAndGet();
                }
            });
        }
        assertEquals(6 * 6, seen.size());
        assertEquals(6, logits.get());
        // layers 0-1 come from the first device's thread, 2-3 and the head from the second's
        assertTrue(seen.get("1/0").endsWith("cpu:0"), seen.toString());
        assertTrue(seen.get("2/0").endsWith("cpu:1"), seen.toString());
        assertTrue(seen.get("5/10").endsWith("cpu:1"), seen.toString());
    }

    @ParameterizedTest
    @EnumSource(Placement.Mode.class)
    @Timeout(300)
    void aFailureOnTheSecondDeviceStopsBothAndIsRethrownWithWhereItHappened(Placement.Mode mode) {
        Path dir = model();
        ModelConfig c = ModelConfig.read(dir);
        try (Checkpoint ckpt = Checkpoint.open(dir);
             NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
             DecoderModel m = DecoderModel.open(c, ckpt, twoCpus(mode), root, DataType.FLOAT32, null)) {
            AtomicInteger firstDevicePoints = new AtomicInteger();
            ForwardException e = assertThrows(ForwardException.class, () -> m.run(passes().iterator(), Set.of(0, 3),
                    new ModelSink() {
                        @Override
                        public void points(BatchInput batch, int[] indices, int[] widths, NDArray rows) {
                            for (int index : indices) {
                                if (index == 0) {
                                    firstDevicePoints.incrementAndGet();
                                }
                                if (index == 3 && batch.items()[0] == 2) {
                                    throw new IllegalStateException("boom");
                                }
                            }
                        }

                        @Override
                        public void logits(BatchInput batch, NDArray l) {
                        }
                    }));
            assertEquals("boom", e.getCause().getMessage());
            assertEquals("cpu:1", e.device());
            // point 3 (computed at layer 3) reaches the sink with the batch's other points on the last device, in the
            // head (layer 4 = the final norm and the lm_head)
            assertEquals(4, e.layer());
            assertFalse(e.outOfMemory());
            // the first device stopped early: it never ran all six passes after the failure
            assertTrue(firstDevicePoints.get() < 6 + 1, "first device points " + firstDevicePoints.get());
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertFalse(t.getName().startsWith("landscape-stage-") && t.isAlive(), t.getName() + " still running");
        }
    }

    @Test
    void outOfMemoryIsRecognisedInEveryForm() {
        assertTrue(new ForwardException("gpu:0", 3, 8, 2048, 1, 16384, new EngineException(
                "CUDA out of memory. Tried to allocate 2.00 GiB")).outOfMemory());
        assertTrue(new ForwardException("cpu", 3, 8, 2048, 1, 16384, new EngineException(
                "[enforce fail at alloc_cpu.cpp:114] data. DefaultCPUAllocator: not enough memory: you tried to"
                        + " allocate 1073741824 bytes.")).outOfMemory());
        assertTrue(new ForwardException("cpu", 3, 8, 2048, 1, 16384, new OutOfMemoryError("Cannot reserve direct"
                + " buffer memory")).outOfMemory());
        assertFalse(new ForwardException("cpu", 3, 8, 2048, 1, 16384, new EngineException("shape mismatch"))
                .outOfMemory());
    }
}
