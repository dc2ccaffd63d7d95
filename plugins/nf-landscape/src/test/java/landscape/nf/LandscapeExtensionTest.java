package landscape.nf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertEquals(List.of("model", "shots", "split", "layer", "module", "rows", "dim", "dtype", "run"), List.copyOf(meta.keySet()));
        assertEquals("llama-3-8b", meta.get("model"));
        assertEquals(5, meta.get("shots"));
        assertEquals(5, meta.get("layer"));
        assertEquals(600L, meta.get("rows"));
        assertEquals("f32", meta.get("dtype"));
        assertEquals(run.toAbsolutePath().normalize().toString(), meta.get("run"));
        assertEquals(run.resolve("l5_target.pt").toAbsolutePath().normalize(), items.get(0).get(1));
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
