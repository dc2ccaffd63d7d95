package landscape.pipeline;

import static landscape.pipeline.PipelineRun.assertAllStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import landscape.core.Json;
import landscape.core.testing.Golden;
import org.junit.jupiter.api.Test;

/**
 * The README's demo command, {@code ./landscape run -profile test}: a tiny random Llama made by MAKE_TINY_MODEL,
 * the 4-subject mmlu-mini sample, 0 and 2 shots, real tools end to end. Also a stub-mode sweep over three models
 * and four shot counts that checks the fan-out and the published layout of a cluster-sized run in seconds.
 */
class DemoPipelineTest {
    static final List<Integer> TEST_SHOTS = List.of(0, 2);
    static final String MODEL = "tiny-llama";

    @Test
    void testProfileRunsEveryStageAndPublishesFiguresAndReport() throws IOException {
        PipelineRun.Result run = PipelineRun.demo().result();
        run.assertSucceeded();

        assertAllStatus(run.tasks("MAKE_TINY_MODEL"), "COMPLETED", "MAKE_TINY_MODEL");
        assertAllStatus(run.tasks("EXTRACT"), "COMPLETED", "EXTRACT");
        assertEquals(TEST_SHOTS.size(), run.tasks("EXTRACT").size(), "one EXTRACT per shot count");
        assertAllStatus(run.tasks("ANALYZE"), "COMPLETED", "ANALYZE");
        assertEquals(TEST_SHOTS.size(), run.tasks("SUMMARIZE").size(), "one SUMMARIZE per (model, shots)");
        assertAllStatus(run.tasks("PLOT"), "COMPLETED", "PLOT");

        Path out = run.outdir();
        int analysed = 0;
        for (int k : TEST_SHOTS) {
            Path rep = out.resolve("layers/mmlu/pretrained/test/" + MODEL + "/" + k + "shot");
            JsonNode manifest = Json.MAPPER.readTree(rep.resolve("manifest.json").toFile());
            assertEquals(k, manifest.get("shots").asInt(), "manifest shots of " + rep);
            List<String> samples = Files.readAllLines(rep.resolve("samples.csv"));
            assertEquals(200 + 1, samples.size(), "samples.csv: header + 4 subjects × 50 questions");
            TreeSet<Integer> layers = new TreeSet<>();
            for (JsonNode p : manifest.get("points")) {
                assertTrue(Files.size(rep.resolve(p.get("file").asText())) > 0, "layer file " + p.get("file"));
                if (p.get("index").asInt() >= 1) {
                    layers.add(p.get("index").asInt());
                }
            }
            assertFalse(layers.isEmpty(), "points to analyse in " + rep);

            Path stats = out.resolve("statistics/pretrained/" + MODEL);
            for (int layer : layers) {
                JsonNode s = Json.MAPPER.readTree(stats.resolve(k + "shot/l" + layer + ".json").toFile());
                assertEquals(200, s.get("n_points").asInt(), "n_points of " + k + "shot layer " + layer);
                assertTrue(s.get("ids").size() > 0, "Gride IDs of " + k + "shot layer " + layer);
                assertTrue(s.get("n_clusters").asInt() >= 1, "ADP clusters of " + k + "shot layer " + layer);
                assertTrue(Double.isFinite(s.get("ari_subjects").asDouble()), "ARI with subjects");
                analysed++;
            }
            String summary = "summary-" + MODEL + "-" + k + "shot";
            JsonNode sum = Json.MAPPER.readTree(stats.resolve(summary + ".json").toFile());
            assertEquals(layers.size(), sum.get("layers").size(), summary + ".json: one entry per analysed layer");
            assertEquals(layers.size() + 1, Files.readAllLines(stats.resolve(summary + ".csv")).size(), summary + ".csv rows");
        }
        assertEquals(analysed, run.tasks("ANALYZE").size(), "one ANALYZE per analysed extraction point");

        Path figures = out.resolve("figures");
        for (String f : List.of("aris", "ids", "clusters", "overlap")) {
            byte[] png = Files.readAllBytes(figures.resolve(f + ".png"));
            assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', f + ".png is a PNG");
            assertTrue(PipelineRun.read(figures.resolve(f + ".svg")).contains("<svg"), f + ".svg is an SVG");
        }
        assertTrue(Files.readAllLines(figures.resolve("accuracy.csv")).size() >= 1 + TEST_SHOTS.size(), "accuracy.csv rows");
        String report = PipelineRun.read(figures.resolve("report.html"));
        assertTrue(report.contains("<html") && report.length() > 10_000, "report.html is a full page with figures");

        Path info = out.resolve("pipeline_info");
        assertEquals(1, PipelineRun.list(info, "execution_report_*.html").size(), "execution report");
        assertEquals(1, PipelineRun.list(info, "execution_timeline_*.html").size(), "timeline");
        List<Path> dag = PipelineRun.list(info, "pipeline_dag_*.mmd");
        assertEquals(1, dag.size(), "DAG as Mermaid source (written offline, no Graphviz)");
        String mermaid = PipelineRun.read(dag.get(0));
        for (String process : List.of("EXTRACT", "ANALYZE", "SUMMARIZE", "PLOT")) {
            assertTrue(mermaid.contains(process), "the DAG shows " + process);
        }
        String versions = PipelineRun.read(info.resolve("software_versions.yml"));
        for (String tool : List.of("landscape-extract", "landscape-analyze", "landscape-plot")) {
            assertTrue(versions.contains(tool + ":"), "software_versions.yml lists " + tool);
        }
    }

    @Test
    void sweepOverThreeModelsAndFourShotCountsFansOutInStubMode() throws IOException {
        Path dir = PipelineRun.newLaunchDir("sweep");
        StringBuilder sheet = new StringBuilder("name,path,adapter\n");
        for (String m : List.of("llama-a", "llama-b", "mistral-c")) {
            Path model = Files.createDirectories(dir.resolve("models/" + m));
            Files.writeString(model.resolve("config.json"), "{}");
            Files.writeString(model.resolve("tokenizer.json"), "{}");
            Files.writeString(model.resolve("model.safetensors"), "");
            sheet.append(m).append(',').append(model).append(',');
            if (m.equals("mistral-c")) {
                Path adapter = Files.createDirectories(dir.resolve("adapters/" + m));
                Files.writeString(adapter.resolve("adapter_config.json"), "{}");
                Files.writeString(adapter.resolve("adapter_model.safetensors"), "");
                sheet.append(adapter);
            }
            sheet.append('\n');
        }
        Files.writeString(dir.resolve("models.csv"), sheet.toString());

        PipelineRun.Result run = PipelineRun.run(dir, "sweep", Map.of(), "-stub-run",
                "--models", dir.resolve("models.csv").toString(),
                "--dataset", PipelineRun.root().resolve("assets/test-data/mmlu-mini").toString());
        run.assertSucceeded();

        assertEquals(12, run.tasks("EXTRACT").size(), "3 models × 4 shot counts");
        assertEquals(12, run.tasks("SUMMARIZE").size(), "one summary per (model, shots)");
        assertEquals(1, run.tasks("PLOT").size(), "one figure set for the whole sweep");
        assertEquals(12 * 5, run.tasks("ANALYZE").size(), "stub runs have points 0..5; 1..5 are analysed");
        for (String m : List.of("llama-a", "llama-b", "mistral-c")) {
            String type = m.equals("mistral-c") ? "finetuned" : "pretrained";
            for (int k : List.of(0, 1, 2, 5)) {
                assertTrue(Files.isRegularFile(run.outdir().resolve("layers/mmlu/" + type + "/test/" + m + "/" + k + "shot/manifest.json")),
                        "representations of " + m + " " + k + "shot");
                assertTrue(Files.isRegularFile(
                        run.outdir().resolve("statistics/" + type + "/" + m + "/summary-" + m + "-" + k + "shot.json")),
                        "summary of " + m + " " + k + "shot");
            }
        }
    }

    @Test
    void existingRepresentationsAreAnalysedWithoutExtraction() {
        PipelineRun.Result demo = PipelineRun.demo().result();
        demo.assertSucceeded();
        Path dir = PipelineRun.newLaunchDir("representations");
        PipelineRun.Result run = PipelineRun.run(dir, "reps", Map.of(), "-stub-run", "-profile", "test",
                "--representations", demo.outdir().resolve("layers/mmlu") + "/**");
        run.assertSucceeded();

        assertEquals(List.of(), run.tasks("MAKE_TINY_MODEL"), "no model is made");
        assertEquals(List.of(), run.tasks("EXTRACT"), "nothing is extracted");
        assertEquals(demo.tasks("ANALYZE").size(), run.tasks("ANALYZE").size(), "the same points as the demo's");
        assertEquals(TEST_SHOTS.size(), run.tasks("SUMMARIZE").size(), "one summary per published run");
        for (int k : TEST_SHOTS) {
            assertTrue(Files.isRegularFile(run.outdir().resolve("statistics/pretrained/" + MODEL + "/summary-" + MODEL
                    + "-" + k + "shot.json")), "summary of the published " + k + "-shot run");
        }
    }

    @Test
    void referencePipelineDirectoriesAreAnalysedForReal() throws IOException {
        // the paper pipeline's layout: <split>/<model>/<k>shot/l<i>_target.pt + statistics_target.pkl
        Path golden = Golden.formats();
        Path dir = PipelineRun.newLaunchDir("reference");
        Path run5 = Files.createDirectories(dir.resolve("layers/test/llama-3-8b/5shot"));
        for (String f : List.of("l5_target.pt", "l6_target.pt", "statistics_target.pkl")) {
            Files.copy(golden.resolve(f), run5.resolve(f));
        }
        PipelineRun.Result run = PipelineRun.run(dir, "ref", Map.of(),
                "--representations", dir.resolve("layers").toString(), "--maxk", "100");
        run.assertSucceeded();
        assertEquals(2, run.tasks("ANALYZE").size(), "one task per l<i>_target.pt");
        Path stats = run.outdir().resolve("statistics/pretrained/llama-3-8b");
        for (int layer : List.of(5, 6)) {
            JsonNode ref = Json.MAPPER.readTree(stats.resolve("5shot/l" + layer + ".json").toFile()).get("run");
            assertEquals("llama-3-8b", ref.get("model").asText(), "model from the <model>/<k>shot path");
            assertEquals(5, ref.get("shots").asInt());
            assertEquals(layer, ref.get("layer").asInt());
        }
        assertTrue(Files.isRegularFile(stats.resolve("summary-llama-3-8b-5shot.json")));
        assertTrue(Files.isRegularFile(run.outdir().resolve("figures/report.html")));
    }

    @Test
    void runWithNothingToAnalyseFailsWithTheReasonInsteadOfEndingWithoutFigures() {
        Path dir = PipelineRun.newLaunchDir("nothing");
        PipelineRun.Result run = PipelineRun.run(dir, "nothing", Map.of(), "-stub-run", "-profile", "test",
                "--first_layer", "9");
        assertTrue(run.exitCode() != 0, "the run must fail");
        // said by the plugin for the run it received from EXTRACT, naming the run and the two parameters
        assertTrue(Pattern.compile("/[02]shot: nothing to analyse: no extraction point with index >= 9"
                + " \\(the run has points 0,1,2,3,4,5; check --layers and --first_layer\\)").matcher(run.output()).find(),
                run.output());
        assertFalse(Files.exists(run.outdir().resolve("figures")));
    }

    @Test
    void pretrainedAndFinetunedReferenceRunsOfOneModelArePlottedApart() throws IOException {
        // the paper's comparison: one model name under pretrained/ and finetuned/; both summaries are named
        // summary-llama-3-8b-0shot.json, and PLOT must take both
        Path golden = Golden.formats();
        Path dir = PipelineRun.newLaunchDir("reference-ft");
        for (String type : List.of("pretrained", "finetuned")) {
            Path run0 = Files.createDirectories(dir.resolve("layers/mmlu/" + type + "/test/llama-3-8b/0shot"));
            for (String f : List.of("l5_target.pt", "statistics_target.pkl")) {
                Files.copy(golden.resolve(f), run0.resolve(f));
            }
        }
        PipelineRun.Result run = PipelineRun.run(dir, "ref-ft", Map.of(),
                "--representations", dir.resolve("layers").toString(), "--maxk", "100");
        run.assertSucceeded();
        for (String type : List.of("pretrained", "finetuned")) {
            assertTrue(Files.isRegularFile(run.outdir().resolve("statistics/" + type + "/llama-3-8b/summary-llama-3-8b-0shot.json")),
                    type + " summary");
        }
        String report = Files.readString(run.outdir().resolve("figures/report.html"));
        assertTrue(report.contains("llama-3-8b + finetuned"), "the fine-tuned run is its own model row in the report");
    }
}
