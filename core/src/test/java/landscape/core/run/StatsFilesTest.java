package landscape.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import landscape.core.Json;
import landscape.core.LandscapeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which stats.json and summary fields must be there and finite, and which may be absent (docs/FORMAT.md). */
class StatsFilesTest {
    @TempDir
    Path tmp;

    static LayerStats stats(double ari, double[] logDen) {
        return new LayerStats(100, 99, new double[] {9, 8}, new double[] {0.5, 0.4}, new double[] {1, 2}, 5, ari, 0.1,
                0.7, 0.6, 0.3, Map.of("k", 16), Map.of("total", 1.0),
                new LayerStats.RunRef("m", null, null, null, 0, 3, null, "l3.safetensors", null),
                logDen == null ? null : new int[] {0, 1}, logDen == null ? null : new int[] {0, -1},
                logDen == null ? null : new int[] {0, -1}, logDen, logDen == null ? null : new double[] {0.1, 0.1});
    }

    private String refusal(Path file) {
        return assertThrows(LandscapeException.class, () -> StatsFiles.readStats(file)).getMessage();
    }

    @Test
    void statsWithoutTheOptionalArraysAndWithoutProvenanceAreRead() throws IOException {
        Path f = tmp.resolve("l3.json");
        Json.write(f, stats(0.2, null));
        assertEquals(0.2, StatsFiles.readStats(f).ariSubjects());
        assertNull(StatsFiles.readStats(f).logDen());
        Files.writeString(f, Files.readString(f).replaceFirst("\"run\" : \\{[^}]*\\}", "\"run\" : null"));
        assertNull(StatsFiles.readStats(f).run());
    }

    @Test
    void aNonFiniteMetricOrArrayEntryIsNamedWhateverWroteIt() throws IOException {
        Path f = tmp.resolve("l3.json");
        Json.write(f, stats(Double.NaN, null));
        assertEquals(f + ": field 'ari_subjects' is NaN; a stats.json needs a finite number there", refusal(f));
        Json.write(f, stats(0.2, new double[] {1.0, Double.NEGATIVE_INFINITY}));
        assertEquals(f + ": field 'log_den[1]' is -Infinity; a stats.json needs a finite number there", refusal(f));
        // Python's json module writes bare NaN / Infinity tokens
        Files.writeString(f, Files.readString(f).replace("\"-Infinity\"", "-Infinity").replace("\"log_den\"", "\"x\""));
        Files.writeString(f, Files.readString(f).replace("\"ids\" : [ 9.0, 8.0 ]", "\"ids\" : [ 9.0, NaN ]"));
        assertEquals(f + ": field 'ids[1]' is NaN; a stats.json needs a finite number there", refusal(f));
        assertThrows(LandscapeException.class, () -> StatsFiles.checkStats(f, stats(Double.POSITIVE_INFINITY, null)));
        // the run's accuracy goes into the summary: checked when present
        LayerStats s = stats(0.2, null);
        LayerStats.RunRef r = s.run();
        Json.write(f, new LayerStats(s.nPoints(), s.maxk(), s.ids(), s.idsErr(), s.rs(), s.nClusters(), s.ariSubjects(),
                s.ariLetters(), s.coreFraction(), s.overlapSubjects(), s.overlapLetters(), s.params(), s.timings(),
                new LayerStats.RunRef(r.model(), null, null, null, 0, 3, null, null,
                        new Manifest.Accuracy(0.5, Double.NaN, 0.5, 0.5, Map.of())), null, null, null, null, null));
        assertEquals(f + ": run: accuracy: field 'macro' is NaN; a stats.json needs a finite number there", refusal(f));
    }

    @Test
    void countsMustBeWholeNumbersAndScalesMustAgree() throws IOException {
        Path f = tmp.resolve("l3.json");
        Json.write(f, stats(0.2, null));
        String good = Files.readString(f);
        Files.writeString(f, good.replace("\"n_clusters\" : 5", "\"n_clusters\" : 5.5"));
        assertEquals(f + ": field 'n_clusters' is 5.5, not a count; a stats.json needs a whole number there", refusal(f));
        Files.writeString(f, good.replace("\"rs\" : [ 1.0, 2.0 ]", "\"rs\" : [ 1.0 ]"));
        assertEquals(f + ": field 'rs' has 1 scales, 'ids' has 2", refusal(f));
    }

    static LayerStats.Summary summary(Manifest.Accuracy accuracy, double core) {
        LayerStats.SummaryLayer l = new LayerStats.SummaryLayer(4, null, 100, 9, 0.5, new double[] {9}, new double[] {0.5},
                new double[] {1}, 5, 0.2, 0.1, core, 0.6, 0.3);
        return new LayerStats.Summary("m", null, null, null, 2, accuracy, null, null, List.of(l));
    }

    @Test
    void aSummaryMayLackTheAccuracyButNotAMetric() throws IOException {
        Path f = tmp.resolve("summary-m-2shot.json");
        Json.write(f, summary(null, 0.7));
        assertNull(StatsFiles.readSummary(f).accuracy());
        Json.write(f, summary(new Manifest.Accuracy(Double.NaN, 0.5, 0.5, 0.5, Map.of()), 0.7));
        LandscapeException e = assertThrows(LandscapeException.class, () -> StatsFiles.readSummary(f));
        assertEquals(f + ": accuracy: field 'micro' is NaN; a summary needs a finite number there", e.getMessage());
        Json.write(f, summary(null, Double.NaN));
        e = assertThrows(LandscapeException.class, () -> StatsFiles.readSummary(f));
        assertEquals(f + ": layer 4: field 'core_fraction' is NaN; a summary needs a finite number there", e.getMessage());
        Files.writeString(f, Files.readString(f).replace("\"shots\" : 2,", ""));
        e = assertThrows(LandscapeException.class, () -> StatsFiles.readSummary(f));
        assertEquals(f + ": field 'shots' is missing; a summary needs a whole number there", e.getMessage());
    }

    @Test
    void analyzeRecognisesItsOwnStatsAndSummariesAndNothingElse() throws IOException {
        Path stats = tmp.resolve("l3.json");
        Json.write(stats, stats(0.2, null));
        assertNull(StatsFiles.STATS.refusal(stats));
        Path other = Files.writeString(tmp.resolve("package.json"), "{\"name\": \"x\", \"ids\": []}");
        assertEquals("exists and is not a stats.json written by landscape-analyze", StatsFiles.STATS.refusal(other));
        Path csv = Files.writeString(tmp.resolve("summary-m-2shot.csv"), StatsFiles.SUMMARY_CSV_HEADER + "\n4,,100\n");
        assertNull(StatsFiles.SUMMARIES.refusal(csv));
        Files.writeString(csv, "layer,value\n");
        assertEquals("exists and is not a summary written by landscape-analyze summarize", StatsFiles.SUMMARIES.refusal(csv));
        Path json = tmp.resolve("summary-m-2shot.json");
        Json.write(json, summary(null, 0.7));
        assertEquals("exists and is not a summary written by landscape-analyze summarize", StatsFiles.SUMMARIES.refusal(json),
                "a summary without the tool in its provenance");
    }
}
