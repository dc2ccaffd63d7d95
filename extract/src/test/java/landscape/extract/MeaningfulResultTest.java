package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import landscape.core.LandscapeException;
import landscape.core.format.DType;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.extract.data.JsonlPrompts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No meaningless result with exit code 0 (issue 9 §4): non-finite points, empty prompts, reproducible layer files. */
class MeaningfulResultTest {
    @TempDir
    Path tmp;

    private Path tinyModel(String name) {
        Path m = tmp.resolve(name);
        ModelWriter.write(m, ModelTest.spec(DType.F32, false), 42);
        return m;
    }

    private ExtractOptions.Builder run(Path model, Path out) {
        return ExtractOptions.builder(model, out).dataset(PromptTemplateTest.SAMPLE, "test", 0).limit(6).progress(false);
    }

    private List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aNanInTheWeightsStopsTheRunNamingThePointAndTheRow() throws IOException {
        Path good = tinyModel("good");
        Path bad = tmp.resolve("bad");
        // one NaN in block 1's MLP output projection: points 0 and 1 are finite, point 2 (model.norm) is not
        double[] delta = new double[32 * 64];
        delta[5] = Double.NaN;
        ModelTest.rewrite(good, bad, Map.of("model.layers.1.mlp.down_proj.weight", delta), DType.F32);
        Path out = tmp.resolve("out");

        LandscapeException e = assertThrows(LandscapeException.class, () -> Extractor.run(run(bad, out).build()));
        String m = e.getMessage();
        assertTrue(m.startsWith(bad + ": ") && !m.contains("\n"), m);
        assertTrue(m.matches(".*point 2 \\(model\\.norm\\): row [0-5] \\(dataset_index \\d+\\) .*NaN.*"), m);
        assertEquals(List.of("bad", "good"), names(tmp), "no output directory, no staging folder");

        // points before the NaN only: the logits, which give the accuracy in the manifest, are checked too
        LandscapeException logits = assertThrows(LandscapeException.class,
                () -> Extractor.run(run(bad, out).layers("0-1").build()));
        assertTrue(logits.getMessage().matches(".*: the logits \\(lm_head, .*\\): row [0-5] \\(dataset_index \\d+\\) holds NaN.*"),
                logits.getMessage());
        assertEquals(List.of("bad", "good"), names(tmp));
    }

    @Test
    void anEmptyOrBlankPromptIsRefusedWithItsLine() throws IOException {
        for (String blank : List.of("", "   ", "\\n\\t ")) {
            Path p = Files.writeString(tmp.resolve("p.jsonl"), "{\"prompt\": \"a question\"}\n\n{\"prompt\": \"" + blank + "\"}\n");
            LandscapeException e = assertThrows(LandscapeException.class, () -> JsonlPrompts.read(p));
            assertEquals(p + ": line 3: the prompt is empty", e.getMessage());
        }
    }

    @Test
    void twoExtractionsOfTheSameInputGiveByteIdenticalLayerFiles() throws Exception {
        Path model = tinyModel("model");
        Path here = tmp.resolve("here");
        Extractor.run(run(model, here).build());
        // the second run in its own JVM: what differed between runs (a map's iteration order) differs between JVMs
        Path there = tmp.resolve("there");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                "landscape.extract.ExtractMain", "run", "--model", model.toString(), "--dataset",
                PromptTemplateTest.SAMPLE.toString(), "--split", "test", "--shots", "0", "--limit", "6",
                "--out", there.toString(), "--no-progress")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("log.txt").toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the second run did not finish");
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("log.txt")));

        Manifest a = RepresentationDir.open(here).manifest();
        Manifest b = RepresentationDir.open(there).manifest();
        assertEquals(4, a.points().size());
        for (int i = 0; i < a.points().size(); i++) {
            Manifest.Point pa = a.points().get(i);
            assertArrayEquals(Files.readAllBytes(here.resolve(pa.file())), Files.readAllBytes(there.resolve(pa.file())),
                    pa.file());
            assertEquals(pa.sha256(), b.points().get(i).sha256(), pa.file());
        }
        assertEquals(Files.readString(here.resolve("samples.csv")), Files.readString(there.resolve("samples.csv")));
    }
}
