package landscape.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import landscape.core.Json;
import org.junit.jupiter.api.Test;

/**
 * What a user reads: {@code ./landscape run --help} lists the pipeline's parameters from nextflow_schema.json, and a
 * failed extraction ends the run with the extraction tool's own message.
 */
class UserMessagesTest {

    @Test
    void helpListsTheParametersGroupedAsInTheSchemaAndRunsNothing() throws IOException {
        Path dir = PipelineRun.newLaunchDir("help");
        PipelineRun.Result run = PipelineRun.run(dir, "help", Map.of(), "--help");
        assertEquals(0, run.exitCode(), "--help exits 0:\n" + run.output());
        String out = run.output();

        JsonNode schema = Json.MAPPER.readTree(PipelineRun.root().resolve("nextflow_schema.json").toFile());
        int at = -1;
        int parameters = 0;
        for (JsonNode ref : schema.get("allOf")) {
            JsonNode group = schema.at(ref.get("$ref").asText().substring(1));
            String title = group.get("title").asText();
            int titleAt = out.indexOf("\n" + title + "\n", at + 1);
            assertTrue(titleAt > at, "group '" + title + "' is listed after the previous group:\n" + out);
            at = titleAt;
            var names = group.get("properties").fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                JsonNode p = group.get("properties").get(name);
                int paramAt = out.indexOf("--" + name + " ", at);
                assertTrue(paramAt > at, "--" + name + " is listed under '" + title + "', in schema order:\n" + out);
                String line = out.substring(paramAt, out.indexOf('\n', paramAt));
                String description = p.get("description").asText();
                String firstWords = description.substring(0, Math.min(30, description.length()));
                assertTrue(line.contains(firstWords.replace("`", "")) || line.contains(firstWords),
                        "--" + name + " with its description: " + line);
                if (p.has("default")) {
                    assertTrue(out.substring(paramAt).lines().limit(4).anyMatch(l -> l.contains("[default: ")),
                            "--" + name + " shows its default");
                }
                at = paramAt;
                parameters++;
            }
        }
        assertTrue(parameters > 20, "every parameter was checked");

        assertEquals(List.of(), PipelineRun.taskDirs(dir.resolve("work")), "no task");
        assertFalse(Files.exists(run.trace()), "no trace file");
        assertFalse(Files.exists(run.outdir()), "no results folder");
        assertFalse(Files.exists(dir.resolve("results")), "no results folder");
    }

    @Test
    void launcherUsageErrorsExitTwo() throws Exception {
        // the house rule for usage errors, as the stage tools have it: an unknown command is one line and exit 2, no
        // command at all prints the usage and exits 2
        ProcessBuilder pb = new ProcessBuilder(PipelineRun.root().resolve("landscape").toString(), "rnu", "-profile", "test")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("LANDSCAPE_SKIP_BUILD", "1");
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        assertEquals(2, p.exitValue(), "an unknown command is a usage error: " + err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.contains("'rnu'"), "names the command: " + err);

        pb = new ProcessBuilder(PipelineRun.root().resolve("landscape").toString()).redirectErrorStream(true);
        p = pb.start();
        String usage = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        assertEquals(2, p.exitValue(), "no command is a usage error");
        assertTrue(usage.startsWith("Usage: ./landscape <command>"), usage);
    }

    @Test
    void failedExtractionStopsTheRunWithTheToolsOwnMessage() throws Exception {
        Path dir = PipelineRun.newLaunchDir("extract-fails");
        // a checkpoint that passes the parameter checks (config.json, tokenizer.json and weights are there) but that
        // landscape-extract refuses
        Path model = UnsafeNamesTest.tinyModel(dir.resolve("models/unknown-arch")).toRealPath();
        Files.writeString(model.resolve("config.json"), "{\"architectures\": [\"NoSuchModelForCausalLM\"]}");
        Path dataset = PipelineRun.root().resolve("assets/test-data/mmlu-mini");
        String expected = toolError(PipelineRun.root().resolve("bin/landscape-extract").toString(), "run",
                "--model", model.toString(), "--dataset", dataset.toString(), "--split", "test", "--shots", "0",
                "--out", dir.resolve("direct").toString());

        PipelineRun.Result run = PipelineRun.run(dir, "fails", Map.of(),
                "-profile", "test", "--tiny_model", "false", "--models", model.toString(), "--shots", "0");
        assertNotEquals(0, run.exitCode(), "the run fails");
        assertEquals(1, run.tasks("EXTRACT").size(), "EXTRACT ran");
        assertEquals("FAILED", run.tasks("EXTRACT").get(0).get("status"));
        assertTrue(run.output().contains(expected), "the tool's message '" + expected + "' is in the output:\n"
                + run.output());
        assertFalse(run.output().contains("nothing to analyse"), "no second, misleading reason:\n" + run.output());
    }

    /** The one line a tool prints on stderr when it fails (it must fail). */
    static String toolError(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertNotEquals(0, p.exitValue(), "the tool refuses the input");
        List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line from the tool: " + err);
        return lines.get(0);
    }
}
