package landscape.nf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import landscape.core.testing.Golden;
import nextflow.exception.AbortOperationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The channel items the factory builds, without a Nextflow session (reference layout, golden .pt files). */
class LandscapeExtensionTest {
    static final Path GOLDEN_FORMATS = Golden.formats();

    @TempDir
    Path tmp;

    Path referenceRun() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("test/llama-3-8b/5shot"));
        for (String f : List.of("l5_target.pt", "l6_target.pt", "statistics_target.pkl")) {
            Files.copy(GOLDEN_FORMATS.resolve(f), dir.resolve(f));
        }
        return dir;
    }

    @Test
    void itemIsMetaMapThenLayerFileWithTheDocumentedKeys() throws IOException {
        Path run = referenceRun();
        List<List<Object>> items = LandscapeExtension.items(run.toString(), LandscapeExtension.PointFilter.of(Map.of()));
        assertEquals(2, items.size());
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) items.get(0).get(0);
        assertEquals(List.of("model", "shots", "split", "layer", "module", "rows", "dim", "dtype", "run", "type", "points"),
                List.copyOf(meta.keySet()));
        assertEquals("llama-3-8b", meta.get("model"));
        assertEquals(5, meta.get("shots"));
        assertEquals(5, meta.get("layer"));
        assertEquals(600L, meta.get("rows"));
        assertEquals("f32", meta.get("dtype"));
        assertEquals(run.toAbsolutePath().normalize().toString(), meta.get("run"));
        assertEquals(run.resolve("l5_target.pt").toAbsolutePath().normalize(), items.get(0).get(1));
        assertEquals("pretrained", meta.get("type"));
        assertEquals(2, meta.get("points"), "the run's two points are emitted");
        assertEquals(2, items.get(0).size(), "[meta, layer] unless run: true");
    }

    @Test
    void minLayerKeepsThePointsAtOrAboveItCountsThemAndRunAddsTheDirectory() throws IOException {
        Path run = referenceRun();
        List<List<Object>> items = LandscapeExtension.items(run.toString(),
                LandscapeExtension.PointFilter.of(Map.of("min_layer", 6, "run", true)));
        assertEquals(1, items.size());
        Map<?, ?> meta = (Map<?, ?>) items.get(0).get(0);
        assertEquals(6, meta.get("layer"));
        assertEquals(1, meta.get("points"), "points counts what is emitted for the run");
        assertEquals(run.toAbsolutePath().normalize(), items.get(0).get(2), "the run directory, a path");
    }

    @Test
    void runWithNothingLeftToAnalyseIsAOneLineAbort() throws IOException {
        Path run = referenceRun();
        AbortOperationException e = assertThrows(AbortOperationException.class, () -> LandscapeExtension.items(
                run.toString(), LandscapeExtension.PointFilter.of(Map.of("min_layer", 9))));
        assertEquals("fromRepresentations: " + run.toAbsolutePath().normalize() + ": nothing to analyse: no extraction"
                + " point with index >= 9 (the run has points 5,6; check --layers and --first_layer)", e.getMessage());
    }

    @Test
    void twoRunsOfTheSameModelShotsAndTypeAreRefusedSinceTheirResultsWouldOverwriteEachOther() throws IOException {
        // the test and val splits of one model: the pipeline publishes statistics by type, model and shots, so one
        // split's files silently replaced the other's
        Path test = referenceRun();
        Path val = Files.createDirectories(tmp.resolve("val/llama-3-8b/5shot"));
        for (String f : List.of("l5_target.pt", "l6_target.pt", "statistics_target.pkl")) {
            Files.copy(GOLDEN_FORMATS.resolve(f), val.resolve(f));
        }
        AbortOperationException e = assertThrows(AbortOperationException.class, () -> LandscapeExtension.items(
                tmp.toString(), LandscapeExtension.PointFilter.of(Map.of())));
        String m = e.getMessage();
        assertTrue(m.startsWith("fromRepresentations: ") && m.contains(test.toAbsolutePath().normalize().toString())
                && m.contains(val.toAbsolutePath().normalize().toString()), m);
        assertTrue(m.contains("llama-3-8b") && !m.contains("\n"), m);
        // one of them is fine
        assertEquals(2, LandscapeExtension.items(val.toString(), LandscapeExtension.PointFilter.of(Map.of())).size());
    }

    @Test
    void modelNameThatIsNotSafeForPathsIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("test/m $(touch x)/5shot"));
        for (String f : List.of("l5_target.pt", "statistics_target.pkl")) {
            Files.copy(GOLDEN_FORMATS.resolve(f), dir.resolve(f));
        }
        AbortOperationException e = assertThrows(AbortOperationException.class,
                () -> LandscapeExtension.items(dir.toString(), LandscapeExtension.PointFilter.of(null)));
        assertTrue(e.getMessage().startsWith("fromRepresentations: " + dir.toAbsolutePath().normalize()
                + ": model name 'm $(touch x)' may only contain"), e.getMessage());
    }

    @Test
    void unknownOptionIsRefused() {
        AbortOperationException e = assertThrows(AbortOperationException.class,
                () -> LandscapeExtension.PointFilter.of(Map.of("minlayer", 1)));
        assertEquals("fromRepresentations: unknown option 'minlayer' (options: layers, min_layer, run)", e.getMessage());
    }

    @Test
    void modelsToListGivesMetaModelDirectoryAndAdapterPerRow() throws IOException {
        Path model = Files.createDirectories(tmp.resolve("models/tiny"));
        Files.writeString(model.resolve("config.json"), "{}");
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        Files.writeString(model.resolve("model.safetensors"), "");
        Path adapter = Files.createDirectories(tmp.resolve("adapters/lora-1"));
        Files.writeString(adapter.resolve("adapter_config.json"), "{}");
        Files.writeString(adapter.resolve("adapter_model.safetensors"), "");
        Path sheet = Files.writeString(tmp.resolve("models.csv"), "name,path,adapter\nbase," + model + ",\nft," + model
                + "," + adapter + "\n");
        Path schema = Golden.repositoryRoot().resolve("assets/schema_models.json");
        List<Object> rows = new LandscapeExtension().modelsToList(sheet.toString(), schema.toString());
        assertEquals(2, rows.size());
        assertEquals(List.of(Map.of("model", "base", "type", "pretrained"), model, List.of()),
                List.of(withoutNulls((Map<?, ?>) ((List<?>) rows.get(0)).get(0)), ((List<?>) rows.get(0)).get(1),
                        ((List<?>) rows.get(0)).get(2)));
        assertEquals(List.of(Map.of("model", "ft", "type", "finetuned", "adapter", "lora-1"), model, adapter),
                rows.get(1));
        Path twin = Files.createDirectories(tmp.resolve("elsewhere/base"));
        Files.writeString(twin.resolve("config.json"), "{}");
        Files.writeString(twin.resolve("tokenizer.json"), "{}");
        Files.writeString(twin.resolve("model.safetensors"), "");
        AbortOperationException e = assertThrows(AbortOperationException.class,
                () -> new LandscapeExtension().modelsToList(sheet + "," + twin, schema.toString()));
        assertTrue(e.getMessage().startsWith("--models: model name 'base' is used twice"), e.getMessage());
        AbortOperationException none = assertThrows(AbortOperationException.class,
                () -> new LandscapeExtension().modelsToList(null, schema.toString()));
        assertTrue(none.getMessage().startsWith("Give --models"), none.getMessage());
    }

    private static Map<Object, Object> withoutNulls(Map<?, ?> m) {
        Map<Object, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    @Test
    void layersOptionKeepsOnlyThoseIndices() throws IOException {
        Path run = referenceRun();
        List<List<Object>> items = LandscapeExtension.items(List.of(run), LandscapeExtension.PointFilter.of(Map.of("layers", List.of(6))));
        assertEquals(1, items.size());
        assertEquals(6, ((Map<?, ?>) items.get(0).get(0)).get("layer"));
    }

    @Test
    void layerInfoReadsHeadersAndFailsWithOneLine() {
        LandscapeExtension ext = new LandscapeExtension();
        assertEquals(List.of(600L, 32L, "bf16", 38400L), ext.layerInfo(GOLDEN_FORMATS.resolve("l6_target.pt")));
        AbortOperationException e = assertThrows(AbortOperationException.class,
                () -> ext.layerInfo(GOLDEN_FORMATS.resolve("truncated.pt").toString()));
        assertTrue(e.getMessage().startsWith("layerInfo: ") && e.getMessage().contains("truncated.pt"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void missingSourceIsAOneLineAbort() {
        AbortOperationException e = assertThrows(AbortOperationException.class,
                () -> LandscapeExtension.items(tmp.resolve("absent").toString(), LandscapeExtension.PointFilter.of(null)));
        assertEquals("fromRepresentations: " + tmp.resolve("absent") + ": does not exist", e.getMessage());
    }
}
