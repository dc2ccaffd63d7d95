package landscape.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.testing.FakeHubCache;
import landscape.core.testing.Golden;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The models sheet, read against the repository's assets/schema_models.json. */
class ModelSheetTest {
    static final Path SCHEMA = Golden.repositoryRoot().resolve("assets/schema_models.json");

    @TempDir
    Path launch;

    ModelSheet sheet;

    @BeforeEach
    void setUp() throws IOException {
        sheet = new ModelSheet(SCHEMA);
        model("models/tiny");
        model("models/other");
        adapter("adapters/ft");
    }

    Path model(String dir) throws IOException {
        Path m = Files.createDirectories(launch.resolve(dir));
        Files.writeString(m.resolve("config.json"), "{}");
        Files.writeString(m.resolve("tokenizer.json"), "{}");
        Files.writeString(m.resolve("model.safetensors"), "");
        return m;
    }

    Path adapter(String dir) throws IOException {
        Path a = Files.createDirectories(launch.resolve(dir));
        Files.writeString(a.resolve("adapter_config.json"), "{}");
        Files.writeString(a.resolve("adapter_model.safetensors"), "");
        return a;
    }

    Path csv(String text) throws IOException {
        return Files.writeString(launch.resolve("sheet.csv"), text);
    }

    String error(Object models) {
        LandscapeException e = assertThrows(LandscapeException.class, () -> sheet.read(models, launch));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("--models: "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void schemaNamePatternAndMessageAreTheSafeNameRule() throws IOException {
        JsonNode name = Json.MAPPER.readTree(SCHEMA.toFile()).at("/items/properties/name");
        assertEquals(SafeName.PATTERN, name.get("pattern").asText());
        assertEquals(SafeName.RULE, name.get("errorMessage").asText());
        assertEquals(List.of("name", "path", "adapter"), sheet.columns());
    }

    @Test
    void directoryCommaListAndListAreRowsNamedAfterTheirFolders() {
        List<ModelSheet.Row> rows = sheet.read("models/tiny, models/other", launch);
        assertEquals(List.of("tiny", "other"), rows.stream().map(ModelSheet.Row::name).toList());
        assertEquals(launch.resolve("models/tiny"), rows.get(0).model());
        assertNull(rows.get(0).adapter());
        assertEquals(RunType.PRETRAINED, rows.get(0).type());
        assertEquals(rows, sheet.read(List.of("models/tiny", launch.resolve("models/other")), launch));
        assertEquals("tiny", sheet.read("models/tiny/", launch).get(0).name());
    }

    @Test
    void sheetRowsKeepTheirOrderNamesAndAdapters() throws IOException {
        csv("name,path,adapter\nbase,models/tiny,\n\"ft-1\",models/tiny,adapters/ft\n,models/other,\n");
        List<ModelSheet.Row> rows = sheet.read("sheet.csv", launch);
        assertEquals(List.of("base", "ft-1", "other"), rows.stream().map(ModelSheet.Row::name).toList());
        assertEquals(List.of(RunType.PRETRAINED, RunType.FINETUNED, RunType.PRETRAINED),
                rows.stream().map(ModelSheet.Row::type).toList());
        assertEquals(launch.resolve("adapters/ft"), rows.get(1).adapter());
    }

    @Test
    void sheetWithoutNameOrAdapterColumnIsRead() throws IOException {
        csv("path\nmodels/tiny\n");
        assertEquals("tiny", sheet.read(launch.resolve("sheet.csv").toString(), launch).get(0).name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"with space", "it's", "say \"x\"", "m$(touch PWNED)", "m`id`", "modèle", ".hidden", "-dash"})
    void unsafeFolderNameIsRefusedWithTheWayOut(String folder) throws IOException {
        model("models/" + folder);
        String m = error(launch.resolve("models/" + folder).toString());
        assertTrue(m.startsWith("--models: model name '" + folder + "' (the name of the directory "), m);
        assertTrue(m.contains(SafeName.RULE), m);
        assertTrue(m.endsWith("; give the model a name in a sheet (name,path[,adapter])"), m);
    }

    static List<String> unsafeSheetNames() {
        return List.of("../../x", "..", "org/model", "a b", "m$(id)", "modèle", "x".repeat(129));
    }

    @ParameterizedTest
    @MethodSource("unsafeSheetNames")
    void unsafeSheetNameIsRefused(String name) throws IOException {
        csv("name,path\nok,models/tiny\n" + (name.contains(",") ? "\"" + name + "\"" : name) + ",models/other\n");
        assertEquals("--models: model name '" + name + "' (sheet.csv line 3) " + SafeName.RULE, error("sheet.csv"));
    }

    @Test
    void unsafeFolderBehindASafeSheetNameIsAccepted() throws IOException {
        Path odd = model("models/m$(touch PWNED) 'q'");
        csv("name,path\nodd,\"" + odd + "\"\n");
        ModelSheet.Row row = sheet.read("sheet.csv", launch).get(0);
        assertEquals("odd", row.name());
        assertEquals(odd, row.model());
    }

    @Test
    void duplicateNamesAreRefusedWhereverTheyComeFrom() throws IOException {
        model("elsewhere/tiny");
        assertEquals("--models: model name 'tiny' is used twice (the directory models/tiny and the directory"
                + " elsewhere/tiny); give each model a distinct name in a sheet (name,path[,adapter])",
                error("models/tiny,elsewhere/tiny"));
        csv("name,path\na,models/tiny\na,models/other\n");
        assertTrue(error("sheet.csv").startsWith("--models: model name 'a' is used twice (sheet.csv line 2 and sheet.csv line 3)"));
    }

    @Test
    void missingOrIncompleteDirectoriesAreNamed() throws IOException {
        assertEquals("--models: model directory models/absent does not exist", error("models/tiny,models/absent"));
        Files.createDirectories(launch.resolve("models/notok"));
        Files.writeString(launch.resolve("models/notok/config.json"), "{}");
        assertEquals("--models: model directory models/notok has no tokenizer.json", error(List.of("models/notok")));
        csv("name,path,adapter\nft,models/tiny,adapters/gone\n");
        assertEquals("--models: adapter directory adapters/gone (sheet.csv line 2) does not exist", error("sheet.csv"));
        Files.createDirectories(launch.resolve("adapters/empty"));
        csv("name,path,adapter\nft,models/tiny,adapters/empty\n");
        assertEquals("--models: adapter directory adapters/empty (sheet.csv line 2) has no adapter_config.json",
                error("sheet.csv"));
        csv("name,path\nx,models/gone\n");
        assertEquals("--models: model directory models/gone (sheet.csv line 2) does not exist", error("sheet.csv"));
    }

    @Test
    void badSheetsAreNamed() throws IOException {
        assertEquals("--models: model sheet nope.csv does not exist", error("nope.csv"));
        csv("name,path,adaptor\nx,models/tiny,\n");
        assertEquals("--models: model sheet sheet.csv: unknown column 'adaptor' (the columns are name, path, adapter)",
                error("sheet.csv"));
        csv("name,adapter\nx,\n");
        assertTrue(error("sheet.csv").startsWith("--models: model sheet sheet.csv has no column 'path'"));
        csv("name,path,adapter\ntiny,models/tiny,\nx,,\n");
        assertEquals("--models: model sheet sheet.csv line 3 has no path", error("sheet.csv"));
        csv("name,path\n");
        assertEquals("--models: model sheet sheet.csv has no rows", error("sheet.csv"));
        csv("name,path\nx,models/tiny,extra\n");
        assertEquals("--models: model sheet sheet.csv line 2 has 3 fields, the header 2", error("sheet.csv"));
        assertEquals("--models: no model given (a model directory, a comma-separated list, or a CSV sheet"
                + " name,path[,adapter])", error(" , "));
    }

    @Test
    void symbolicLinksAreFollowedAsInAHubCacheSnapshot() throws IOException {
        Path blobs = Files.createDirectories(launch.resolve("hub/blobs"));
        Files.writeString(blobs.resolve("a1"), "{}");
        Files.writeString(blobs.resolve("b2"), "{}");
        Path snapshot = Files.createDirectories(launch.resolve("hub/snapshots/abc123"));
        Files.createSymbolicLink(snapshot.resolve("config.json"), Path.of("../../blobs/a1"));
        Files.createSymbolicLink(snapshot.resolve("tokenizer.json"), Path.of("../../blobs/b2"));
        Files.createSymbolicLink(snapshot.resolve("model.safetensors"), Path.of("../../blobs/a1"));
        Path linked = Files.createSymbolicLink(launch.resolve("linked-model"), snapshot);
        List<ModelSheet.Row> rows = sheet.read(List.of(snapshot.toString(), linked.toString()), launch);
        assertEquals(List.of("abc123", "linked-model"), rows.stream().map(ModelSheet.Row::name).toList());
        Files.delete(blobs.resolve("b2")); // a dangling link (a partial download) is named
        String m = error(snapshot.toString());
        assertTrue(m.startsWith("--models: model directory " + snapshot) && m.contains("tokenizer.json"), m);
    }

    @Test
    void hubCacheFolderIsReadAtItsSnapshotAndNamedAfterTheRepository() throws IOException {
        Path source = model("plain/Meta-Llama-3-8B");
        Files.writeString(source.resolve("model.safetensors"), "");
        String rev = "0123456789abcdef0123456789abcdef01234567";
        Path repo = FakeHubCache.build(source, launch.resolve("hub"), "model", "meta-llama/Meta-Llama-3-8B", rev);
        Path snapshot = repo.resolve("snapshots").resolve(rev);
        List<ModelSheet.Row> rows = sheet.read(List.of(repo.toString()), launch);
        assertEquals("Meta-Llama-3-8B", rows.get(0).name());
        assertEquals(snapshot.toRealPath(), rows.get(0).model().toRealPath(), "the snapshot is what EXTRACT stages");
        rows = sheet.read(List.of(snapshot.toString()), launch);
        assertEquals("Meta-Llama-3-8B", rows.get(0).name(), "a snapshot folder is named after its repository");
        Files.delete(repo.resolve("refs/main"));
        String m = error(repo.toString());
        assertTrue(m.startsWith("--models: model directory " + repo + ": ") && m.contains("refs/main"), m);
    }

    @Test
    void modelDirectoryWithoutWeightsIsRefused() throws IOException {
        model("models/noweights").resolve("model.safetensors").toFile().delete();
        assertEquals("--models: model directory models/noweights has no model.safetensors or model.safetensors.index.json",
                error("models/noweights"));
    }

    @Test
    void schemaWithAKeywordTheReaderDoesNotApplyIsRefused() throws IOException {
        String text = Files.readString(SCHEMA).replace("\"exists\": true,", "\"exists\": true, \"minLength\": 3,");
        Path schema = Files.writeString(launch.resolve("schema.json"), text);
        LandscapeException e = assertThrows(LandscapeException.class, () -> new ModelSheet(schema));
        assertTrue(e.getMessage().contains("minLength: keyword not applied by the models sheet reader"), e.getMessage());
    }
}
