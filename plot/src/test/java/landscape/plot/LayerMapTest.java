package landscape.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.Matrix;
import landscape.core.format.Npy;
import landscape.core.run.LayerStats;
import landscape.core.run.Manifest;
import landscape.core.run.Sample;
import landscape.core.run.SamplesCsv;
import landscape.core.testing.ManifestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerMapTest {
    @TempDir
    Path tmp;

    private final Path golden = Summaries.goldenAnalysisRoot().resolve("small");

    /** A representation directory whose extraction point 0 is the golden "small" layer. */
    private Path runDir() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("run"));
        Files.copy(golden.resolve("layer.npy"), dir.resolve("l0.npy"));
        Matrix x = Npy.readMatrix(dir.resolve("l0.npy"));
        List<Sample> samples = new ArrayList<>();
        SamplesCsv.Table t = SamplesCsv.readTable(golden.resolve("samples.csv"));
        List<String> subjects = t.values("subject");
        List<String> answers = t.values("answer");
        for (int i = 0; i < subjects.size(); i++) {
            samples.add(new Sample(i, i, subjects.get(i), answers.get(i), "A", "A", 10));
        }
        SamplesCsv.write(dir.resolve("samples.csv"), samples);
        Manifest m = ManifestBuilder.manifest().model("golden-small").modelPath(null).hidden(x.cols()).vocab(10)
                .heads(1, 1).intermediate(10).dataset("golden").promptTemplate(null).computeDtype("float32")
                .toolVersion("test")
                .points(List.of(new Manifest.Point(0, "model.layers.0.input_layernorm", "l0.npy", x.rows(), x.cols(), "F32",
                        null))).build();
        Json.write(dir.resolve("manifest.json"), m);
        return dir;
    }

    private Path statsJson(boolean arrays) throws IOException {
        JsonNode e = Json.MAPPER.readTree(golden.resolve("expected.json").toFile()).get("expected");
        int[] kept = Json.MAPPER.convertValue(e.get("kept_rows"), int[].class);
        int[] assignment = Json.MAPPER.convertValue(e.get("assignment"), int[].class);
        double[] ids = Json.MAPPER.convertValue(e.get("ids"), double[].class);
        double[] idsErr = Json.MAPPER.convertValue(e.get("ids_err"), double[].class);
        double[] rs = Json.MAPPER.convertValue(e.get("rs"), double[].class);
        LayerStats s = new LayerStats(kept.length, 594, ids, idsErr, rs, e.get("n_clusters").asInt(), 0.8, 0, 1, 0.8, 0.25,
                null, null, new LayerStats.RunRef("golden-small", null, "golden", "test", 0, 0, null, null, null),
                arrays ? kept : null, arrays ? assignment : null, null, null, null);
        Path file = tmp.resolve("stats.json");
        Json.write(file, s);
        return file;
    }

    private static int run(String... args) {
        return PlotMain.run(args);
    }

    @Test
    void mapOfAGoldenLayerKeepsSubjectsTogetherAndDrawsBothColourings() throws IOException {
        Path out = tmp.resolve("maps");
        int rc = run("landscape", "--run", runDir().toString(), "--layer", "0", "--stats", statsJson(true).toString(),
                "--out", out.toString(), "--iterations", "300", "--max-points", "400", "--dpi", "100");
        assertEquals(0, rc);
        BufferedImage image = ImageIO.read(out.resolve("landscape-layer0.png").toFile());
        assertEquals(800, image.getWidth());
        assertEquals(400, image.getHeight(), "two square-ish panels: 8 x 4 in at 100 dpi");
        String svg = Files.readString(out.resolve("landscape-layer0.svg"));
        assertTrue(svg.contains(">t-SNE 1<") && svg.contains(">coloured by subject (6)<"), "subject panel");
        assertTrue(svg.contains(">coloured by ADP cluster ("), "cluster panel");
        List<String> lines = Files.readAllLines(out.resolve("landscape-layer0.csv"));
        assertEquals("row,subject,cluster,x,y", lines.get(0));
        assertEquals(401, lines.size(), "the 400-point subsample");
        // the golden layer clusters by subject (ARI 0.84): in the map most 5 nearest neighbours share the subject
        double agreement = neighbourAgreement(lines.subList(1, lines.size()), 5);
        assertTrue(agreement > 0.7, "subjects stay together in the map: " + agreement);
    }

    @Test
    void statsOfAnotherRunAreRefusedNotDrawnOverThisOne() throws IOException {
        // kept_rows and clusters of another model's or shot count's analysis would colour this run's points
        Path run = runDir();
        Path stats = statsJson(true);
        LayerStats s = Json.read(stats, LayerStats.class);
        assertEquals(s.keptRows().length, MapInput.fromRun(run, 0, stats).rows().length);
        for (LayerStats.RunRef other : List.of(
                new LayerStats.RunRef("other-model", null, "golden", "test", 0, 0, null, null, null),
                new LayerStats.RunRef("golden-small", null, "golden", "test", 5, 0, null, null, null))) {
            Json.write(stats, new LayerStats(s.nPoints(), s.maxk(), s.ids(), s.idsErr(), s.rs(), s.nClusters(),
                    s.ariSubjects(), s.ariLetters(), s.coreFraction(), s.overlapSubjects(), s.overlapLetters(), null, null,
                    other, s.keptRows(), s.assignment(), null, null, null));
            LandscapeException e = assertThrows(LandscapeException.class, () -> MapInput.fromRun(run, 0, stats));
            assertTrue(e.getMessage().startsWith(stats + ": ") && e.getMessage().contains("not of this run")
                    && !e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void withoutStatsEveryRowIsMappedAndOnlyBySubject() throws IOException {
        Path out = tmp.resolve("maps");
        LayerMap.Options options = new LayerMap.Options(2000, 20, 250, 3,
                new PlotOptions(Set.of("svg"), 72, null, 8, 3.7));
        LayerMap.Result r = LayerMap.render(MapInput.fromRun(runDir(), 0, null), 0, out, options);
        assertEquals(600, r.coordinates().length, "all 600 rows, duplicates included");
        String svg = Files.readString(out.resolve("landscape-layer0.svg"));
        assertFalse(svg.contains("ADP cluster"));
        assertFalse(Files.exists(out.resolve("landscape-layer0.png")));
    }

    @Test
    void anEarlierMapOfTheLayerInAFormatNotAskedForNowIsRemoved() throws IOException {
        Path out = tmp.resolve("maps");
        Path run = runDir();
        LayerMap.render(MapInput.fromRun(run, 0, null), 0, out, new LayerMap.Options(200, 20, 250, 3,
                new PlotOptions(Set.of("png", "svg"), 72, null, 8, 3.7)));
        assertTrue(Files.exists(out.resolve("landscape-layer0.png")));
        LayerMap.render(MapInput.fromRun(run, 0, null), 0, out, new LayerMap.Options(200, 20, 250, 3,
                new PlotOptions(Set.of("svg"), 72, null, 8, 3.7)));
        assertFalse(Files.exists(out.resolve("landscape-layer0.png")), "the older PNG would look as current as the SVG");
        assertTrue(Files.exists(out.resolve("landscape-layer0.svg")) && Files.exists(out.resolve("landscape-layer0.csv")));
    }

    @Test
    void statsWithoutArraysIsRefusedInOneLineAndWritesNothing() throws IOException {
        Path out = tmp.resolve("maps");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int rc;
        try {
            System.setErr(new PrintStream(err, true, "UTF-8"));
            rc = run("landscape", "--run", runDir().toString(), "--layer", "0", "--stats", statsJson(false).toString(),
                    "--out", out.toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(1, rc);
        String text = err.toString("UTF-8").strip();
        assertTrue(text.contains("stats.json: no kept_rows/assignment arrays"), text);
        assertFalse(text.contains("\n"), text);
        assertFalse(Files.exists(out));
    }

    @Test
    void unknownLayerIsRefused() throws IOException {
        Path out = tmp.resolve("maps");
        assertEquals(1, run("landscape", "--run", runDir().toString(), "--layer", "7", "--out", out.toString()));
        assertFalse(Files.exists(out));
    }

    /** Mean fraction of each point's k nearest map neighbours with its subject (csv rows: row,subject,cluster,x,y). */
    static double neighbourAgreement(List<String> rows, int k) {
        int n = rows.size();
        String[] subject = new String[n];
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            String[] f = rows.get(i).split(",");
            subject[i] = f[1];
            x[i] = Double.parseDouble(f[3]);
            y[i] = Double.parseDouble(f[4]);
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            final int p = i;
            Integer[] order = new Integer[n];
            for (int j = 0; j < n; j++) {
                order[j] = j;
            }
            Arrays.sort(order, Comparator.comparingDouble(j -> Math.hypot(x[j] - x[p], y[j] - y[p])));
            int same = 0;
            for (int j = 1; j <= k; j++) {
                if (subject[order[j]].equals(subject[i])) {
                    same++;
                }
            }
            total += (double) same / k;
        }
        return total / n;
    }
}
