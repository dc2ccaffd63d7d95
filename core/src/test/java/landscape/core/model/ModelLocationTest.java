package landscape.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import landscape.core.LandscapeException;
import landscape.core.format.Checkpoint;
import landscape.core.format.DType;
import landscape.core.format.Safetensors;
import landscape.core.format.Tensor;
import landscape.core.hub.HubCache;
import landscape.core.testing.FakeHubCache;
import landscape.core.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLocationTest {
    static final String REV = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path tmp;

    private Path hubModel() {
        return FakeHubCache.build(Golden.file("models", "tiny-llama3"), tmp.resolve("hub"), "model",
                "landscape-tests/Tiny-Llama-3", REV);
    }

    private static String error(Path p) {
        return assertThrows(LandscapeException.class, () -> ModelLocation.checkModel(p)).getMessage();
    }

    @Test
    void hubCacheFolderResolvesToTheSnapshotOfRefsMain() {
        Path repo = hubModel();
        ModelLocation l = ModelLocation.checkModel(repo);
        assertEquals(repo.resolve("snapshots").resolve(REV), l.dir());
        assertEquals("Tiny-Llama-3", l.name());
        assertEquals(REV, l.revision());
        assertTrue(Files.isSymbolicLink(l.dir().resolve("config.json")), "the fake cache is made of links");
    }

    @Test
    void snapshotFolderIsReadAsItIsAndNamedAfterItsRepository() {
        Path snap = hubModel().resolve("snapshots").resolve(REV);
        ModelLocation l = ModelLocation.checkModel(snap);
        assertEquals(snap, l.dir());
        assertEquals("Tiny-Llama-3", l.name());
        assertEquals(REV, l.revision());
    }

    @Test
    void linkToASnapshotIsNamedAfterTheRepositoryItPointsInto() throws IOException {
        Path snap = hubModel().resolve("snapshots").resolve(REV);
        Path staged = Files.createSymbolicLink(tmp.resolve("model"), snap);
        ModelLocation l = ModelLocation.checkModel(staged);
        assertEquals(staged, l.dir());
        assertEquals("Tiny-Llama-3", l.name());
        assertEquals(REV, l.revision());
    }

    @Test
    void plainFolderIsItselfWithItsOwnName() {
        Path plain = Golden.file("models", "tiny-llama3");
        ModelLocation l = ModelLocation.checkModel(plain);
        assertEquals(plain, l.dir());
        assertEquals("tiny-llama3", l.name());
        assertNull(l.revision());
    }

    @Test
    void plainFolderThatIsOnlyNamedLikeARepositoryIsPlain() throws IOException {
        Path copy = tmp.resolve("models--my-copy");
        Files.createDirectories(copy);
        for (String f : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) {
            Files.copy(Golden.file("models", "tiny-llama3", f), copy.resolve(f));
        }
        ModelLocation l = ModelLocation.checkModel(copy);
        assertEquals(copy, l.dir());
        assertEquals("models--my-copy", l.name());
        assertNull(l.revision());
    }

    @Test
    void repositoryWithoutAnOrgIsNamedAfterTheRepository() {
        Path repo = FakeHubCache.build(Golden.file("models", "tiny-llama3"), tmp.resolve("hub"), "model", "gpt2", REV);
        assertEquals("gpt2", ModelLocation.resolve(repo).name());
    }

    @Test
    void checkpointThroughTheLinksHasTheSameTensorsAsThePlainFolder() {
        Path plain = Golden.file("models", "tiny-llama3");
        Path snap = ModelLocation.resolve(hubModel()).dir();
        try (Checkpoint a = Checkpoint.open(plain); Checkpoint b = Checkpoint.open(snap)) {
            assertEquals(a.names(), b.names());
            for (String n : a.names()) {
                assertArrayEquals(a.get(n).toDoubleArray(), b.get(n).toDoubleArray(), 0.0, n);
            }
        }
    }

    @Test
    void shardedCheckpointIsReadThroughTheLinks() throws IOException {
        Path src = tmp.resolve("sharded");
        Files.createDirectories(src);
        Safetensors.write(src.resolve("model-00001-of-00002.safetensors"),
                Map.of("a.weight", Tensor.ofDoubles(DType.F32, new long[] {2}, new double[] {1, 2})), Map.of());
        Safetensors.write(src.resolve("model-00002-of-00002.safetensors"),
                Map.of("b.weight", Tensor.ofDoubles(DType.F32, new long[] {1}, new double[] {3})), Map.of());
        Files.writeString(src.resolve(Checkpoint.INDEX), "{\"weight_map\":{\"a.weight\":\"model-00001-of-00002.safetensors\","
                + "\"b.weight\":\"model-00002-of-00002.safetensors\"}}");
        Path repo = FakeHubCache.build(src, tmp.resolve("hub"), "model", "o/sharded", REV);
        try (Checkpoint c = Checkpoint.open(ModelLocation.resolve(repo).dir())) {
            assertArrayEquals(new double[] {1, 2}, c.get("a.weight").toDoubleArray(), 0.0);
            assertArrayEquals(new double[] {3}, c.get("b.weight").toDoubleArray(), 0.0);
        }
    }

    @Test
    void repositoryWithoutRefsMainListsRefsAndSnapshotsAndSaysWhatToGive() throws IOException {
        Path repo = hubModel();
        Files.delete(repo.resolve("refs/main"));
        Files.createDirectories(repo.resolve("refs/pr"));
        Files.writeString(repo.resolve("refs/pr/1"), REV);
        String m = error(repo);
        assertTrue(m.startsWith(repo + ": "), m);
        assertTrue(m.contains("no refs/main") || m.contains("without refs/main"), m);
        assertTrue(m.contains("pr/1") && m.contains(REV), m);
        assertTrue(m.contains(repo.resolve("snapshots").resolve(REV).toString()), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void refNamingAMissingSnapshotIsRefused() throws IOException {
        Path repo = hubModel();
        Files.writeString(repo.resolve("refs/main"), "ffffffffffffffffffffffffffffffffffffffff\n");
        String m = error(repo);
        assertTrue(m.startsWith(repo + ": "), m);
        assertTrue(m.contains("ffffffffffffffffffffffffffffffffffffffff") && m.contains("missing"), m);
        assertTrue(m.contains(REV), "lists the snapshots that exist: " + m);
    }

    @Test
    void refThatIsNotARevisionIsRefused() throws IOException {
        Path repo = hubModel();
        Files.writeString(repo.resolve("refs/main"), "../../../etc");
        String m = error(repo);
        assertTrue(m.startsWith(repo.resolve("refs/main") + ": "), m);
    }

    @Test
    void danglingLinkInTheSnapshotIsRefusedNamingTheFile() throws IOException {
        Path repo = hubModel();
        Path snap = repo.resolve("snapshots").resolve(REV);
        Files.delete(snap.resolve("model.safetensors").toRealPath());
        for (Path p : new Path[] {repo, snap}) {
            String m = error(p);
            assertTrue(m.startsWith(snap.resolve("model.safetensors") + ": "), m);
            assertTrue(m.contains("does not exist"), m);
        }
    }

    @Test
    void snapshotCopiedWithoutItsBlobsIsRefused() throws IOException {
        Path snap = hubModel().resolve("snapshots").resolve(REV);
        Path copy = tmp.resolve("copied");
        Files.createDirectories(copy);
        try (var s = Files.list(snap)) {
            for (Path p : s.toList()) {
                Files.createSymbolicLink(copy.resolve(p.getFileName()), Files.readSymbolicLink(p));
            }
        }
        String m = error(copy);
        assertTrue(m.contains("config.json") && m.contains("more such links"), m);
    }

    @Test
    void missingFilesAndFoldersAreNamed() throws IOException {
        assertEquals(tmp.resolve("nope") + ": no config.json", error(tmp.resolve("nope")));
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertEquals(file + ": no config.json", error(file));
        Path toNothing = Files.createSymbolicLink(tmp.resolve("gone"), tmp.resolve("nope"));
        assertTrue(error(toNothing).startsWith(toNothing + ": symbolic link to nothing"));
        Path repo = hubModel();
        Files.delete(repo.resolve("snapshots").resolve(REV).resolve("tokenizer.json"));
        String m = error(repo);
        assertEquals(repo.resolve("snapshots").resolve(REV) + ": no tokenizer.json", m);
        Path noWeights = tmp.resolve("noweights");
        Files.createDirectories(noWeights);
        Files.writeString(noWeights.resolve("config.json"), "{}");
        Files.writeString(noWeights.resolve("tokenizer.json"), "{}");
        assertTrue(error(noWeights).contains("no model.safetensors"));
    }

    @Test
    void adapterFolderInTheHubCacheResolvesToo() throws IOException {
        Path src = tmp.resolve("adapter");
        Files.createDirectories(src);
        Files.writeString(src.resolve("adapter_config.json"), "{}");
        Files.writeString(src.resolve("adapter_model.safetensors"), "x");
        Path repo = FakeHubCache.build(src, tmp.resolve("hub"), "model", "o/my-lora", REV);
        ModelLocation l = ModelLocation.checkAdapter(repo);
        assertEquals("my-lora", l.name());
        Files.delete(src.resolve("adapter_model.safetensors"));
        assertTrue(assertThrows(LandscapeException.class, () -> ModelLocation.checkAdapter(src)).getMessage()
                .endsWith(": no adapter_model.safetensors"));
    }

    @Test
    void datasetRepositoriesResolveTheSameWay() {
        Path repo = FakeHubCache.build(Golden.file("models", "tiny-llama3"), tmp.resolve("hub"), "dataset", "cais/mmlu", REV);
        HubCache.Location l = HubCache.resolve(repo);
        assertEquals("mmlu", l.name());
        assertEquals("cais/mmlu", l.repoId());
        assertTrue(l.inHubCache());
    }
}
