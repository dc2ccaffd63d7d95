package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.core.testing.FakeHubCache;
import landscape.core.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --model} (and {@code tokenize --model}) given as a Hugging Face hub cache folder or one of its snapshots. */
class HubCacheInputTest {
    static final String REV = "5f0b02c75b57c5855da9ae460ce51323ea669d8a";

    @TempDir
    Path tmp;

    private Path plain() {
        return Golden.file("models", "tiny-llama3");
    }

    private Path hubRepo() {
        return FakeHubCache.build(plain(), tmp.resolve("hub"), "model", "landscape-tests/Tiny-Llama-3", REV);
    }

    private Extractor.Result extract(Path model, String out) {
        return Extractor.run(ExtractOptions.builder(model, tmp.resolve(out)).dataset(PromptTemplateTest.SAMPLE, "test", 1).build());
    }

    /** Every file of a representation directory but the manifest (which records paths and a time). */
    private static List<String> dataFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(f -> !f.equals(RepresentationDir.MANIFEST)).sorted().toList();
        }
    }

    @Test
    void hubFolderAndSnapshotGiveByteIdenticalLayerFilesToThePlainFolder() throws IOException {
        Path repo = hubRepo();
        Path snapshot = repo.resolve("snapshots").resolve(REV);
        Extractor.Result a = extract(plain(), "plain");
        Extractor.Result b = extract(repo, "repo");
        Extractor.Result c = extract(snapshot, "snapshot");
        List<String> files = dataFiles(a.dir());
        assertTrue(files.contains("l0.safetensors") && files.contains(RepresentationDir.SAMPLES), files.toString());
        for (Extractor.Result r : List.of(b, c)) {
            assertEquals(files, dataFiles(r.dir()));
            for (String f : files) {
                assertArrayEquals(Files.readAllBytes(a.dir().resolve(f)), Files.readAllBytes(r.dir().resolve(f)), f);
            }
            Manifest m = r.manifest();
            assertEquals(snapshot.toAbsolutePath().normalize().toString(), m.model().path(), "provenance: the snapshot read");
            assertEquals("Tiny-Llama-3", m.model().id(), "default id: the repository's name, not the revision");
            assertEquals(a.manifest().points().stream().map(Manifest.Point::sha256).toList(),
                    m.points().stream().map(Manifest.Point::sha256).toList());
        }
        assertEquals("tiny-llama3", a.manifest().model().id());
        assertEquals(plain().toAbsolutePath().normalize().toString(), a.manifest().model().path());
    }

    @Test
    void commandLineTakesHubFoldersForModelAndDatasetAndAnExplicitModelIdWins() throws IOException {
        Path repo = hubRepo();
        Path dataset = FakeHubCache.build(PromptTemplateTest.SAMPLE, tmp.resolve("hub"), "dataset", "cais/mmlu", "d4e5f6");
        Path out = tmp.resolve("cli");
        int rc = ExtractMain.execute("run", "--model", repo.toString(), "--model-id", "tiny", "--dataset",
                dataset.toString(), "--split", "test", "--limit", "2", "--no-progress", "--layers", "0", "--out", out.toString());
        assertEquals(0, rc);
        Manifest m = RepresentationDir.open(out).manifest();
        assertEquals("tiny", m.model().id());
        assertTrue(m.model().path().endsWith("snapshots/" + REV), m.model().path());
        assertEquals(dataset.resolve("snapshots/d4e5f6").toAbsolutePath().normalize().toString(), m.dataset());
    }

    @Test
    void resolvingTheInputsKeepsEveryOtherOption() throws Exception {
        ExtractOptions o = ExtractOptions.builder(Path.of("m"), Path.of("out")).modelId("id").adapter(Path.of("a"))
                .dataset(Path.of("d"), "val", 3).shuffleShots(true, 5).limit(7).mask(Path.of("mask.npy")).layers("0-2")
                .batchTokens(99).device("gpu").dtype("f16").progress(true).allowLongPrompts(true).build();
        ExtractOptions r = o.withInputs(Path.of("m2"), "id2", Path.of("a2"), Path.of("d2"));
        assertEquals(List.of(Path.of("m2"), "id2", Path.of("a2"), Path.of("d2")),
                List.of(r.model(), r.modelId(), r.adapter(), r.dataset()));
        for (Field f : ExtractOptions.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())
                    || List.of("model", "modelId", "adapter", "dataset").contains(f.getName())) {
                continue;
            }
            f.setAccessible(true);
            assertEquals(f.get(o), f.get(r), f.getName());
        }
    }

    @Test
    void tokenizeAcceptsTheHubFolder() throws Exception {
        String plainIds = tokenize(plain());
        assertTrue(plainIds.startsWith("["), plainIds);
        Path repo = hubRepo();
        assertEquals(plainIds, tokenize(repo));
        assertEquals(plainIds, tokenize(repo.resolve("snapshots").resolve(REV)));
    }

    @Test
    void planAcceptsTheHubFolder() throws Exception {
        // the pipeline's PLAN job (--gpus_per_extract auto) gets the sheet's model folder, a hub cache folder included;
        // the plan reads the snapshot's config and headers (the memory free on this machine may differ between calls)
        Path repo = hubRepo();
        JsonNode hub = Json.MAPPER.readTree(plan(repo));
        JsonNode direct = Json.MAPPER.readTree(plan(plain()));
        assertEquals(repo.resolve("snapshots").resolve(REV).toAbsolutePath().normalize().toString(),
                hub.get("model").get("path").asText());
        for (String key : List.of("architecture", "layers", "hidden", "vocab", "checkpoint_bytes", "checkpoint_files")) {
            assertEquals(direct.get("model").get(key), hub.get("model").get(key), key);
        }
        assertEquals(direct.get("weights_bytes"), hub.get("weights_bytes"));
        assertEquals(direct.get("layer_ranges"), hub.get("layer_ranges"));
    }

    private String plan(Path model) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, ExtractMain.execute("plan", "--model", model.toString(), "--json"));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8).strip();
    }

    private String tokenize(Path model) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, ExtractMain.execute("tokenize", "--model", model.toString(), "--text", "Answer: B"));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8).strip();
    }

    @Test
    void partialDownloadIsRefusedBeforeAnythingRuns() throws IOException {
        Path repo = hubRepo();
        Path link = repo.resolve("snapshots").resolve(REV).resolve("model.safetensors");
        Files.delete(link.toRealPath());
        Path out = tmp.resolve("o");
        LandscapeException e = assertThrows(LandscapeException.class, () -> extract(repo, "o"));
        assertTrue(e.getMessage().startsWith(link + ": symbolic link to a file that does not exist"), e.getMessage());
        assertTrue(!Files.exists(out));
    }

    @Test
    void repositoryWithoutRefsMainIsRefusedOnTheCommandLineInOneLine() throws Exception {
        Path repo = hubRepo();
        Files.delete(repo.resolve("refs").resolve("main"));
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = ExtractMain.execute("run", "--model", repo.toString(), "--prompts", tmp.resolve("p.jsonl").toString(),
                    "--out", tmp.resolve("o").toString());
        } finally {
            System.setErr(old);
        }
        String err = buf.toString(StandardCharsets.UTF_8).strip();
        assertEquals(1, rc);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains(repo + ": hub cache folder without refs/main") && err.contains(REV), err);
    }
}
