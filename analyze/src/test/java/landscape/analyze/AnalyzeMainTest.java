package landscape.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import landscape.core.Json;
import landscape.core.format.DType;
import landscape.core.format.Npy;
import landscape.core.format.Tensor;
import landscape.core.run.LayerStats;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.core.testing.CliChecks;
import landscape.core.testing.Golden;
import landscape.core.testing.ManifestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line contract: options, stats.json field names, exit codes, summarize outputs. */
class AnalyzeMainTest {
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private int execute(String... args) {
        CommandLine cl = AnalyzeMain.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }


    @Test
    void referencePipelineDirectoryIsAnalysedWithLabelsFromItsPickle() throws IOException {
        Path formats = Golden.formats();
        Path run = Files.createDirectories(dir.resolve("layers/test/llama-3-8b/5shot"));
        Files.copy(formats.resolve("l5_target.pt"), run.resolve("l5_target.pt"));
        Files.copy(formats.resolve("l6_target.pt"), run.resolve("l6_target.pt"));
        Files.copy(formats.resolve("statistics_target.pkl"), run.resolve("statistics_target.pkl"));
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("staged")).resolve("5shot"), run);
        Path out = dir.resolve("l6.json");
        int code = execute("--run", link.toString(), "--layer-index", "6", "--maxk", "100", "--out", out.toString());
        assertEquals(0, code, err.toString());
        LayerStats s = Json.read(out, LayerStats.class);
        assertEquals("llama-3-8b", s.run().model(), "model from the real <model>/<k>shot path, not the staged link");
        assertEquals(5, s.run().shots());
        assertEquals(6, s.run().layer());
        assertEquals("test", s.run().split());
        assertTrue(s.nPoints() > 100 && s.nPoints() <= 600, "points: " + s.nPoints());
        assertTrue(Double.isFinite(s.ariSubjects()) && Double.isFinite(s.ariLetters()));
        int missing = execute("--run", run.toString(), "--layer-index", "9", "--out", dir.resolve("x.json").toString());
        assertEquals(1, missing);
        assertTrue(err.toString().contains("no l9_target.pt"), err.toString());
    }

    @Test
    void cliWritesStatsWithTheDocumentedFieldNames() throws IOException {
        Path set = Fixtures.goldenSet("manifold-mask");
        Path out = dir.resolve("sub/stats.json");
        int code = execute("--layer", set.resolve("layer.npy").toString(), "--samples", set.resolve("samples.csv").toString(),
                "--mask", set.resolve("mask.npy").toString(), "--arrays", "--model", "tiny", "--shots", "5",
                "--layer-index", "3", "--memory-budget", "64M", "--device", "CPU", "--out", out.toString());
        assertEquals(0, code, err.toString());
        JsonNode j = Json.MAPPER.readTree(out.toFile());
        Set<String> fields = new TreeSet<>();
        j.fieldNames().forEachRemaining(fields::add);
        for (String f : List.of("n_points", "maxk", "ids", "ids_err", "rs", "n_clusters", "ari_subjects", "ari_letters",
                "core_fraction", "overlap_subjects", "overlap_letters", "params", "timings", "kept_rows", "assignment",
                "assignment_halo", "log_den", "log_den_err", "run")) {
            assertTrue(fields.contains(f), "stats.json lacks " + f + ": " + fields);
        }
        JsonNode expected = Json.MAPPER.readTree(set.resolve("expected.json").toFile()).get("expected");
        assertEquals(expected.get("n_clusters").asInt(), j.get("n_clusters").asInt());
        assertEquals(expected.get("ari_subjects").asDouble(), j.get("ari_subjects").asDouble(), 1e-9);
        assertEquals("tiny", j.get("run").get("model").asText());
        assertEquals(3, j.get("run").get("layer").asInt());
        for (String step : List.of("load", "dedup", "knn", "gride", "density", "adp", "ari", "adp_halo", "overlap")) {
            assertTrue(j.get("timings").has(step), "timing for " + step);
        }
        assertFalse(Files.exists(dir.resolve("sub/stats.json.tmp")));
    }

    @Test
    void arraysAreLeftOutWithoutTheFlag() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 120, 8, Fixtures.blobs(120, 8, 3, 8));
        Path samples = Fixtures.writeSamples(dir, 120, 3, null, -1);
        Path out = dir.resolve("stats.json");
        assertEquals(0, execute("--layer", layer.toString(), "--samples", samples.toString(), "--out", out.toString()),
                err.toString());
        JsonNode j = Json.MAPPER.readTree(out.toFile());
        assertFalse(j.has("assignment") && !j.get("assignment").isNull());
        assertEquals(119, j.get("maxk").asInt());
    }

    @Test
    void badInputExitsOneWithOneLineNamingTheFile() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 100, 8, Fixtures.blobs(100, 8, 2, 9));
        Path samples = Fixtures.writeSamples(dir, 90, 2, null, -1);
        int code = execute("--layer", layer.toString(), "--samples", samples.toString(), "--out", dir.resolve("s.json").toString());
        assertEquals(1, code);
        String text = err.toString().strip();
        assertFalse(text.contains("\n"), text);
        assertTrue(text.contains(samples.toString()), text);
        assertFalse(Files.exists(dir.resolve("s.json")));
    }

    @Test
    void samplesWithoutAnswersSayWhyTheyCannotBeAnalysed() throws IOException {
        // a run extracted from --prompts JSONL without answers: the letter metrics need an answer per row
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 100, 8, Fixtures.blobs(100, 8, 2, 9));
        StringBuilder csv = new StringBuilder("row,subject,answer\n");
        for (int i = 0; i < 100; i++) {
            csv.append(i).append(",s").append(i % 2).append(",\n");
        }
        Path samples = Files.writeString(dir.resolve("samples.csv"), csv);
        assertEquals(1, execute("--layer", layer.toString(), "--samples", samples.toString(), "--out",
                dir.resolve("s.json").toString()));
        String text = err.toString().strip();
        assertEquals("landscape-analyze: " + samples + ": line 2: no answer letter; the analysis needs one of A, B, C, D"
                + " per row (a run from --prompts without answers cannot be analysed)", text);
        assertFalse(Files.exists(dir.resolve("s.json")));
    }

    @Test
    void debugShowsTheStackTrace() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 100, 8, Fixtures.blobs(100, 8, 2, 9));
        Path samples = Fixtures.writeSamples(dir, 90, 2, null, -1);
        int code = execute("--debug", "--layer", layer.toString(), "--samples", samples.toString(), "--out",
                dir.resolve("s.json").toString());
        assertEquals(1, code);
        assertTrue(err.toString().contains("at landscape.analyze."), err.toString());
    }

    @Test
    void helpOnEveryCommandPrintsItsOptionsAndExitsZero() {
        assertEquals(List.of("landscape-analyze", "landscape-analyze summarize"),
                CliChecks.helpWorksOnEveryCommand(AnalyzeMain::commandLine));
    }

    @Test
    void missingOptionsAndConflictsAreUsageErrorsExitTwo() {
        assertEquals(2, execute("--layer", "x.npy", "--samples", "s.csv"));
        assertEquals(2, execute("--samples", "s.csv", "--out", "o.json"));
        assertEquals(2, execute("--layer", "x.npy", "--samples", "s.csv", "--mask", "m.npy", "--balanced", "5", "--out", "o"));
        assertEquals(2, execute("--layer", "x.npy", "--samples", "s.csv", "--memory-budget", "lots", "--out", "o"));
        List<String> lines = err.toString().lines().toList();
        assertEquals(4, lines.size(), err.toString());
        for (String line : lines) {
            assertTrue(line.startsWith("landscape-analyze: ") && line.endsWith(" (see landscape-analyze --help)"), line);
        }
    }

    @Test
    void infiniteZOrClassFractionAreUsageErrors() {
        // accepted, --class-fraction Infinity gave overlaps of 0 (k_c beyond every class) and "z": "Infinity" in params
        assertEquals(2, execute("--layer", "x.npy", "--samples", "s.csv", "--z", "Infinity", "--out", "o.json"));
        assertEquals(2, execute("--layer", "x.npy", "--samples", "s.csv", "--class-fraction", "Infinity", "--out", "o.json"));
        List<String> lines = err.toString().lines().toList();
        assertEquals(2, lines.size(), err.toString());
        for (String line : lines) {
            assertTrue(line.contains("finite") && line.endsWith(" (see landscape-analyze --help)"), line);
        }
    }

    @Test
    void negativeShotsOrLayerIndexAreUsageErrors() {
        // accepted, they gave stats that summarize wrote as summary-m--1shot.json and landscape-plot then refused
        assertEquals(2, execute("--layer", "x.npy", "--samples", "s.csv", "--model", "m", "--shots", "-1", "--layer-index", "1",
                "--out", "o.json"));
        assertEquals(2, execute("--layer", "x.npy", "--samples", "s.csv", "--model", "m", "--shots", "0", "--layer-index", "-1",
                "--out", "o.json"));
        assertEquals(2, execute("--run", "rep", "--layer-index", "-3", "--out", "o.json"));
        List<String> lines = err.toString().lines().toList();
        assertEquals(3, lines.size(), err.toString());
        assertTrue(lines.get(0).contains("--shots") && lines.get(1).contains("--layer-index")
                && lines.get(2).contains("--layer-index"), err.toString());
        for (String line : lines) {
            assertTrue(line.startsWith("landscape-analyze: ") && line.endsWith(" (see landscape-analyze --help)"), line);
        }
    }

    @Test
    void runDirectoryRefusesOptionsItWouldIgnore() {
        // --run takes samples and provenance from the directory: a --samples, --model or --shots beside it would be
        // silently ignored (labels of another file expected, the run's used)
        assertEquals(2, execute("--run", "rep", "--layer-index", "1", "--samples", "other.csv", "--out", "o.json"));
        assertEquals(2, execute("--run", "rep", "--layer-index", "1", "--model", "m", "--out", "o.json"));
        assertEquals(2, execute("--run", "rep", "--layer-index", "1", "--shots", "5", "--out", "o.json"));
        List<String> lines = err.toString().lines().toList();
        assertEquals(3, lines.size(), err.toString());
        assertTrue(lines.get(0).contains("--samples") && lines.get(1).contains("--model") && lines.get(2).contains("--shots"),
                err.toString());
        for (String line : lines) {
            assertTrue(line.startsWith("landscape-analyze: ") && line.endsWith(" (see landscape-analyze --help)"), line);
        }
    }

    @Test
    void summarizeWritesOneJsonAndCsvPerModelAndShots() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 120, 8, Fixtures.blobs(120, 8, 3, 10));
        Path samples = Fixtures.writeSamples(dir, 120, 3, null, -1);
        Path statsDir = dir.resolve("stats");
        for (int shots : new int[] {0, 5}) {
            for (int layerIndex : new int[] {3, 1, 2}) {
                Path out = statsDir.resolve("m-" + shots + "-l" + layerIndex + ".json");
                assertEquals(0, execute("--layer", layer.toString(), "--samples", samples.toString(), "--model", "org/m",
                        "--shots", String.valueOf(shots), "--layer-index", String.valueOf(layerIndex), "--out", out.toString()),
                        err.toString());
            }
        }
        Path outDir = dir.resolve("summary");
        assertEquals(0, execute("summarize", "--stats", statsDir + "/m-0-*.json", statsDir + "/m-5-*.json", "--out",
                outDir.toString()), err.toString());
        LayerStats.Summary s = Json.read(outDir.resolve("summary-org_m-5shot.json"), LayerStats.Summary.class);
        assertEquals("org/m", s.model());
        assertEquals(5, s.shots());
        assertEquals(List.of(1, 2, 3), s.layers().stream().map(LayerStats.SummaryLayer::layer).toList());
        LayerStats.SummaryLayer l = s.layers().get(0);
        assertEquals(l.ids()[4], l.id(), 0.0);
        assertEquals(l.idsErr()[4], l.idErr(), 0.0);
        List<String> csv = Files.readAllLines(outDir.resolve("summary-org_m-0shot.csv"));
        assertEquals(4, csv.size());
        assertEquals(Summaries.CSV_HEADER, csv.get(0));
        assertTrue(csv.get(1).startsWith("1,"));
    }

    @Test
    void summarizeFollowsLinkedStatsFoldersInsteadOfDroppingTheirLayers() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 120, 8, Fixtures.blobs(120, 8, 3, 10));
        Path samples = Fixtures.writeSamples(dir, 120, 3, null, -1);
        for (int layerIndex : new int[] {1, 2, 3}) {
            Path out = dir.resolve(layerIndex == 1 ? "stats" : "elsewhere").resolve("l" + layerIndex + ".json");
            assertEquals(0, execute("--layer", layer.toString(), "--samples", samples.toString(), "--model", "m",
                    "--shots", "0", "--layer-index", String.valueOf(layerIndex), "--out", out.toString()), err.toString());
        }
        // stats/ holds layer 1 and a link to the folder with layers 2 and 3; a link to stats/ is a folder too
        Files.createSymbolicLink(dir.resolve("stats/more"), dir.resolve("elsewhere"));
        Path linked = Files.createSymbolicLink(dir.resolve("linked"), dir.resolve("stats"));
        for (Path stats : List.of(dir.resolve("stats"), linked)) {
            Path outDir = dir.resolve("summary-of-" + stats.getFileName());
            assertEquals(0, execute("summarize", "--stats", stats.toString(), "--out", outDir.toString()), err.toString());
            LayerStats.Summary s = Json.read(outDir.resolve("summary-m-0shot.json"), LayerStats.Summary.class);
            assertEquals(List.of(1, 2, 3), s.layers().stream().map(LayerStats.SummaryLayer::layer).toList(), stats.toString());
        }
        Path glob = dir.resolve("summary-of-glob");
        assertEquals(0, execute("summarize", "--stats", linked + "/more/*.json", "--out", glob.toString()), err.toString());
        assertEquals(2, Json.read(glob.resolve("summary-m-0shot.json"), LayerStats.Summary.class).layers().size());
        Files.createSymbolicLink(dir.resolve("elsewhere/loop"), dir.resolve("stats"));
        assertEquals(1, execute("summarize", "--stats", dir.resolve("stats").toString(), "--out", dir.resolve("x").toString()));
        assertTrue(err.toString().strip().endsWith("stats: cannot list: the link " + dir.resolve("stats/more/loop")
                + " leads back to a folder above it"), err.toString());
    }

    @Test
    void summarizeRefusesAStatsArgumentThatMatchesNothing() throws IOException {
        // with several --stats arguments, a mistyped one would drop its model from the summaries without a word
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 120, 8, Fixtures.blobs(120, 8, 3, 10));
        Path samples = Fixtures.writeSamples(dir, 120, 3, null, -1);
        assertEquals(0, execute("--layer", layer.toString(), "--samples", samples.toString(), "--model", "m", "--shots", "0",
                "--layer-index", "1", "--out", dir.resolve("stats/l1.json").toString()), err.toString());
        Files.createDirectories(dir.resolve("empty"));
        for (String other : List.of(dir + "/statz/*.json", dir + "/stats/*.jsn", dir.resolve("empty").toString())) {
            err.getBuffer().setLength(0);
            Path out = dir.resolve("summary");
            assertEquals(1, execute("summarize", "--stats", dir + "/stats/*.json", other, "--out", out.toString()));
            assertEquals("landscape-analyze: " + other + ": no stats files found", err.toString().strip());
            assertFalse(Files.exists(out));
        }
    }

    /** The manifest of a 3-layer tiny-llama3 run of 120 2-shot prompts (points to be added). */
    private static ManifestBuilder tinyLlama3() {
        return ManifestBuilder.manifest().model("tiny-llama3").layers(3).shots(2).promptTemplate(null)
                .computeDtype("float32").rows(120).created("2026-01-01T00:00:00Z");
    }

    @Test
    void runDirectoryGivesLayerSamplesAndProvenance() throws IOException {
        Path rep = dir.resolve("rep");
        Files.createDirectories(rep);
        Fixtures.writeLayer(rep, "l3.npy", 120, 8, Fixtures.blobs(120, 8, 3, 12));
        Fixtures.writeSamples(rep, 120, 3, null, -1);
        Manifest m = tinyLlama3().points(
                List.of(new Manifest.Point(3, "model.layers.2.input_layernorm", "l3.npy", 120, 8, "F32", null))).build();
        Json.write(rep.resolve("manifest.json"), m);
        Path out = dir.resolve("stats.json");
        assertEquals(0, execute("--run", rep.toString(), "--layer-index", "3", "--out", out.toString()), err.toString());
        LayerStats s = Json.read(out, LayerStats.class);
        assertEquals("tiny-llama3", s.run().model());
        assertEquals(2, s.run().shots());
        assertEquals(3, s.run().layer());
        assertEquals("model.layers.2.input_layernorm", s.run().module());
        assertEquals(1, execute("--run", rep.toString(), "--layer-index", "9", "--out", out.toString()));
        assertTrue(err.toString().contains("no extraction point with index 9"), err.toString());
    }

    @Test
    void runDirectoryLayerFileThatIsNotTheOneTheManifestDescribesIsRefused() throws IOException {
        Path rep = dir.resolve("rep");
        Files.createDirectories(rep);
        double[] x = Fixtures.blobs(120, 8, 3, 12);
        Path layer = Fixtures.writeLayer(rep, "l3.npy", 120, 8, x);
        Fixtures.writeSamples(rep, 120, 3, null, -1);
        String sha = RepresentationDir.sha256(layer);
        Manifest m = tinyLlama3().points(
                List.of(new Manifest.Point(3, "model.layers.2.input_layernorm", "l3.npy", 120, 8, "f32", sha))).build();
        Json.write(rep.resolve("manifest.json"), m);
        Path out = dir.resolve("stats.json");
        assertEquals(0, execute("--run", rep.toString(), "--layer-index", "3", "--out", out.toString()), err.toString());
        Files.delete(out);

        // the same shape and dtype, rows in another order (a file copied in from another run): labels would mis-join
        double[] swapped = x.clone();
        System.arraycopy(x, 0, swapped, 8, 8);
        System.arraycopy(x, 8, swapped, 0, 8);
        Fixtures.writeLayer(rep, "l3.npy", 120, 8, swapped);
        assertEquals(1, execute("--run", rep.toString(), "--layer-index", "3", "--out", out.toString()));
        assertTrue(err.toString().contains(layer + ": sha256 ") && err.toString().contains("manifest"), err.toString());
        assertFalse(Files.exists(out));

        // another dtype and width than the manifest says
        Npy.write(layer, Tensor.ofDoubles(DType.F64, new long[] {120, 4}, Arrays.copyOf(x, 480)));
        err.getBuffer().setLength(0);
        assertEquals(1, execute("--run", rep.toString(), "--layer-index", "3", "--out", out.toString()));
        assertTrue(err.toString().contains(layer + ": ") && err.toString().contains("[120, 4] f64")
                && err.toString().contains("[120, 8] f32"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertFalse(Files.exists(out));
    }

    @Test
    void statsAndSummaryRecordWhichPointsTheRunExtracted() throws IOException {
        // a run extracted with --layers 0,3 (points 1 and 2 skipped): readers must not take 1..2 for missing layers
        Path rep = dir.resolve("rep");
        Files.createDirectories(rep);
        Fixtures.writeLayer(rep, "l3.npy", 120, 8, Fixtures.blobs(120, 8, 3, 12));
        Fixtures.writeSamples(rep, 120, 3, null, -1);
        Manifest m = tinyLlama3().points(
                List.of(new Manifest.Point(0, "model.layers.0.input_layernorm", "l3.npy", 120, 8, "F32", null),
                        new Manifest.Point(3, "model.layers.2.input_layernorm", "l3.npy", 120, 8, "F32", null))).build();
        Json.write(rep.resolve("manifest.json"), m);
        Path out = dir.resolve("stats/l3.json");
        assertEquals(0, execute("--run", rep.toString(), "--layer-index", "3", "--out", out.toString()), err.toString());
        assertEquals(List.of(0, 3), Json.read(out, LayerStats.class).run().extraction().get("points"));
        assertEquals(0, execute("summarize", "--stats", dir.resolve("stats").toString(), "--out", dir.resolve("sum").toString()),
                err.toString());
        LayerStats.Summary s = Json.read(dir.resolve("sum/summary-tiny-llama3-2shot.json"), LayerStats.Summary.class);
        assertEquals(List.of(0, 3), s.provenance().get("points"));
    }

    /** A representation dir of model {@code id} with points 1 and 2, extracted at {@code created}. */
    private Path runDir(String name, String id, String created, long seed) throws IOException {
        Path rep = Files.createDirectories(dir.resolve(name));
        Fixtures.writeLayer(rep, "l1.npy", 120, 8, Fixtures.blobs(120, 8, 3, seed));
        Fixtures.writeLayer(rep, "l2.npy", 120, 8, Fixtures.blobs(120, 8, 3, seed + 1));
        Fixtures.writeSamples(rep, 120, 3, null, -1);
        Manifest m = ManifestBuilder.manifest().model(id).modelPath("/models/" + name).promptTemplate(null)
                .computeDtype("float32").rows(120).created(created)
                .points(List.of(new Manifest.Point(1, "model.layers.1.input_layernorm", "l1.npy", 120, 8, "F32", null),
                        new Manifest.Point(2, "model.norm", "l2.npy", 120, 8, "F32", null))).build();
        Json.write(rep.resolve("manifest.json"), m);
        return rep;
    }

    @Test
    void summarizeRefusesLayersOfDifferentModelsThatShareAName() throws IOException {
        Path a = runDir("a", "llama", "2026-01-01T00:00:00Z", 20);
        Path b = runDir("b", "llama", "2026-02-01T00:00:00Z", 30);
        assertEquals(0, execute("--run", a.toString(), "--layer-index", "1", "--out", dir.resolve("stats/l1.json").toString()));
        assertEquals(0, execute("--run", b.toString(), "--layer-index", "2", "--out", dir.resolve("stats/l2.json").toString()));
        Path out = dir.resolve("sum");
        assertEquals(1, execute("summarize", "--stats", dir.resolve("stats").toString(), "--out", out.toString()));
        assertTrue(err.toString().contains("l2.json") && err.toString().contains("share a model name"), err.toString());
        assertFalse(Files.exists(out.resolve("summary-llama-0shot.json")));
    }

    @Test
    void summarizeWritesNothingWhenALaterGroupIsBad() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 120, 8, Fixtures.blobs(120, 8, 3, 10));
        Path samples = Fixtures.writeSamples(dir, 120, 3, null, -1);
        String[][] runs = {{"a", "1", "s/a1.json"}, {"z", "1", "s/z1.json"}, {"z", "1", "s/z1-again.json"}};
        for (String[] r : runs) {
            assertEquals(0, execute("--layer", layer.toString(), "--samples", samples.toString(), "--model", r[0],
                    "--shots", "0", "--layer-index", r[1], "--out", dir.resolve(r[2]).toString()), err.toString());
        }
        Path out = dir.resolve("sum");
        assertEquals(1, execute("summarize", "--stats", dir.resolve("s").toString(), "--out", out.toString()));
        assertTrue(err.toString().contains("layer 1 of this model"), err.toString());
        assertFalse(Files.exists(out.resolve("summary-a-0shot.json")), "model a's summary is not written either");
    }

    @Test
    void maskIsRecordedByItsRealPathNotItsStagedLink() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 120, 8, Fixtures.blobs(120, 8, 3, 10));
        Path samples = Fixtures.writeSamples(dir, 120, 3, null, -1);
        Path real = Files.createDirectories(dir.resolve("masks")).resolve("test_mask_100.npy");
        long[] idx = new long[100];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        landscape.core.format.Npy.write(real, landscape.core.format.Tensor.ofLongs(idx));
        Path staged = Files.createSymbolicLink(Files.createDirectories(dir.resolve("task")).resolve("test_mask_100.npy"), real);
        Path out = dir.resolve("stats.json");
        assertEquals(0, execute("--layer", layer.toString(), "--samples", samples.toString(), "--mask", staged.toString(),
                "--out", out.toString()), err.toString());
        assertEquals(real.toRealPath().toString(), Json.read(out, LayerStats.class).params().get("mask"));
    }

    @Test
    void finetunedReferenceRunIsToldApartFromThePretrainedOneOfTheSameName() throws IOException {
        Path formats = Golden.formats();
        for (String type : List.of("pretrained", "finetuned")) {
            Path run = Files.createDirectories(dir.resolve("layers/mmlu/" + type + "/test/llama-3-8b/0shot"));
            Files.copy(formats.resolve("l5_target.pt"), run.resolve("l5_target.pt"));
            Files.copy(formats.resolve("statistics_target.pkl"), run.resolve("statistics_target.pkl"));
            Path out = dir.resolve(type + ".json");
            assertEquals(0, execute("--run", run.toString(), "--layer-index", "5", "--maxk", "100", "--out", out.toString()),
                    err.toString());
        }
        assertEquals(null, Json.read(dir.resolve("pretrained.json"), LayerStats.class).run().adapter());
        assertEquals("finetuned", Json.read(dir.resolve("finetuned.json"), LayerStats.class).run().adapter());
    }

    @Test
    void summarizeRejectsStatsWithoutProvenance() throws IOException {
        Path layer = Fixtures.writeLayer(dir, "layer.npy", 120, 8, Fixtures.blobs(120, 8, 3, 11));
        Path samples = Fixtures.writeSamples(dir, 120, 3, null, -1);
        Path out = dir.resolve("stats/one.json");
        assertEquals(0, execute("--layer", layer.toString(), "--samples", samples.toString(), "--out", out.toString()));
        assertEquals(1, execute("summarize", "--stats", dir.resolve("stats").toString(), "--out", dir.resolve("sum").toString()));
        assertTrue(err.toString().contains("one.json"), err.toString());
    }
}
