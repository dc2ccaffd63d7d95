package landscape.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import landscape.core.LandscapeException;
import landscape.core.format.DType;
import landscape.core.format.Npy;
import landscape.core.format.Tensor;
import landscape.core.run.LayerStats;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gives one-line errors that name the file and the problem. */
class LayerAnalysisErrorsTest {
    @TempDir
    Path dir;

    private LayerStats run(Path layer, Path samples, MaskSpec mask, AnalysisParams p) {
        return LayerAnalysis.run(new LayerAnalysis.Input(layer, samples, mask, null), p);
    }

    private static void assertOneLine(LandscapeException e, String... fragments) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should mention '" + f + "'");
        }
    }

    @Test
    void nonFiniteRowsAreCountedAndTheFirstNamed() throws IOException {
        double[] x = Fixtures.blobs(120, 8, 3, 1);
        x[17 * 8 + 2] = Double.NaN;
        x[40 * 8] = Double.POSITIVE_INFINITY;
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 120, 8, x);
        Path samples = Fixtures.writeSamples(dir, 120, 3, null, -1);
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> run(layer, samples, new MaskSpec.All(), AnalysisParams.defaults()));
        assertOneLine(e, layer.toString(), "2 row(s)", "first: row 17", "--drop-nonfinite");

        LayerStats s = run(layer, samples, new MaskSpec.All(), AnalysisParams.defaults().withDropNonfinite(true).withArrays(true));
        assertEquals(118, s.nPoints());
        assertEquals(2, s.params().get("dropped_nonfinite"));
        assertFalse(Arrays.stream(s.keptRows()).anyMatch(r -> r == 17 || r == 40));
    }

    @Test
    void kBeyondMaxkNamesMaxkAsTheCause() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 120, 8, Fixtures.blobs(120, 8, 3, 1));
        Path samples = Fixtures.writeSamples(dir, 120, 3, null, -1);
        AnalysisParams p = new AnalysisParams(8, 100, 16, 1.6, 0.3, Knn.Target.CPU, AnalysisParams.GIB, false, false);
        LandscapeException e = assertThrows(LandscapeException.class, () -> run(layer, samples, new MaskSpec.All(), p));
        assertOneLine(e, layer.toString(), "--k 16", "maxk 8", "raise --maxk");
    }

    @Test
    void tooFewPointsAfterDeduplicationIsAnError() throws IOException {
        double[] x = new double[40 * 4];
        for (int i = 0; i < 40; i++) {
            x[i * 4] = i % 20; // only 20 distinct rows
        }
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 40, 4, x);
        Path samples = Fixtures.writeSamples(dir, 40, 2, null, -1);
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> run(layer, samples, new MaskSpec.All(), AnalysisParams.defaults()));
        assertOneLine(e, layer.toString(), "only 20 distinct", "2k+2 = 34");
    }

    @Test
    void maskIndexOutOfRangeOrRepeatedIsAnError() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 100, 8, Fixtures.blobs(100, 8, 2, 2));
        Path samples = Fixtures.writeSamples(dir, 100, 2, null, -1);
        Path outOfRange = dir.resolve("bad.npy");
        Npy.write(outOfRange, Tensor.ofLongs(new long[] {0, 5, 100}));
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> run(layer, samples, new MaskSpec.File(outOfRange), AnalysisParams.defaults()));
        assertOneLine(e, outOfRange.toString(), "100", "out of range");
        Path repeated = dir.resolve("rep.npy");
        Npy.write(repeated, Tensor.ofLongs(new long[] {3, 4, 3}));
        e = assertThrows(LandscapeException.class,
                () -> run(layer, samples, new MaskSpec.File(repeated), AnalysisParams.defaults()));
        assertOneLine(e, repeated.toString(), "3", "repeated");
    }

    @Test
    void samplesRowCountMustMatchTheTensor() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 100, 8, Fixtures.blobs(100, 8, 2, 3));
        Path samples = Fixtures.writeSamples(dir, 99, 2, null, -1);
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> run(layer, samples, new MaskSpec.All(), AnalysisParams.defaults()));
        assertOneLine(e, samples.toString(), "99 sample rows", "100 rows");
    }

    @Test
    void samplesSortedAwayFromTheirRowsAreRefusedNotMisjoined() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 100, 8, Fixtures.blobs(100, 8, 2, 3));
        Path samples = Fixtures.writeSamples(dir, 100, 2, null, -1);
        List<String> lines = new ArrayList<>(Files.readAllLines(samples));
        String moved = lines.remove(3); // row 2 moved to the end, as a sort by subject would
        lines.add(moved);
        Files.write(samples, lines);
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> run(layer, samples, new MaskSpec.All(), AnalysisParams.defaults()));
        assertOneLine(e, samples.toString(), "line 4", "row is 3, expected 2");
        Files.writeString(samples, "row,subject,answer\n0,a,A\nx,a,B\n");
        e = assertThrows(LandscapeException.class, () -> run(layer, samples, new MaskSpec.All(), AnalysisParams.defaults()));
        assertOneLine(e, samples.toString(), "line 3", "'x'");
    }

    @Test
    void unknownAnswerLetterIsAnError() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 100, 8, Fixtures.blobs(100, 8, 2, 4));
        Path samples = Fixtures.writeSamples(dir, 100, 2, "E", 41);
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> run(layer, samples, new MaskSpec.All(), AnalysisParams.defaults()));
        assertOneLine(e, samples.toString(), "line 43", "'E'");
    }

    @Test
    void oneDimensionalTensorIsAnError() throws IOException {
        Path layer = dir.resolve("flat.npy");
        Npy.write(layer, Tensor.ofDoubles(DType.F32, new long[] {100}, new double[100]));
        Path samples = Fixtures.writeSamples(dir, 100, 2, null, -1);
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> run(layer, samples, new MaskSpec.All(), AnalysisParams.defaults()));
        assertOneLine(e, layer.toString());
    }

    @Test
    void gpuWithoutCudaIsAOneLineError() throws IOException {
        Assumptions.assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0,
                "a GPU is visible: nothing to refuse");
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 100, 8, Fixtures.blobs(100, 8, 2, 7));
        Path samples = Fixtures.writeSamples(dir, 100, 2, null, -1);
        AnalysisParams gpu = new AnalysisParams(1000, 100, 16, 1.6, 0.3, Knn.Target.GPU, AnalysisParams.GIB, false, false);
        LandscapeException e = assertThrows(LandscapeException.class, () -> run(layer, samples, new MaskSpec.All(), gpu));
        assertOneLine(e, "--device gpu");
    }

    @Test
    void singleSubjectGivesDefinedAris() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 150, 8, Fixtures.blobs(150, 8, 3, 5));
        Path samples = Fixtures.writeSamples(dir, 150, 1, null, -1);
        Path out = dir.resolve("stats.json");
        LayerStats s = LayerAnalysis.runTo(new LayerAnalysis.Input(layer, samples, new MaskSpec.All(), null),
                AnalysisParams.defaults(), out);
        assertFalse(Double.isNaN(s.ariSubjects()));
        assertEquals(s.nClusters() == 1 ? 1.0 : 0.0, s.ariSubjects(), 0.0);
        assertFalse(Files.readString(out).contains("NaN"));
    }

    @Test
    void balancedMaskKeepsAtMostNPerSubjectReproducibly() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 300, 8, Fixtures.blobs(300, 8, 3, 6));
        Path samples = Fixtures.writeSamples(dir, 300, 3, null, -1);
        AnalysisParams p = AnalysisParams.defaults().withArrays(true);
        LayerStats a = run(layer, samples, new MaskSpec.Balanced(60, 42), p);
        LayerStats b = run(layer, samples, new MaskSpec.Balanced(60, 42), p);
        assertEquals(180, a.nPoints());
        assertTrue(Arrays.equals(a.keptRows(), b.keptRows()));
        long perSubject0 = Arrays.stream(a.keptRows()).filter(r -> r % 3 == 0).count();
        assertEquals(60, perSubject0);
    }
}
