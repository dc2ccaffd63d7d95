package landscape.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import landscape.core.Json;
import landscape.core.LandscapeVersion;
import landscape.core.run.Manifest;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The shared test helpers fail where they must: a helper that cannot fail would hide broken code. */
class HelpersTest {
    @Test
    void toleranceAssertsFailOutsideTheirBoundAndOnNaN() {
        Tolerance.relative("r", new double[] {100, -2}, new double[] {100.00005, -2}, 1e-6);
        assertThrows(AssertionFailedError.class, () -> Tolerance.relative("r", new double[] {100}, new double[] {100.01}, 1e-6));
        assertThrows(AssertionFailedError.class, () -> Tolerance.relative("r", new double[] {0}, new double[] {1e-300}, 1e-6));
        assertThrows(AssertionFailedError.class, () -> Tolerance.relative("r", new double[] {1}, new double[] {Double.NaN}, 1));
        Tolerance.absolute("a", 0.5, 0.5 + 1e-10, 1e-9);
        assertThrows(AssertionFailedError.class, () -> Tolerance.absolute("a", 0.5, 0.5 + 1e-8, 1e-9));
        assertThrows(AssertionFailedError.class, () -> Tolerance.absolute("a", 0.5, Double.NaN, 1));
        assertThrows(AssertionFailedError.class, () -> Tolerance.absolute("a", new double[] {1, 2}, new double[] {1}, 1));
        assertEquals(0.5e-4, Tolerance.scaled("s", new double[] {-10, 2}, new double[] {-10.0005, 2}, 1e-4), 1e-12);
        assertThrows(AssertionFailedError.class, () -> Tolerance.scaled("s", new double[] {0.5}, new double[] {0.5002}, 1e-4));
        assertThrows(AssertionFailedError.class, () -> Tolerance.scaled("s", new double[] {0.5}, new double[] {Double.NaN}, 1));
    }

    @Test
    void jsonArraysReadEveryElement() throws Exception {
        var node = Json.MAPPER.readTree("[1, -2, 3]");
        assertArrayEquals(new double[] {1, -2, 3}, JsonArrays.doubles(node));
        assertArrayEquals(new long[] {1, -2, 3}, JsonArrays.longs(node));
        assertArrayEquals(new int[] {1, -2, 3}, JsonArrays.ints(node));
    }

    @Test
    void manifestBuilderFillsEveryFieldAndTakesRowsFromThePoints() {
        Manifest.Point p = new Manifest.Point(0, "model.layers.0.input_layernorm", "l0.safetensors", 7, 8, "f32", null);
        Manifest m = ManifestBuilder.manifest().model("m").layers(2).shots(5).points(List.of(p)).build();
        assertEquals(new Manifest(Manifest.FORMAT, Manifest.FORMAT_VERSION,
                new Manifest.ModelInfo("m", "/m", "LlamaForCausalLM", 2, 8, 262, 4, 2, 16, null), null, "mmlu", "test", 5,
                "mmlu-v1", null, null, "f32", 7, "2026-11-26T00:00:00Z", LandscapeVersion.get(), null, List.of(p)), m);
        assertEquals(3, ManifestBuilder.manifest().rows(3).points(List.of(p)).build().rows());
        assertEquals("qwen3", ManifestBuilder.manifest().family("qwen3").build().model().family());
    }
}
