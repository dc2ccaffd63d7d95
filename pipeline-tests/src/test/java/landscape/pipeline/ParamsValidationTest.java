package landscape.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad parameters stop the run at start with one clear line, before any task is submitted. The plugin checks
 * params against nextflow_schema.json. Each case starts from the valid test profile and breaks one thing; the
 * runs use -stub-run, so a check that let a bad value through would show up as tasks in the trace. A refused run
 * leaves no trace, timeline or report file behind (the check runs before Nextflow opens them).
 */
class ParamsValidationTest {

    static Stream<Arguments> badParameters() {
        return Stream.of(
                Arguments.of("unknown parameter", List.of("--shotz", "2"), "shotz"),
                Arguments.of("wrong type", List.of("--maxk", "many"), "maxk"),
                Arguments.of("shots above 5", List.of("--shots", "0,7"), "shots"),
                Arguments.of("negative shots", List.of("--shots", "-1"), "shots"),
                Arguments.of("no model, no tiny model, no representations", List.of("--tiny_model", "false"), "--models"),
                Arguments.of("missing model directory", List.of("--tiny_model", "false", "--models", "@missing-model"), "models"),
                Arguments.of("model without tokenizer.json",
                        List.of("--tiny_model", "false", "--models", "@model-without-tokenizer"), "tokenizer.json"),
                Arguments.of("adapter without adapter_config.json",
                        List.of("--tiny_model", "false", "--models", "@sheet-bad-adapter.csv"), "adapter_config.json"),
                Arguments.of("missing dataset split", List.of("--split", "train"), "train"),
                Arguments.of("GPUs from the plan without the GPUs' memory", List.of("--device", "gpu",
                        "--gpus_per_extract", "auto"), "--device_memory"),
                Arguments.of("a partition in the site options", List.of("--gpu_cluster_options", "--account=x -p gpu"),
                        "--gpu_queue"),
                Arguments.of("a GPU list that needs more GPUs than requested", List.of("--devices", "gpu:0,gpu:1"),
                        "--gpus_per_extract"),
                // the caps are read by the configs (process.resourceLimits) before the check runs
                Arguments.of("max_cpus not a number", List.of("--max_cpus", "many"), "--max_cpus"),
                Arguments.of("max_memory not a size", List.of("--max_memory", "lots"), "--max_memory"),
                Arguments.of("max_time not a duration", List.of("--max_time", "forever"), "--max_time"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badParameters")
    void badParameterStopsWithOneLineBeforeAnythingIsSubmitted(String what, List<String> bad, String mentioned) throws IOException {
        Path dir = PipelineRun.newLaunchDir("params");
        Path noTokenizer = Files.createDirectories(dir.resolve("model-without-tokenizer"));
        Files.writeString(noTokenizer.resolve("config.json"), "{}");
        Path model = Files.createDirectories(dir.resolve("model-ok"));
        Files.writeString(model.resolve("config.json"), "{}");
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        Files.writeString(model.resolve("model.safetensors"), "");
        Path notAnAdapter = Files.createDirectories(dir.resolve("adapter-empty"));
        Files.writeString(dir.resolve("sheet-bad-adapter.csv"), "name,path,adapter\nft," + model + "," + notAnAdapter + "\n");

        List<String> args = new ArrayList<>(List.of("-stub-run", "-profile", "test"));
        for (String a : bad) {
            args.add(a.startsWith("@") ? dir.resolve(a.substring(1)).toString() : a);
        }
        PipelineRun.Result run = PipelineRun.run(dir, "bad", Map.of(), args.toArray(String[]::new));

        assertNotEquals(0, run.exitCode(), what + ": the run must fail");
        assertEquals(List.of(), PipelineRun.taskDirs(dir.resolve("work")), what + ": no task was submitted");
        // refused before the run starts: no trace, timeline, report or DAG file is left behind
        assertFalse(Files.exists(run.trace()), what + ": no -with-trace file");
        assertFalse(Files.exists(run.outdir().resolve("pipeline_info")), what + ": no pipeline_info files");

        // Nextflow's banner, then the error: one line that names the parameter, no stack trace
        List<String> lines = run.output().lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("N E X T F L O W") && !l.startsWith("Launching `"))
                .toList();
        assertEquals(1, lines.size(), what + ": one line of output after the banner, got\n" + run.output());
        String error = lines.get(0);
        assertTrue(error.contains(mentioned), what + ": the error names '" + mentioned + "': " + error);
        assertTrue(!error.contains("Exception") && !error.contains("groovy."), what + ": a message, not a stack trace: " + error);
    }
}
