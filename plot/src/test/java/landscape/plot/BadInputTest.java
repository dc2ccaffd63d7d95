package landscape.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import landscape.core.LandscapeException;
import landscape.core.run.LayerStats.Summary;
import landscape.core.run.LayerStats.SummaryLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputTest {
    @TempDir
    Path tmp;

    private LandscapeException refused(List<Path> stats, String... messageParts) throws IOException {
        Path out = tmp.resolve("figures");
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> FigureSet.render(stats, out, PlotOptions.defaults()));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        for (String part : messageParts) {
            assertTrue(e.getMessage().contains(part), e.getMessage() + " should mention " + part);
        }
        assertFalse(Files.exists(out), "no output folder is left behind");
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".figures")).toList(),
                    "no temporary folder is left behind");
        }
        return e;
    }

    @Test
    void emptyStatsDirectoryIsRefusedAndWritesNothing() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("stats"));
        Files.writeString(empty.resolve("stats.json"), "{}");
        refused(List.of(empty), empty.toString(), "no summary-");
    }

    @Test
    void missingStatsDirectoryIsRefused() throws IOException {
        refused(List.of(tmp.resolve("nowhere")), "nowhere", "no such");
    }

    @Test
    void missingLayerIsRefusedAndWritesNothing() throws IOException {
        Path stats = tmp.resolve("stats");
        Summaries.write(stats, Summaries.paperLike("m", 0, 12));
        Summary full = Summaries.paperLike("m", 5, 12);
        List<SummaryLayer> gap = new ArrayList<>(full.layers());
        gap.remove(6);
        Path bad = Summaries.write(stats, Summaries.withLayers(full, gap));
        refused(List.of(stats), bad.getFileName().toString(), "missing layer 7");
    }

    /** A summary of a run extracted with --layers 0-2,5 (provenance points): the gap 3..4 was never extracted. */
    private static Summary extractedOnly(Summary full, List<Integer> points, List<Integer> layers) {
        Map<String, Object> prov = new LinkedHashMap<>(full.provenance() == null ? Map.of() : full.provenance());
        prov.put("points", points);
        List<SummaryLayer> kept = full.layers().stream().filter(l -> layers.contains(l.layer())).toList();
        return Summaries.withLayers(Summaries.withProvenance(full, prov), kept);
    }

    @Test
    void layersThatWereNeverExtractedAreNotMissing() throws IOException {
        Path stats = tmp.resolve("stats");
        List<Integer> points = List.of(0, 1, 2, 5);
        Summaries.write(stats, extractedOnly(Summaries.paperLike("m", 0, 6), points, List.of(1, 2, 5)));
        Summaries.write(stats, extractedOnly(Summaries.paperLike("m", 2, 6), points, List.of(1, 2, 5)));
        FigureSet.Result r = FigureSet.render(List.of(stats), tmp.resolve("figures"), PlotOptions.defaults());
        assertTrue(Files.isRegularFile(r.out().resolve("report.html")));
    }

    @Test
    void extractedLayerMissingFromTheSummaryIsRefused() throws IOException {
        Path stats = tmp.resolve("stats");
        Path bad = Summaries.write(stats, extractedOnly(Summaries.paperLike("m", 0, 6), List.of(0, 1, 2, 3, 4, 5, 6),
                List.of(1, 2, 3, 4, 5)));
        refused(List.of(stats), bad.getFileName().toString(), "missing layer 6");
    }

    @Test
    void summaryWithoutLayersIsRefused() throws IOException {
        Path bad = Summaries.write(tmp.resolve("stats"), Summaries.withLayers(Summaries.paperLike("m", 0, 4), List.of()));
        refused(List.of(bad.getParent()), bad.getFileName().toString(), "no layers");
    }

    @Test
    void statsFromDifferentModelsWithTheSameNameAreRefused() throws IOException {
        Path a = tmp.resolve("run-a");
        Path b = tmp.resolve("run-b");
        Summaries.write(a, Summaries.paperLike("llama", 0, 8));
        Summary other = Summaries.paperLike("llama", 5, 8);
        Map<String, Object> prov = new LinkedHashMap<>(other.provenance());
        prov.put("model_id", "meta-llama/Llama-2-7b-hf");
        Summaries.write(b, Summaries.withProvenance(other, prov));
        refused(List.of(a, b), "different models with the same name llama", "model_id");
    }

    @Test
    void sameNameAndShapeFromDifferentCheckpointsIsRefused() throws IOException {
        Path a = tmp.resolve("run-a");
        Path b = tmp.resolve("run-b");
        Summary zero = Summaries.paperLike("llama", 0, 8);
        Map<String, Object> prov = new LinkedHashMap<>(zero.provenance() == null ? Map.of() : zero.provenance());
        prov.put("checkpoint", "/models/base/llama");
        Summaries.write(a, Summaries.withProvenance(zero, prov));
        Summary five = Summaries.paperLike("llama", 5, 8);
        Map<String, Object> other = new LinkedHashMap<>(prov);
        other.put("checkpoint", "/models/instruct/llama");
        Summaries.write(b, Summaries.withProvenance(five, other));
        refused(List.of(a, b), "different models with the same name llama", "checkpoint");
    }

    @Test
    void sameModelNameWithADifferentDepthIsRefused() throws IOException {
        Path a = tmp.resolve("run-a");
        Path b = tmp.resolve("run-b");
        Summaries.write(a, Summaries.paperLike("llama", 0, 8));
        Summaries.write(b, Summaries.paperLike("llama", 5, 12));
        refused(List.of(a, b), "different models with the same name llama", "layers 1..12 vs 1..8");
    }

    @Test
    void runsOfOneModelAnalysedWithDifferentParametersAreRefused() throws IOException {
        // 0-shot on the 200-per-subject mask and 5-shot on every row (or another k, maxk, Z) in one panel would
        // compare curves of different point sets and settings as if they differed only in the shots
        for (String key : List.of("mask", "k", "maxk", "range_max", "z", "class_fraction")) {
            Path a = tmp.resolve("run-a-" + key);
            Path b = tmp.resolve("run-b-" + key);
            Summary zero = Summaries.paperLike("llama", 0, 8);
            Map<String, Object> p = new LinkedHashMap<>(zero.params());
            p.put("mask", "/data/test_mask_200.npy");
            p.put("z", 1.6);
            Summaries.write(a, withParams(zero, p));
            Map<String, Object> q = new LinkedHashMap<>(p);
            q.put(key, key.equals("mask") ? null : 7);
            Summaries.write(b, withParams(Summaries.paperLike("llama", 5, 8), q));
            refused(List.of(a, b), "llama", "analysis parameter " + key);
        }
    }

    private static Summary withParams(Summary s, Map<String, Object> params) {
        return new Summary(s.model(), s.adapter(), s.dataset(), s.split(), s.shots(), s.accuracy(), params, s.provenance(),
                s.layers());
    }

    @Test
    void theSameModelAndShotsTwiceAreRefused() throws IOException {
        Path a = tmp.resolve("run-a");
        Path b = tmp.resolve("run-b");
        Summaries.write(a, Summaries.paperLike("llama", 5, 8));
        Summaries.write(b, Summaries.paperLike("llama", 5, 8));
        refused(List.of(a, b), "llama 5-shot appears twice");
    }

    @Test
    void unreadableSummaryIsRefused() throws IOException {
        Path stats = Files.createDirectories(tmp.resolve("stats"));
        Files.writeString(stats.resolve("summary-m-0shot.json"), "{\"model\": \"m\", \"layers\": [");
        refused(List.of(stats), "summary-m-0shot.json", "cannot read JSON");
    }

    @Test
    void commandLinePrintsOneLineAndExitsOne() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("stats"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int rc;
        try {
            System.setErr(new PrintStream(err, true, "UTF-8"));
            rc = PlotMain.run("--stats", empty.toString(), "--out", tmp.resolve("figures").toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(1, rc);
        String text = err.toString("UTF-8").strip();
        assertTrue(text.startsWith("landscape-plot: " + empty), text);
        assertFalse(text.contains("\n"), "one line, no stack trace: " + text);
        assertFalse(Files.exists(tmp.resolve("figures")));
    }

    @Test
    void unknownFormatIsRefused() {
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> new PlotOptions(PlotOptions.parseFormats(List.of("png,pdf")), 200, null, 8, 3.7));
        assertTrue(e.getMessage().startsWith("--format"), e.getMessage());
    }
}
