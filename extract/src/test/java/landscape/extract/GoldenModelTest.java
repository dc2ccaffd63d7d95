package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.stream.Stream;
import landscape.core.Matrix;
import landscape.core.format.Safetensors;
import landscape.core.run.Manifest;
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
                long[] want = Json2.longs(c.get("input_ids"));
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
                double[] want = Json2.doubles(cases.get(row).get("last_token").get(p.index()));
                assertEquals(want.length, m.cols());
                double maxAbs = 0;
                double dev = 0;
                for (int j = 0; j < want.length; j++) {
                    maxAbs = Math.max(maxAbs, Math.abs(want[j]));
                    dev = Math.max(dev, Math.abs(m.data()[row * m.cols() + j] - want[j]));
                }
                double tol = 1e-4 * Math.max(1, maxAbs);
                worst = Math.max(worst, dev / Math.max(1, maxAbs));
                assertTrue(dev <= tol, "point " + p.index() + " row " + row + ": deviation " + dev + " > " + tol);
            }
        }
        System.out.printf("golden %s: max deviation / max(1,|expected|) = %.3g%n", model.getFileName(), worst);
    }
}
