package landscape.nf;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import landscape.core.LandscapeException;
import landscape.core.run.SafeName;
import landscape.core.testing.Golden;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParamsValidatorTest {
    @TempDir
    Path launch;

    ParamsValidator validator;

    /** The test schema in a pipeline folder of its own, beside the repository's models sheet schema. */
    @BeforeEach
    void setUp() throws IOException, URISyntaxException {
        Path pipeline = Files.createDirectories(launch.resolve("pipeline/assets"));
        Files.copy(Golden.repositoryRoot().resolve("assets/schema_models.json"), pipeline.resolve("schema_models.json"));
        Path schema = Files.copy(Path.of(getClass().getResource("/schema/nextflow_schema.json").toURI()),
                launch.resolve("pipeline/nextflow_schema.json"));
        validator = new ParamsValidator(schema);
        Path model = Files.createDirectories(launch.resolve("models/tiny"));
        Files.writeString(model.resolve("config.json"), "{}");
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        Files.writeString(model.resolve("model.safetensors"), "");
        Files.writeString(Files.createDirectories(launch.resolve("data/mmlu/test")).resolve("anatomy_test.csv"),
                "q,a,b,c,d,A\n");
    }

    Map<String, Object> good() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("models", "models/tiny");
        p.put("shots", List.of(0, 1, 2, 5));
        p.put("dataset", "data/mmlu");
        p.put("split", "test");
        p.put("mask", null);
        p.put("maxk", 1000);
        p.put("z", 1.6);
        p.put("outdir", "results");
        p.put("max_memory", "8.GB");
        return p;
    }

    String error(Map<String, Object> params) {
        LandscapeException e = assertThrows(LandscapeException.class, () -> validator.validate(params, launch));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void groupsOfTheSchemaAreAllKnown() {
        assertEquals(List.of("dataset", "mask", "max_memory", "maxk", "models", "outdir", "shots", "split", "z"),
                List.copyOf(validator.knownParameters()));
    }

    @Test
    void validParamsPass() {
        assertDoesNotThrow(() -> validator.validate(good(), launch));
    }

    @Test
    void shotsGivenAsCommaStringOrSingleNumberAreChecked() {
        Map<String, Object> p = good();
        p.put("shots", "0,1,5");
        assertDoesNotThrow(() -> validator.validate(p, launch));
        p.put("shots", 3);
        assertDoesNotThrow(() -> validator.validate(p, launch));
        p.put("shots", "0,1,7");
        String m = error(p);
        assertTrue(m.startsWith("invalid parameter --shots[2]"), m);
        assertTrue(m.contains("5"), m);
    }

    @Test
    void shotsBelowZeroOrAboveFiveAreRefused() {
        Map<String, Object> p = good();
        p.put("shots", List.of(0, 6));
        assertTrue(error(p).startsWith("invalid parameter --shots[1]"));
        p.put("shots", -1);
        assertTrue(error(p).startsWith("invalid parameter --shots"));
    }

    @Test
    void unknownParameterIsNamedWithASuggestion() {
        Map<String, Object> p = good();
        p.put("maxkk", 5);
        assertEquals("unknown parameter --maxkk (not in nextflow_schema.json); did you mean --maxk?", error(p));
    }

    @Test
    void camelCaseAliasOfAKebabParameterIsNotReportedTwice() {
        Map<String, Object> p = good();
        p.put("max-memory", "8.GB");
        p.put("maxMemory", "8.GB");
        assertTrue(error(p).startsWith("unknown parameter --max-memory"));
    }

    @Test
    void wrongTypeIsRefused() {
        Map<String, Object> p = good();
        p.put("maxk", "many");
        String m = error(p);
        assertTrue(m.startsWith("invalid parameter --maxk:"), m);
        assertTrue(m.contains("integer"), m);
    }

    @Test
    void patternAndEnumAreApplied() {
        Map<String, Object> p = good();
        p.put("split", "train");
        assertTrue(error(p).startsWith("invalid parameter --split:"));
    }

    @Test
    void missingModelDirectoryIsRefused() {
        Map<String, Object> p = good();
        p.put("models", "models/tiny,models/absent");
        assertEquals("--models: model directory models/absent does not exist", error(p));
    }

    @Test
    void modelWithoutTokenizerIsRefused() throws IOException {
        Path m = Files.createDirectories(launch.resolve("models/notok"));
        Files.writeString(m.resolve("config.json"), "{}");
        Map<String, Object> p = good();
        p.put("models", List.of("models/tiny", "models/notok"));
        assertEquals("--models: model directory models/notok has no tokenizer.json", error(p));
    }

    @Test
    void modelSheetIsReadAgainstTheSheetSchemaTheModelsPropertyNames() throws IOException {
        Files.writeString(launch.resolve("sheet.csv"), "name,path\ntiny,models/tiny\ngone,models/gone\n");
        Map<String, Object> p = good();
        p.put("models", "sheet.csv");
        assertEquals("--models: model directory models/gone (sheet.csv line 3) does not exist", error(p));
        Files.writeString(launch.resolve("sheet.csv"), "name,path\nLlama 3 8B,models/tiny\n");
        assertEquals("--models: model name 'Llama 3 8B' (sheet.csv line 2) " + SafeName.RULE, error(p));
        Files.writeString(launch.resolve("sheet.csv"), "name,path\nmeta-llama/Llama-3-8B,models/tiny\n");
        assertTrue(error(p).startsWith("--models: model name 'meta-llama/Llama-3-8B' (sheet.csv line 2) "));
        Path adapter = Files.createDirectories(launch.resolve("adapters/ft"));
        Files.writeString(adapter.resolve("adapter_config.json"), "{}");
        Files.writeString(adapter.resolve("adapter_model.safetensors"), "");
        Files.writeString(launch.resolve("sheet.csv"), "name,path,adapter\ntiny,models/tiny,\nft,models/tiny,adapters/ft\n");
        assertDoesNotThrow(() -> validator.validate(p, launch));
    }

    @Test
    void folderGivenAloneIsNamedAfterItAndThatNameIsChecked() throws IOException {
        Path odd = Files.createDirectories(launch.resolve("models/m$(touch PWNED)"));
        Files.writeString(odd.resolve("config.json"), "{}");
        Files.writeString(odd.resolve("tokenizer.json"), "{}");
        Files.writeString(odd.resolve("model.safetensors"), "");
        Map<String, Object> p = good();
        p.put("models", "models/m$(touch PWNED)");
        assertTrue(error(p).startsWith("--models: model name 'm$(touch PWNED)' (the name of the directory "));
    }

    @Test
    void withoutASheetSchemaModelsAreNotRead() throws IOException {
        Path schema = launch.resolve("plain.json");
        Files.writeString(schema, """
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                 "properties": {"models": {"type": "string"}}}
                """);
        assertDoesNotThrow(() -> new ParamsValidator(schema).validate(Map.of("models", "models/absent"), launch));
    }

    @Test
    void missingDatasetSplitIsRefused() throws IOException {
        Map<String, Object> p = good();
        p.put("split", "val");
        String m = error(p);
        assertTrue(m.startsWith("--split val: "), m);
        assertTrue(m.contains("data/mmlu/val: no such split folder"), m);
    }

    @Test
    void datasetInTheHubParquetLayoutPassesAndItsSplitsAreChecked() throws IOException {
        Path hub = Golden.repositoryRoot().resolve("extract/src/test/resources/mmlu-hub");
        Map<String, Object> p = good();
        p.put("dataset", hub.toString());
        p.put("split", "dev");
        assertDoesNotThrow(() -> validator.validate(p, launch));
        p.put("split", "val");
        String none = error(p);
        assertTrue(none.startsWith("--split val: ") && none.contains("no validation parquet file"), none);
        Path testOnly = Files.createDirectories(launch.resolve("mmlu-test-only/all"));
        Files.copy(hub.resolve("all/test-00000-of-00001.parquet"), testOnly.resolve("test-00000-of-00001.parquet"));
        p.put("dataset", "mmlu-test-only");
        p.put("split", "test");
        assertDoesNotThrow(() -> validator.validate(p, launch));
        p.put("split", "dev");
        String m = error(p);
        assertTrue(m.startsWith("--split dev: ") && m.contains("no dev parquet file"), m);
    }

    @Test
    void existsOnAFilePathIsChecked() {
        Map<String, Object> p = good();
        p.put("mask", "nomask.npy");
        assertEquals("--mask: file nomask.npy does not exist", error(p));
    }

    @Test
    void missingRequiredParameterIsRefused() {
        Map<String, Object> p = good();
        p.remove("models");
        String m = error(p);
        assertTrue(m.startsWith("invalid parameter") && m.contains("models"), m);
    }

    @Test
    void draft07SchemaWithDefinitionsGroupsIsUnderstood() throws IOException {
        Path schema = launch.resolve("draft07.json");
        Files.writeString(schema, """
                {"$schema": "http://json-schema.org/draft-07/schema", "type": "object",
                 "definitions": {"g": {"type": "object", "fa_icon": "x", "properties": {
                    "shots": {"type": ["array", "string", "integer"], "items": {"type": "integer", "minimum": 0, "maximum": 5}},
                    "outdir": {"type": "string", "hidden": true}}}},
                 "allOf": [{"$ref": "#/definitions/g"}]}
                """);
        ParamsValidator v = new ParamsValidator(schema);
        assertDoesNotThrow(() -> v.validate(Map.of("shots", "0,5", "outdir", "r"), launch));
        LandscapeException e = assertThrows(LandscapeException.class, () -> v.validate(Map.of("shots", List.of(9)), launch));
        assertTrue(e.getMessage().startsWith("invalid parameter --shots[0]"), e.getMessage());
        LandscapeException u = assertThrows(LandscapeException.class, () -> v.validate(Map.of("models", "m"), launch));
        assertTrue(u.getMessage().startsWith("unknown parameter --models"), u.getMessage());
    }

    @Test
    void schemaThatIsNotJsonIsAOneLineError() throws IOException {
        Path bad = launch.resolve("nextflow_schema.json");
        Files.writeString(bad, "{ not json");
        LandscapeException e = assertThrows(LandscapeException.class, () -> new ParamsValidator(bad));
        assertTrue(e.getMessage().startsWith(bad + ": cannot read JSON schema"), e.getMessage());
    }

    @Test
    void gpuRequestsAreCheckedTogetherWhenTheSchemaDeclaresThem() throws IOException {
        // the repository's own schema: every parameter that decides the GPUs of EXTRACT is in it
        ParamsValidator v = new ParamsValidator(Golden.repositoryRoot().resolve("nextflow_schema.json"));
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("device", "gpu");
        p.put("gpus_per_extract", "auto");
        p.put("device_memory", "80G");
        p.put("placement", "stream");
        p.put("gpu_cluster_options", "--gres=gpu:a100:1 --account=lab");
        assertDoesNotThrow(() -> v.validate(p, launch));
        p.remove("device_memory");
        LandscapeException e = assertThrows(LandscapeException.class, () -> v.validate(p, launch));
        assertTrue(e.getMessage().startsWith("--gpus_per_extract auto plans each model on GPUs of --device_memory"),
                e.getMessage());
        p.put("device_memory", "80G");
        p.put("gpu_cluster_options", "--partition=a100");
        e = assertThrows(LandscapeException.class, () -> v.validate(p, launch));
        assertTrue(e.getMessage().startsWith("--gpu_cluster_options: choose the partition with --gpu_queue"),
                e.getMessage());
        p.put("gpu_cluster_options", true); // --gpu_cluster_options '' on the command line
        p.put("gpus_per_extract", -1);
        e = assertThrows(LandscapeException.class, () -> v.validate(p, launch));
        assertTrue(e.getMessage().startsWith("invalid parameter --gpus_per_extract"), e.getMessage());
    }

    /** The repository's own schema, with the params of nextflow.config's defaults that a case needs. */
    ParamsValidator repositoryValidator() {
        return new ParamsValidator(Golden.repositoryRoot().resolve("nextflow_schema.json"));
    }

    /** {@code entries} (name, value, ...) over the defaults that every run has ({@code gpus_per_extract 1}). */
    static Map<String, Object> run(Object... entries) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("gpus_per_extract", 1);
        for (int i = 0; i < entries.length; i += 2) {
            p.put((String) entries[i], entries[i + 1]);
        }
        return p;
    }

    @Test
    void publishModeMoveIsRefusedSinceEveryOutputFeedsALaterStep() {
        // EXTRACT's representation dirs are read by ANALYZE, its stats by SUMMARIZE, the summaries by PLOT: moved
        // out of the work directory, the next step finds nothing (and -resume has nothing to reuse)
        ParamsValidator v = repositoryValidator();
        assertDoesNotThrow(() -> v.validate(run("publish_dir_mode", "link"), launch));
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> v.validate(run("publish_dir_mode", "move"), launch));
        assertTrue(e.getMessage().startsWith("invalid parameter --publish_dir_mode:"), e.getMessage());
    }

    @Test
    void extractingWithoutADatasetIsRefusedNamingTheParameter() {
        // nextflow.config's defaults: no dataset, no representations; the run would otherwise fail later in the
        // workflow with Nextflow's "Argument of `file` function cannot be null"
        ParamsValidator v = repositoryValidator();
        Map<String, Object> p = run();
        p.put("models", "models/tiny");
        p.put("tiny_model", false);
        p.put("representations", null);
        p.put("dataset", null);
        p.put("split", "test");
        LandscapeException e = assertThrows(LandscapeException.class, () -> v.validate(p, launch));
        assertTrue(e.getMessage().startsWith("--dataset: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        p.put("models", null);
        p.put("tiny_model", true);
        e = assertThrows(LandscapeException.class, () -> v.validate(p, launch));
        assertTrue(e.getMessage().startsWith("--dataset: "), e.getMessage());
        // existing representations need no dataset
        p.put("tiny_model", false);
        p.put("representations", "results/layers");
        assertDoesNotThrow(() -> v.validate(p, launch));
        p.put("representations", null);
        p.put("models", "models/tiny");
        p.put("dataset", "data/mmlu");
        assertDoesNotThrow(() -> v.validate(p, launch));
    }

    @Test
    void layersWithNoPointAtOrAboveFirstLayerAreRefusedBeforeAnythingIsExtracted() {
        // every point extracted would be below --first_layer: EXTRACT would run (on a GPU) for nothing to analyse
        ParamsValidator v = repositoryValidator();
        Map<String, Object> p = run("models", "models/tiny", "tiny_model", false, "representations", null, "dataset",
                "data/mmlu", "split", "test", "first_layer", 1, "layers", "0");
        LandscapeException e = assertThrows(LandscapeException.class, () -> v.validate(p, launch));
        assertEquals("--layers 0: no extraction point at or above --first_layer 1, so nothing would be analysed;"
                + " add points >= 1 or lower --first_layer", e.getMessage());
        p.put("layers", 0);
        assertThrows(LandscapeException.class, () -> v.validate(p, launch));
        p.put("layers", " 0 - 2 , 1 ");
        p.put("first_layer", 3);
        e = assertThrows(LandscapeException.class, () -> v.validate(p, launch));
        assertTrue(e.getMessage().startsWith("--layers  0 - 2 , 1 : no extraction point at or above --first_layer 3"),
                e.getMessage());
        for (Object fine : new Object[] {"0-3", "all", 5, "0,7"}) {
            p.put("layers", fine);
            assertDoesNotThrow(() -> v.validate(p, launch), String.valueOf(fine));
        }
        p.put("layers", "0");
        p.put("first_layer", 0);
        assertDoesNotThrow(() -> v.validate(p, launch));
        // existing runs are analysed as they are; --layers only concerns an extraction
        p.put("first_layer", 1);
        p.put("models", null);
        p.put("representations", "results/layers");
        assertDoesNotThrow(() -> v.validate(p, launch));
    }

    @Test
    void queueNamesAndSiteOptionsCannotBreakTheJobScriptsHeader() {
        // both are written into #SBATCH lines of a bash script: a line break there starts a command
        ParamsValidator v = repositoryValidator();
        assertDoesNotThrow(() -> v.validate(run("gpu_queue", "gpu-a100", "cpu_queue", "cpu,cpu_long"), launch));
        for (String q : List.of("gpu\ntouch PWNED", "gpu a100", "gpu;touch PWNED", "")) {
            LandscapeException e = assertThrows(LandscapeException.class,
                    () -> v.validate(run("gpu_queue", q), launch), q);
            assertTrue(e.getMessage().startsWith("invalid parameter --gpu_queue:"), e.getMessage());
            e = assertThrows(LandscapeException.class, () -> v.validate(run("cpu_queue", q), launch), q);
            assertTrue(e.getMessage().startsWith("invalid parameter --cpu_queue:"), e.getMessage());
        }
        assertDoesNotThrow(() -> v.validate(run("gpu_cluster_options", "--account=lab --comment='a b'"), launch));
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> v.validate(run("gpu_cluster_options", "--account=lab\ntouch PWNED"), launch));
        assertTrue(e.getMessage().startsWith("invalid parameter --gpu_cluster_options:"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void modelsAreNotSilentlyReplacedByTheTinyModelOrByExistingRepresentations() {
        // the test profile sets tiny_model: `-profile test --models m` extracted the tiny model and said nothing
        ParamsValidator v = repositoryValidator();
        Map<String, Object> p = run("models", "models/tiny", "tiny_model", true, "representations", null,
                "dataset", "data/mmlu", "split", "test");
        LandscapeException e = assertThrows(LandscapeException.class, () -> v.validate(p, launch));
        assertTrue(e.getMessage().startsWith("--models: ") && e.getMessage().contains("--tiny_model false"),
                e.getMessage());
        p.put("tiny_model", false);
        p.put("representations", "results/layers");
        e = assertThrows(LandscapeException.class, () -> v.validate(p, launch));
        assertTrue(e.getMessage().startsWith("--models: ") && e.getMessage().contains("--representations"),
                e.getMessage());
        p.put("representations", null);
        assertDoesNotThrow(() -> v.validate(p, launch));
        // the test profile's tiny model beside existing representations: they are analysed, nothing is extracted
        p.put("models", null);
        p.put("tiny_model", true);
        p.put("representations", "results/layers");
        assertDoesNotThrow(() -> v.validate(p, launch));
    }

    @Test
    void aRunWithNothingToExtractOrAnalyseStopsAtTheCheckNamingModels() {
        // nextflow.config's defaults alone (`./landscape run`): refused before the run opens its trace file
        ParamsValidator v = repositoryValidator();
        Map<String, Object> p = run("models", null, "tiny_model", false, "representations", null, "dataset", null);
        LandscapeException e = assertThrows(LandscapeException.class, () -> v.validate(p, launch));
        assertTrue(e.getMessage().startsWith("--models: not given;") && e.getMessage().contains("--representations"),
                e.getMessage());
    }

    @Test
    void maxMemoryTakesExactlyTheSizesNextflowReads() {
        // nextflow.config casts it to a MemoryUnit and leaves the cap out when that fails, for this check to report:
        // what the pattern lets through must cast (checked against Nextflow 24.10's MemoryUnit)
        ParamsValidator v = repositoryValidator();
        for (String ok : List.of("128.GB", "1.5GB", "1.5 GB", "64 GB", "2.KB", "10B", "10 B")) {
            assertDoesNotThrow(() -> v.validate(run("max_memory", ok), launch), ok);
        }
        for (String bad : List.of("1.5.GB", "1.B", "1.5B", "64G", "lots")) {
            LandscapeException e = assertThrows(LandscapeException.class, () -> v.validate(run("max_memory", bad), launch), bad);
            assertTrue(e.getMessage().startsWith("invalid parameter --max_memory:"), e.getMessage());
        }
    }
}
