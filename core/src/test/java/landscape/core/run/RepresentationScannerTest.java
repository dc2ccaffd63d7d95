package landscape.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import landscape.core.LandscapeException;
import landscape.core.format.DType;
import landscape.core.format.Npy;
import landscape.core.format.Safetensors;
import landscape.core.format.Tensor;
import landscape.core.format.TorchPtFixtures;
import landscape.core.testing.Golden;
import landscape.core.testing.ManifestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepresentationScannerTest {
    static final Path GOLDEN_FORMATS = Golden.formats();

    @TempDir
    Path tmp;

    /** A project directory with points 0..n-1 (written in reverse order to check sorting). */
    static Path projectDir(Path dir, String model, int shots, int n, int rows, int dim) throws IOException {
        Files.createDirectories(dir);
        List<Manifest.Point> points = new ArrayList<>();
        for (int i = n - 1; i >= 0; i--) {
            String name = "l" + i + (i % 2 == 0 ? ".safetensors" : ".npy");
            Tensor t = Tensor.ofDoubles(DType.F32, new long[] {rows, dim}, new double[rows * dim]);
            if (i % 2 == 0) {
                Safetensors.write(dir.resolve(name), Map.of("layer", t), Map.of());
            } else {
                Npy.write(dir.resolve(name), t);
            }
            points.add(new Manifest.Point(i, i == n - 1 ? "model.norm" : "model.layers." + i + ".input_layernorm", name,
                    rows, dim, "f32", RepresentationDir.sha256(dir.resolve(name))));
        }
        SamplesCsv.write(dir.resolve(RepresentationDir.SAMPLES), List.of(new Sample(0, 0, "math", "A", "A", "A", 3)));
        RepresentationDir.writeManifest(dir, ManifestBuilder.manifest().model(model).layers(n - 1).hidden(dim).vocab(10)
                .heads(1, 1).intermediate(4).shots(shots).rows(rows).points(points).build());
        return dir;
    }

    @Test
    void projectDirectoryGivesOnePointPerLayerInIndexOrder() throws IOException {
        Path dir = projectDir(tmp.resolve("tiny/2shot"), "tiny", 2, 3, 4, 5);
        List<RepresentationScanner.Point> pts = RepresentationScanner.scan(tmp, "tiny/2shot");
        assertEquals(List.of(0, 1, 2), pts.stream().map(RepresentationScanner.Point::layer).toList());
        RepresentationScanner.Point p = pts.get(1);
        assertEquals("tiny", p.model());
        assertEquals(2, p.shots());
        assertEquals("test", p.split());
        assertEquals("model.layers.1.input_layernorm", p.module());
        assertEquals(4, p.rows());
        assertEquals(5, p.dim());
        assertEquals("f32", p.dtype());
        assertEquals(dir.toAbsolutePath().normalize(), p.run());
        assertEquals(dir.resolve("l1.npy").toAbsolutePath().normalize(), p.file());
        assertEquals("model.norm", pts.get(2).module());
        assertEquals(RunType.PRETRAINED, p.type(), "no adapter in the manifest");
    }

    @Test
    void typeIsFinetunedForAnAdapterInTheManifestOrTheFinetunedLayout() throws IOException {
        Path dir = projectDir(tmp.resolve("ft/0shot"), "ft", 0, 2, 3, 2);
        String manifest = Files.readString(dir.resolve(RepresentationDir.MANIFEST));
        String withAdapter = manifest.replace("\"adapter\" : null", "\"adapter\" : \"/adapters/lora\"");
        assertNotEquals(manifest, withAdapter, "the manifest now names an adapter");
        Files.writeString(dir.resolve(RepresentationDir.MANIFEST), withAdapter);
        assertEquals(RunType.FINETUNED, RepresentationScanner.scan(tmp, "ft/0shot").get(0).type());

        Path ref = Files.createDirectories(tmp.resolve("layers/finetuned/test/llama-3-8b/0shot"));
        for (String f : List.of("l5_target.pt", "statistics_target.pkl")) {
            Files.copy(GOLDEN_FORMATS.resolve(f), ref.resolve(f));
        }
        assertEquals(RunType.FINETUNED, RepresentationScanner.scan(tmp, "layers").get(0).type());
    }

    @Test
    void parentFolderAndGlobFindRunsSortedByPath() throws IOException {
        projectDir(tmp.resolve("runs/b/5shot"), "b", 5, 2, 3, 2);
        projectDir(tmp.resolve("runs/a/0shot"), "a", 0, 2, 3, 2);
        projectDir(tmp.resolve("runs/a/5shot"), "a", 5, 2, 3, 2);
        List<String> byParent = RepresentationScanner.scan(tmp, "runs").stream()
                .map(p -> p.model() + p.shots() + ":" + p.layer()).toList();
        assertEquals(List.of("a0:0", "a0:1", "a5:0", "a5:1", "b5:0", "b5:1"), byParent);
        List<String> byGlob = RepresentationScanner.scan(tmp, "runs/*/5shot").stream()
                .map(p -> p.model() + p.shots() + ":" + p.layer()).toList();
        assertEquals(List.of("a5:0", "a5:1", "b5:0", "b5:1"), byGlob);
    }

    @Test
    void referenceDirectoryTakesModelShotsAndSplitFromItsPath() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("layers/mmlu/pretrained/test/llama-3-8b/5shot"));
        for (String f : List.of("l5_target.pt", "l6_target.pt", "statistics_target.pkl")) {
            Files.copy(GOLDEN_FORMATS.resolve(f), dir.resolve(f));
        }
        // the reference's last point is lm_head's logits: vocabulary-sized, wider than the hidden size (32)
        TorchPtFixtures.writeF32(dir.resolve("l7_target.pt"), 600, 100);
        List<RepresentationScanner.Point> pts = RepresentationScanner.scan(tmp, "layers");
        assertEquals(3, pts.size());
        RepresentationScanner.Point p = pts.get(0);
        assertEquals("llama-3-8b", p.model());
        assertEquals(5, p.shots());
        assertEquals("test", p.split());
        assertEquals(5, p.layer());
        assertEquals(600, p.rows());
        assertEquals(32, p.dim());
        assertEquals("f32", p.dtype());
        assertEquals("model.layers.5.input_layernorm", p.module());
        assertEquals("bf16", pts.get(1).dtype());
        assertEquals("model.norm", pts.get(1).module());
        assertEquals("lm_head", pts.get(2).module());
    }

    @Test
    void referenceDirectoryWithoutItsLogitsFileCallsItsLastPointTheFinalNorm() throws IOException {
        // lm_head's file (vocabulary-sized: 3.6 GB per run for Llama-3-8B in bf16) is often deleted; the last
        // point is then model.norm, and the one before it a decoder layer's input
        Path dir = Files.createDirectories(tmp.resolve("layers/mmlu/pretrained/test/llama-3-8b/5shot"));
        for (String f : List.of("l5_target.pt", "l6_target.pt", "l7_target.pt", "statistics_target.pkl")) {
            Files.copy(GOLDEN_FORMATS.resolve(f), dir.resolve(f));
        }
        List<RepresentationScanner.Point> pts = RepresentationScanner.scan(tmp, "layers");
        assertEquals(List.of("model.layers.5.input_layernorm", "model.layers.6.input_layernorm", "model.norm"),
                pts.stream().map(RepresentationScanner.Point::module).toList());
        // with the logits there, they are lm_head and the point below them the final norm
        TorchPtFixtures.writeF32(dir.resolve("l8_target.pt"), 600, 100);
        pts = RepresentationScanner.scan(tmp, "layers");
        assertEquals(List.of("model.layers.5.input_layernorm", "model.layers.6.input_layernorm", "model.norm", "lm_head"),
                pts.stream().map(RepresentationScanner.Point::module).toList());
    }

    @Test
    void missingPathIsAOneLineErrorNamingIt() {
        LandscapeException e = assertThrows(LandscapeException.class, () -> RepresentationScanner.scan(tmp, "nope/dir"));
        assertEquals("nope/dir: does not exist", e.getMessage());
    }

    @Test
    void folderWithoutRunsAndUnmatchedGlobAreErrors() throws IOException {
        Files.createDirectories(tmp.resolve("empty/sub"));
        LandscapeException e = assertThrows(LandscapeException.class, () -> RepresentationScanner.scan(tmp, "empty"));
        assertTrue(e.getMessage().startsWith("empty: no representation directories found"), e.getMessage());
        LandscapeException g = assertThrows(LandscapeException.class, () -> RepresentationScanner.scan(tmp, "empty/*/5shot"));
        assertTrue(g.getMessage().contains("no representation directories match"), g.getMessage());
        assertTrue(!e.getMessage().contains("\n") && !g.getMessage().contains("\n"));
    }

    @Test
    void referenceDirectoryNotNamedKShotIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("model/latest"));
        Files.copy(GOLDEN_FORMATS.resolve("l5_target.pt"), dir.resolve("l5_target.pt"));
        Files.copy(GOLDEN_FORMATS.resolve("statistics_target.pkl"), dir.resolve("statistics_target.pkl"));
        LandscapeException e = assertThrows(LandscapeException.class, () -> RepresentationScanner.scan(tmp, "model/latest"));
        assertTrue(e.getMessage().contains("<model>/<k>shot"), e.getMessage());
    }
}
