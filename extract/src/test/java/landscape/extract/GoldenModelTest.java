package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import landscape.core.Matrix;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.core.testing.JsonArrays;
import landscape.core.testing.Tolerance;
import landscape.extract.model.ModelConfig;
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
        Extractor.Result r = GoldenCases.run(model, exp, tmp.resolve("out"));
        double worst = GoldenCases.assertMatchesExpected(exp, r);
        // tiny-<family> records its family in the manifest
        String family = model.getFileName().toString().replace("tiny-", "").replace("llama3", "llama");
        assertEquals(family, r.manifest().model().family());
        System.out.printf("golden %s: max deviation / max(1,|expected|) = %.3g%n", model.getFileName(), worst);
    }

    /**
     * The golden prompts plus prompts shorter than the Gemma windows, all in one right-padded batch, against one
     * prompt per batch: a row's result must not depend on its batch, sliding layers included.
     */
    @ParameterizedTest
    @MethodSource("models")
    void batchedExtractionEqualsOneByOne(Path model) throws Exception {
        List<String> prompts = new ArrayList<>(GoldenCases.prompts(GoldenCases.expected(model)));
        prompts.add("Hi");
        prompts.add("Answer: B");
        Path file = GoldenCases.promptsFile(prompts, tmp.resolve("p.jsonl"));
        ModelConfig c = ModelConfig.read(model);
        int shortest = Integer.MAX_VALUE;
        int longest = 0;
        try (TextTokenizer tok = TextTokenizer.open(model)) {
            for (long[] ids : tok.encodeAll(prompts)) {
                shortest = Math.min(shortest, ids.length);
                longest = Math.max(longest, ids.length);
            }
        }
        for (int i = 0; i < c.numLayers(); i++) {
            if (c.window(i) > 0 && c.window(i) < 100) {
                assertTrue(shortest < c.window(i) && longest > c.window(i), "prompts around the window");
            }
        }
        Extractor.Result one = Extractor.run(ExtractOptions.builder(model, tmp.resolve("one")).prompts(file).batchTokens(1)
                .build());
        Extractor.Result all = Extractor.run(ExtractOptions.builder(model, tmp.resolve("all")).prompts(file).build());
        assertEquals(prompts.size(), one.stats().batches());
        assertEquals(1, all.stats().batches());
        // Per extraction point, relative to max(1, max|value|) as the golden tolerance is: the logits reach 30, where
        // float32 rounding alone is 2e-6 and a different GEMM blocking for another batch shape moves sums by ~1e-5.
        RepresentationDir a = RepresentationDir.open(one.dir());
        RepresentationDir b = RepresentationDir.open(all.dir());
        double worst = 0;
        double worstAbs = 0;
        for (Manifest.Point p : a.points()) {
            Matrix x = a.readMatrix(p.index());
            Matrix y = b.readMatrix(p.index());
            worstAbs = Math.max(worstAbs, ModelTest.maxDiff(x, y));
            worst = Math.max(worst, Tolerance.scaled("point " + p.index(), x.data(), y.data(), 1e-5));
        }
        System.out.printf("batched vs one by one %s: max deviation / max(1,|value|) = %.3g (absolute %.3g; %d prompts,"
                + " %d..%d tokens)%n", model.getFileName(), worst, worstAbs, prompts.size(), shortest, longest);
        assertEquals(RepresentationDir.open(one.dir()).samples(), RepresentationDir.open(all.dir()).samples());
    }

    /** f16 compute (the GPU dtype) through every family's casts (Gemma's f32 (1+w) norms, soft-caps, partial rope). */
    @ParameterizedTest
    @MethodSource("models")
    void f16ComputeFollowsTheF32Result(Path model) throws Exception {
        Path prompts = GoldenCases.promptsFile(GoldenCases.expected(model), tmp);
        Extractor.Result f32 = Extractor.run(ExtractOptions.builder(model, tmp.resolve("f32")).prompts(prompts).build());
        Extractor.Result f16 = Extractor.run(ExtractOptions.builder(model, tmp.resolve("f16")).prompts(prompts).dtype("f16")
                .build());
        RepresentationDir a = RepresentationDir.open(f32.dir());
        RepresentationDir b = RepresentationDir.open(f16.dir());
        assertEquals("f16", b.manifest().computeDtype());
        double worst = 0;
        for (Manifest.Point p : a.points()) {
            Matrix x = a.readMatrix(p.index());
            Matrix y = b.readMatrix(p.index());
            assertEquals(x.rows(), y.rows());
            worst = Math.max(worst, Tolerance.scaled("f16 point " + p.index(), x.data(), y.data(), 2e-2));
        }
        System.out.printf("f16 vs f32 %s: max deviation / max(1,|value|) = %.3g%n", model.getFileName(), worst);
    }
}
