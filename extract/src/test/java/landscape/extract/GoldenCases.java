package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.Matrix;
import landscape.core.format.Safetensors;
import landscape.core.run.Manifest;
import landscape.core.testing.Golden;
import landscape.core.testing.JsonArrays;
import landscape.core.testing.Tolerance;

/** The golden model cases ({@code tests/golden/models/<model>/expected.json}) and their prompts. */
final class GoldenCases {
    private GoldenCases() {
    }

    static Stream<Path> modelDirs() {
        return Golden.modelDirs().stream();
    }

    static JsonNode expected(Path modelDir) throws IOException {
        return Json.MAPPER.readTree(modelDir.resolve("expected.json").toFile());
    }

    static List<String> prompts(JsonNode expected) {
        List<String> out = new ArrayList<>();
        expected.get("cases").forEach(c -> out.add(c.get("prompt").asText()));
        return out;
    }

    /** Writes the golden prompts as a --prompts JSONL file. */
    static Path promptsFile(JsonNode expected, Path dir) throws IOException {
        return promptsFile(prompts(expected), dir.resolve("prompts.jsonl"));
    }

    static Path promptsFile(List<String> prompts, Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String p : prompts) {
            lines.add(Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(Map.of("prompt", p)));
        }
        Files.write(file, lines);
        return file;
    }

    /** Extracts every point of the golden prompts of {@code expectedFrom} with {@code model} into {@code out}. */
    static Extractor.Result run(Path model, JsonNode expected, Path out) throws IOException {
        Files.createDirectories(out.getParent());
        Path prompts = promptsFile(prompts(expected), out.resolveSibling(out.getFileName() + ".jsonl"));
        return Extractor.run(ExtractOptions.builder(model, out).prompts(prompts).build());
    }

    /**
     * Asserts every extraction point of {@code run} against {@code expected}: within 1e-4 x max(1, max|expected|)
     * per vector. Returns the worst deviation relative to max(1, max|expected|).
     */
    static double assertMatchesExpected(JsonNode expected, Extractor.Result run) {
        JsonNode cases = expected.get("cases");
        int points = cases.get(0).get("last_token").size();
        assertEquals(points, run.manifest().points().size());
        double worst = 0;
        for (Manifest.Point p : run.manifest().points()) {
            Matrix m = Safetensors.readMatrix(run.dir().resolve(p.file()));
            for (int row = 0; row < cases.size(); row++) {
                double[] want = JsonArrays.doubles(cases.get(row).get("last_token").get(p.index()));
                double[] got = Arrays.copyOfRange(m.data(), row * m.cols(), (row + 1) * m.cols());
                worst = Math.max(worst, Tolerance.scaled("point " + p.index() + " row " + row, want, got, 1e-4));
            }
        }
        return worst;
    }
}
