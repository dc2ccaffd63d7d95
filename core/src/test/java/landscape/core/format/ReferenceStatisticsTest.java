package landscape.core.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import landscape.core.Json;
import landscape.core.LandscapeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceStatisticsTest {
    @TempDir
    Path tmp;

    @Test
    void goldenStatisticsReadWithExpectedValues() throws IOException {
        JsonNode e = TorchPtTest.expected("statistics_target.pkl");
        ReferenceStatistics s = ReferenceStatistics.read(TorchPtTest.formats().resolve("statistics_target.pkl"));
        int n = e.get("n").asInt();
        assertEquals(n, s.size());
        assertEquals(n, s.answers().size());
        assertEquals(n, s.predictions().size());
        assertEquals(n, s.constrainedPredictions().size());
        assertEquals(Json.MAPPER.convertValue(e.get("subjects_first"), List.class), s.subjects().subList(0, 3));
        assertEquals(Json.MAPPER.convertValue(e.get("answers_first"), List.class), s.answers().subList(0, 3));
        assertEquals(e.get("accuracy_micro").asDouble(), s.microAccuracy().orElseThrow(), 0.0);
        // the letters are all single answer letters, and the micro accuracy is what the rows say
        long correct = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(List.of("A", "B", "C", "D").contains(s.answers().get(i)), s.answers().get(i));
            correct += s.answers().get(i).equals(s.constrainedPredictions().get(i)) ? 1 : 0;
        }
        assertEquals(e.get("accuracy_micro").asDouble(), correct / (double) n, 1e-12);
        assertEquals(Map.of("micro", 0.745), s.accuracies().get("constrained_accuracy"));
    }

    private static byte[] ucs4(int width, String... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * width * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (String v : values) {
            int[] cps = v.codePoints().toArray();
            for (int k = 0; k < width; k++) {
                b.putInt(k < cps.length ? cps[k] : 0);
            }
        }
        return b.array();
    }

    /** A statistics dict as the reference pipeline pickles it, with either NumPy module name. */
    private static byte[] statistics(String multiarray) {
        PickleWriter w = new PickleWriter().proto(4).emptyDict().mark();
        w.str("subjects").emptyList().mark().str("astronomy").str("économie").str("law").appends();
        w.str("answers").numpyArray(multiarray, "U1", 4, new long[] {3}, ucs4(1, "A", "B", "D"));
        w.str("predictions").numpyArray(multiarray, "U2", 8, new long[] {3}, ucs4(2, "A", "😀", "Cx"));
        w.str("contrained_predictions").numpyArray(multiarray, "S1", 1, new long[] {3}, "ABC".getBytes(StandardCharsets.US_ASCII));
        w.str("accuracy").emptyDict().str("micro").binfloat(2 / 3.0).setitem().str("macro").binfloat(0.5).setitem();
        return w.setitems().stop().toBytes();
    }

    @ParameterizedTest
    @ValueSource(strings = {"numpy.core.multiarray", "numpy._core.multiarray"})
    void statisticsWithEitherNumpyModuleNameRead(String multiarray) throws IOException {
        Path f = tmp.resolve("statistics_target.pkl");
        Files.write(f, statistics(multiarray));
        ReferenceStatistics s = ReferenceStatistics.read(f);
        assertEquals(List.of("astronomy", "économie", "law"), s.subjects());
        assertEquals(List.of("A", "B", "D"), s.answers());
        assertEquals(List.of("A", "😀", "Cx"), s.predictions());
        assertEquals(List.of("A", "B", "C"), s.constrainedPredictions());
        assertEquals(2 / 3.0, s.microAccuracy().orElseThrow());
        assertEquals(Map.of("micro", 2 / 3.0, "macro", 0.5), s.accuracies().get("accuracy"));
    }

    @Test
    void statisticsWithMismatchedColumnsOrNoSubjectsAreRefused() throws IOException {
        Path f = tmp.resolve("bad.pkl");
        Files.write(f, new PickleWriter().proto(4).emptyDict().mark()
                .str("subjects").emptyList().mark().str("a").str("b").appends()
                .str("answers").numpyArray("numpy._core.multiarray", "U1", 4, new long[] {3}, ucs4(1, "A", "B", "C"))
                .setitems().stop().toBytes());
        assertEquals(f + ": subjects has 2 rows but another column has 3",
                assertThrows(LandscapeException.class, () -> ReferenceStatistics.read(f)).getMessage());
        Files.write(f, new PickleWriter().proto(4).emptyDict().stop().toBytes());
        assertEquals(f + ": the statistics dict has no 'subjects'",
                assertThrows(LandscapeException.class, () -> ReferenceStatistics.read(f)).getMessage());
    }

    @Test
    void torchGlobalsAreNotAcceptedInStatistics() throws IOException {
        Path f = tmp.resolve("s.pkl");
        Files.write(f, new PickleWriter().proto(2).global("collections", "OrderedDict").emptyTuple().reduce().stop().toBytes());
        assertEquals(f + ": refused pickle global 'collections.OrderedDict'",
                assertThrows(LandscapeException.class, () -> ReferenceStatistics.read(f)).getMessage());
    }
}
