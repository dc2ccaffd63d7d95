package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import landscape.core.Matrix;
import landscape.core.format.Safetensors;
import landscape.core.run.Manifest;
import landscape.core.testing.JsonArrays;
import landscape.core.testing.Tolerance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GoldenModelTest {
    @TempDir
    Path tmp;

    static Stream<Path> models() throws Exception {
        return GoldenCases.modelDirs();
    }

    @ParameterizedTest
    @MethodSource("models")
    void tokenIdsEqualTheGoldenIds(Path model) throws Exception {
        JsonNode exp = GoldenCases.expected(model);
        try (TextTokenizer tok = TextTokenizer.open(model)) {
            for (JsonNode c : exp.get("cases")) {
                long[] want = JsonArrays.longs(c.get("input_ids"));
                assertArrayEquals(want, tok.encode(c.get("prompt").asText()), c.get("prompt").asText());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void everyExtractionPointMatchesTheFloat64ReferenceInF32(Path model) throws Exception {
        JsonNode exp = GoldenCases.expected(model);
        Path prompts = GoldenCases.promptsFile(exp, tmp);
        Extractor.Result r = Extractor.run(ExtractOptions.builder(model, tmp.resolve("out")).prompts(prompts).build());
        JsonNode cases = exp.get("cases");
        int points = cases.get(0).get("last_token").size();
        assertEquals(points, r.manifest().points().size());
        double worst = 0;
        for (Manifest.Point p : r.manifest().points()) {
            Matrix m = Safetensors.readMatrix(r.dir().resolve(p.file()));
            for (int row = 0; row < cases.size(); row++) {
                double[] want = JsonArrays.doubles(cases.get(row).get("last_token").get(p.index()));
                double[] got = Arrays.copyOfRange(m.data(), row * m.cols(), (row + 1) * m.cols());
                worst = Math.max(worst, Tolerance.scaled("point " + p.index() + " row " + row, want, got, 1e-4));
            }
        }
        System.out.printf("golden %s: max deviation / max(1,|expected|) = %.3g%n", model.getFileName(), worst);
    }
}
