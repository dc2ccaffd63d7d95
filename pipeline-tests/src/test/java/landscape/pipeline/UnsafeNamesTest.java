package landscape.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model names are data: never shell, never a path outside --outdir. Model folders, sheet names, a dataset folder and
 * a --layers value carry a space, quotes, {@code $(…)}, backticks, {@code ..} and non-ASCII letters. Each run either
 * succeeds with every output inside --outdir or stops at parameter checking with one line; in no case does anything
 * run: the injected commands would {@code touch} a file named PWNED*, and none may appear anywhere.
 *
 * <p>The runs are real (no -stub-run): the task scripts that would carry an injection are the ones that run.
 */
class UnsafeNamesTest {
    /** Folder names that become model names when the folder is given directly; all are refused there. */
    static Stream<Arguments> refusedFolderNames() {
        return Stream.of(
                Arguments.of("with space"),
                Arguments.of("it's \"quoted\""),
                Arguments.of("m$(touch PWNED-dollar)"),
                Arguments.of("m`touch PWNED-backtick`"),
                Arguments.of("modèle-ü"),
                Arguments.of(".hidden"));
    }

    /** Names written in a sheet's name column; all are refused. */
    static Stream<Arguments> refusedSheetNames() {
        return Stream.of(
                Arguments.of("../../escaped"),
                Arguments.of(".."),
                Arguments.of("org/model"),
                Arguments.of("m$(touch PWNED-sheet)"),
                Arguments.of("m`touch PWNED-sheet`"),
                Arguments.of("name with space"),
                Arguments.of("modèle"));
    }

    @ParameterizedTest(name = "model folder ''{0}''")
    @MethodSource("refusedFolderNames")
    void modelFolderWithAnUnsafeNameIsRefusedAtParameterChecking(String folder) throws IOException {
        Path dir = PipelineRun.newLaunchDir("unsafe-folder");
        Path model = tinyModel(dir.resolve("models").resolve(folder));
        PipelineRun.Result run = PipelineRun.run(dir, "bad", Map.of(),
                "-profile", "test", "--tiny_model", "false", "--shots", "0", "--models", model.toString());
        assertRefused(run, "model name '" + folder + "'");
    }

    @ParameterizedTest(name = "sheet name ''{0}''")
    @MethodSource("refusedSheetNames")
    void unsafeNameInTheSheetIsRefusedAtParameterChecking(String name) throws IOException {
        Path dir = PipelineRun.newLaunchDir("unsafe-sheet");
        Path model = tinyModel(dir.resolve("models/tiny"));
        Path sheet = dir.resolve("models.csv");
        Files.writeString(sheet, "name,path\n" + csv(name) + "," + csv(model.toString()) + "\n");
        PipelineRun.Result run = PipelineRun.run(dir, "bad", Map.of(),
                "-profile", "test", "--tiny_model", "false", "--shots", "0", "--models", sheet.toString());
        assertRefused(run, "model name '" + name + "'");
        assertFalse(Files.exists(dir.resolve("escaped")) || Files.exists(dir.getParent().resolve("escaped")),
                "nothing published outside --outdir");
    }

    @Test
    void layersValueThatIsNotAPointListIsRefusedAtParameterChecking() throws IOException {
        Path dir = PipelineRun.newLaunchDir("unsafe-layers");
        PipelineRun.Result run = PipelineRun.run(dir, "bad", Map.of(),
                "-profile", "test", "--shots", "0", "--layers", "1; touch PWNED-layers");
        assertRefused(run, "--layers");
    }

    /**
     * A sheet gives safe names to model folders with unsafe names (and one folder whose name is safe and contains
     * {@code ..} is named by its folder), and the names of the dataset folder and of the mask file are unsafe: the
     * real run succeeds, every model is extracted from exactly its folder, the mask is applied, and everything
     * lands inside --outdir.
     */
    @Test
    void unsafeFolderNamesBehindSafeNamesRunAndPublishInsideOutdir() throws IOException {
        Path dir = PipelineRun.newLaunchDir("unsafe-run");
        Map<String, Path> models = new LinkedHashMap<>();
        List<String> folders = List.of("with space", "it's \"quoted\"", "m$(touch PWNED-dollar)",
                "m`touch PWNED-backtick`", "modèle-ü");
        StringBuilder sheet = new StringBuilder("name,path\n");
        for (int i = 0; i < folders.size(); i++) {
            Path model = tinyModel(dir.resolve("models").resolve(folders.get(i)));
            models.put("m" + i, model);
            sheet.append("m").append(i).append(',').append(csv(model.toString())).append('\n');
        }
        Path dotted = tinyModel(dir.resolve("models/tiny..llama"));
        models.put("tiny..llama", dotted);
        sheet.append(',').append(csv(dotted.toString())).append('\n'); // no name: the folder's name is used
        Files.writeString(dir.resolve("models.csv"), sheet.toString());
        Path dataset = copyTree(PipelineRun.root().resolve("assets/test-data/mmlu-mini"),
                dir.resolve("data/mmlu $(touch PWNED-dataset) `touch PWNED-dataset2`"));
        Path mask = indexMask(dir.resolve("data/mask $(touch PWNED-mask) `touch PWNED-mask2`.npy"), 0, 24, 20);
        Set<String> before = topLevel(dir);

        PipelineRun.Result run = PipelineRun.run(dir, "unsafe", Map.of(),
                "-profile", "test", "--tiny_model", "false", "--models", dir.resolve("models.csv").toString(),
                "--dataset", dataset.toString(), "--shots", "0", "--limit", "24", "--layers", "1",
                "--mask", mask.toString());
        run.assertSucceeded();
        assertNoPwned(run);

        assertEquals(models.size(), run.tasks("EXTRACT").size(), "one EXTRACT per model");
        for (var e : models.entrySet()) {
            Path rep = run.outdir().resolve("layers/mmlu/pretrained/test/" + e.getKey() + "/0shot");
            JsonNode manifest = Json.MAPPER.readTree(rep.resolve("manifest.json").toFile());
            assertEquals(e.getKey(), manifest.get("model").get("id").asText(), "model id of " + rep);
            assertEquals(e.getValue().toRealPath().toString(), manifest.get("model").get("path").asText(),
                    "the model was read from exactly its folder");
            assertTrue(Files.isRegularFile(run.outdir().resolve("statistics/pretrained/" + e.getKey() + "/summary-"
                    + e.getKey() + "-0shot.json")), "summary of " + e.getKey());
            JsonNode stats = Json.MAPPER.readTree(run.outdir().resolve("statistics/pretrained/" + e.getKey()
                    + "/0shot/l1.json").toFile());
            assertEquals(20, stats.get("n_points").asInt(), "the mask (20 of 24 rows) was applied");
            assertEquals(mask.toRealPath().toString(), stats.get("params").get("mask").asText(), "the mask's path");
        }
        assertTrue(Files.isRegularFile(run.outdir().resolve("figures/report.html")), "the report");

        // nothing new beside the launch folder's own run files (outdir, work, logs, trace, .nextflow*)
        Set<String> after = topLevel(dir);
        after.removeAll(before);
        assertEquals(Set.of("unsafe-results", "unsafe-trace.txt", "unsafe.log", "work", ".nextflow", ".nextflow.log"), after,
                "new entries of the launch folder");
    }

    // ------------------------------------------------------------------ helpers

    private static void assertRefused(PipelineRun.Result run, String mentioned) {
        assertNotEquals(0, run.exitCode(), "the run must fail:\n" + run.output());
        assertNoPwned(run);
        assertEquals(List.of(), PipelineRun.taskDirs(run.launchDir().resolve("work")), "no task was submitted");
        assertFalse(Files.exists(run.outdir()), "nothing published: " + run.outdir());
        List<String> lines = run.output().lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("N E X T F L O W") && !l.startsWith("Launching `"))
                .toList();
        assertEquals(1, lines.size(), "one line of output after the banner, got\n" + run.output());
        assertTrue(lines.get(0).contains(mentioned), "the error names " + mentioned + ": " + lines.get(0));
    }

    /**
     * No file whose name starts with PWNED anywhere under the run's launch folder (its work directories, where task
     * scripts run, included), nor in the repository's or the test module's folder (where Nextflow and Maven run).
     */
    private static void assertNoPwned(PipelineRun.Result run) {
        try (Stream<Path> s = Files.walk(run.launchDir())) {
            List<Path> pwned = s.filter(p -> p.getFileName().toString().startsWith("PWNED")).toList();
            assertEquals(List.of(), pwned, "a name was executed as a command");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path dir : List.of(PipelineRun.root(), PipelineRun.root().resolve("pipeline-tests"))) {
            assertEquals(List.of(), PipelineRun.list(dir, "PWNED*"), "a name was executed as a command in " + dir);
        }
    }

    /** A copy of the golden tiny Llama-3 checkpoint (config.json, model.safetensors, tokenizer files). */
    static Path tinyModel(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path golden = Golden.file("models", "tiny-llama3");
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(golden.resolve(f), dir.resolve(f));
        }
        return dir;
    }

    /** A NumPy .npy of int64 row indices: the first {@code count} of {@code from, from+1, ...} below {@code to}. */
    static Path indexMask(Path file, int from, int to, int count) throws IOException {
        String header = "{'descr': '<i8', 'fortran_order': False, 'shape': (" + count + ",), }";
        int pad = 64 - (10 + header.length() + 1) % 64;
        header = header + " ".repeat(pad % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 8 * count)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < count && from + i < to; i++) {
            b.putLong(from + i);
        }
        Files.createDirectories(file.getParent());
        return Files.write(file, b.array());
    }

    static Path copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }

    /** A CSV field, quoted when it holds a comma or a quote. */
    static String csv(String value) {
        return value.contains(",") || value.contains("\"") ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
    }

    private static Set<String> topLevel(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
