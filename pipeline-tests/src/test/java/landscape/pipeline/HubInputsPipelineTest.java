package landscape.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.format.Safetensors;
import landscape.core.testing.FakeHubCache;
import org.junit.jupiter.api.Test;

/**
 * The inputs researchers have, through the whole pipeline: the demo's tiny model as a Hugging Face hub cache folder
 * ({@code models--Org--Name}, files as links into blobs/) and the demo's questions as {@code cais/mmlu} publishes
 * them (parquet, {@code assets/test-data/mmlu-mini-hub}, written from the CSVs by tools/make-mmlu-hub-fixture.py).
 * The run must extract exactly what the demo extracted from the plain folder and the CSVs.
 */
class HubInputsPipelineTest {
    static final String REV = "4f1c2a9e0d8b7c6a5f4e3d2c1b0a998877665544";

    @Test
    void hubCacheModelAndParquetDatasetExtractWhatThePlainFolderAndCsvsExtract() throws IOException {
        PipelineRun.Result demo = PipelineRun.demo().result();
        demo.assertSucceeded();
        Path demoRun = demo.outdir().resolve("layers/mmlu/pretrained/test/" + DemoPipelineTest.MODEL + "/0shot");
        JsonNode demoManifest = Json.MAPPER.readTree(demoRun.resolve("manifest.json").toFile());
        Path tinyModel = Path.of(demoManifest.path("model").path("path").asText());
        assertTrue(Files.isRegularFile(tinyModel.resolve("config.json")), "the demo's tiny model at " + tinyModel);

        Path dir = PipelineRun.newLaunchDir("hub-inputs");
        Path repo = FakeHubCache.build(tinyModel, dir.resolve("hub"), "model", "landscape-tests/Tiny-Llama", REV);
        Path parquet = PipelineRun.root().resolve("assets/test-data/mmlu-mini-hub");
        PipelineRun.Result run = PipelineRun.run(dir, "hub", Map.of(), "-profile", "test", "--tiny_model", "false",
                "--models", repo.toString(), "--dataset", parquet.toString(), "--shots", "0");
        run.assertSucceeded();

        // named after the repository, read at the snapshot refs/main names, from the parquet files
        Path hubRun = run.outdir().resolve("layers/mmlu/pretrained/test/Tiny-Llama/0shot");
        JsonNode manifest = Json.MAPPER.readTree(hubRun.resolve("manifest.json").toFile());
        assertEquals(repo.resolve("snapshots").resolve(REV).toRealPath().toString(), manifest.path("model").path("path").asText());
        assertEquals(parquet.toRealPath().toString(), manifest.path("dataset").asText());

        // the same prompts in the same order, so the same rows in every layer file
        assertEquals(Files.readString(demoRun.resolve("samples.csv")), Files.readString(hubRun.resolve("samples.csv")));
        List<String> layers;
        try (Stream<Path> s = Files.list(demoRun)) {
            layers = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).sorted().toList();
        }
        assertTrue(layers.size() >= 6, "the demo's layer files: " + layers);
        for (String layer : layers) {
            assertEquals(layerBytes(demoRun.resolve(layer)), layerBytes(hubRun.resolve(layer)), layer);
        }
        assertTrue(Files.isRegularFile(run.outdir().resolve("figures/report.html")), "the run went on to the figures");
    }

    private static ByteBuffer layerBytes(Path file) {
        try (Safetensors.Reader r = Safetensors.open(file)) {
            ByteBuffer data = r.get("layer").data();
            ByteBuffer copy = ByteBuffer.allocate(data.remaining());
            copy.put(data.duplicate()).flip();
            return copy;
        }
    }
}
