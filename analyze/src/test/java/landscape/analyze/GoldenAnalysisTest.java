package landscape.analyze;

import static landscape.core.testing.JsonArrays.doubles;
import static landscape.core.testing.JsonArrays.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.format.Npy;
import landscape.core.format.Tensor;
import landscape.core.run.LayerStats;
import landscape.core.testing.Golden;
import landscape.core.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every set under tests/golden/analysis reproduces DADApy's expected statistics within the README tolerances. */
class GoldenAnalysisTest {
    static Stream<Path> sets() {
        return Golden.analysisSets().stream();
    }

    static LayerStats analyse(Path set) {
        Path mask = set.resolve("mask.npy");
        MaskSpec spec = Files.exists(mask) ? new MaskSpec.File(mask) : new MaskSpec.All();
        LayerAnalysis.Input in = new LayerAnalysis.Input(set.resolve("layer.npy"), set.resolve("samples.csv"), spec, null);
        return LayerAnalysis.run(in, AnalysisParams.defaults().withArrays(true));
    }

    /** A mask is a set of rows (docs/FORMAT.md): the golden mask listed backwards gives the very same statistics. */
    @Test
    void aMaskInAnyOrderSelectsTheSameRowsInRowOrder(@TempDir Path tmp) {
        Path set = Fixtures.goldenSet("manifold-mask");
        long[] rows = Npy.readIndices(set.resolve("mask.npy"));
        long[] backwards = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            backwards[i] = rows[rows.length - 1 - i];
        }
        Path reversed = tmp.resolve("reversed.npy");
        Npy.write(reversed, Tensor.ofLongs(backwards));
        LayerStats sorted = analyse(set);
        LayerStats shuffled = LayerAnalysis.run(new LayerAnalysis.Input(set.resolve("layer.npy"),
                set.resolve("samples.csv"), new MaskSpec.File(reversed), null), AnalysisParams.defaults().withArrays(true));
        assertArrayEquals(sorted.keptRows(), shuffled.keptRows());
        assertArrayEquals(sorted.ids(), shuffled.ids());
        assertArrayEquals(sorted.assignment(), shuffled.assignment());
        assertArrayEquals(sorted.logDen(), shuffled.logDen());
        assertEquals(sorted.ariSubjects(), shuffled.ariSubjects());
        assertEquals(sorted.overlapLetters(), shuffled.overlapLetters());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sets")
    void statisticsMatchDadapyWithinTolerances(Path set) throws IOException {
        JsonNode root = Json.MAPPER.readTree(set.resolve("expected.json").toFile());
        JsonNode e = root.get("expected");
        JsonNode params = root.get("params");
        assertEquals(1000, params.get("maxk").asInt());
        LayerStats s = analyse(set);
        String name = set.getFileName().toString();

        assertArrayEquals(ints(e.get("kept_rows")), s.keptRows(), name + " kept_rows");
        assertEquals(e.get("n_points").asInt(), s.nPoints(), name + " n_points");
        assertEquals(e.get("maxk").asInt(), s.maxk(), name + " maxk");
        Tolerance.relative(name + " ids", doubles(e.get("ids")), s.ids(), 1e-6);
        Tolerance.relative(name + " ids_err", doubles(e.get("ids_err")), s.idsErr(), 1e-6);
        Tolerance.relative(name + " rs", doubles(e.get("rs")), s.rs(), 1e-6);
        Tolerance.absolute(name + " log_den", doubles(e.get("log_den")), s.logDen(), 1e-8);
        Tolerance.absolute(name + " log_den_err", doubles(e.get("log_den_err")), s.logDenErr(), 1e-8);
        assertEquals(e.get("n_clusters").asInt(), s.nClusters(), name + " n_clusters");
        assertEquals(1.0, AdjustedRand.score(ints(e.get("assignment")), s.assignment()), 0.0, name + " assignment partition");
        assertEquals(1.0, AdjustedRand.score(ints(e.get("assignment_halo")), s.assignmentHalo()), 0.0,
                name + " assignment_halo partition");
        assertHaloSame(ints(e.get("assignment_halo")), s.assignmentHalo(), name);
        Tolerance.absolute(name + " ari_subjects", e.get("ari_subjects").asDouble(), s.ariSubjects(), 1e-9);
        Tolerance.absolute(name + " ari_letters", e.get("ari_letters").asDouble(), s.ariLetters(), 1e-9);
        Tolerance.absolute(name + " core_fraction", e.get("core_fraction").asDouble(), s.coreFraction(), 1e-9);
        Tolerance.absolute(name + " overlap_subjects", e.get("overlap_subjects").asDouble(), s.overlapSubjects(), 1e-9);
        Tolerance.absolute(name + " overlap_letters", e.get("overlap_letters").asDouble(), s.overlapLetters(), 1e-9);
    }

    private static void assertHaloSame(int[] expected, int[] actual, String name) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i] == -1, actual[i] == -1, name + " halo membership of point " + i);
        }
    }
}
