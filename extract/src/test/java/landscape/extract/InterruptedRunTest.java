package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import landscape.core.format.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped by SIGTERM (Ctrl-C, Slurm or Nextflow killing the task) leaves no staging directory behind; the one of
 * a run killed by SIGKILL (no shutdown hook runs) is removed by the next run into the same place.
 */
class InterruptedRunTest {
    @TempDir
    Path tmp;

    /** Starts a long run into {@code runs/out} in its own JVM and returns it once it is writing its layer files. */
    private Process startLongRun(Path runs) throws Exception {
        Path model = tmp.resolve("model");
        if (!Files.exists(model)) {
            ModelWriter.write(model, new ModelWriter.Spec(8, 256, 8, 2, 512, 262, 10000.0, false, DType.F32), 1);
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            lines.add("{\"prompt\": \"" + "word ".repeat(200 + i % 50) + "\"}");
        }
        Path prompts = Files.write(tmp.resolve("p.jsonl"), lines);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                "landscape.extract.ExtractMain", "run", "--model", model.toString(), "--prompts", prompts.toString(),
                "--out", runs.resolve("out").toString(), "--no-progress")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("log.txt").toFile()).start();
        // Wait until the run is writing: the staging directory holds its preallocated layer files.
        boolean writing = false;
        while (p.isAlive() && !writing) {
            writing = staging(runs).stream().anyMatch(InterruptedRunTest::hasLayerFiles);
            Thread.sleep(50);
        }
        if (!(writing && p.isAlive())) {
            p.destroyForcibly();
            throw new AssertionError("the run ended before it could be stopped: " + Files.readString(tmp.resolve("log.txt")));
        }
        return p;
    }

    @Test
    void sigtermDuringARunRemovesTheStagingDirectory() throws Exception {
        Path runs = Files.createDirectories(tmp.resolve("runs"));
        Process p = startLongRun(runs);
        try {
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run did not stop");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(List.of(), staging(runs), "staging directory left behind");
        assertTrue(Files.notExists(runs.resolve("out")));
    }

    @Test
    void theStagingFolderOfARunKilledWithSigkillIsRemovedByTheNextRunIntoTheSamePlace() throws Exception {
        Path runs = Files.createDirectories(tmp.resolve("runs"));
        Process p = startLongRun(runs);
        try {
            p.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run did not stop");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(1, staging(runs).size(), "a SIGKILL leaves the staging folder");
        Path few = Files.writeString(tmp.resolve("few.jsonl"), "{\"prompt\": \"one\"}\n{\"prompt\": \"two\"}\n");
        Extractor.run(ExtractOptions.builder(tmp.resolve("model"), runs.resolve("out")).prompts(few).progress(false).build());
        assertEquals(List.of(), staging(runs), "the next run into the same --out removed it");
        assertEquals(2, landscape.core.run.RepresentationDir.open(runs.resolve("out")).manifest().rows());
    }

    private static List<Path> staging(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith(".out.partial-")).toList();
        }
    }

    private static boolean hasLayerFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(f -> f.getFileName().toString().endsWith(".safetensors.partial"));
        } catch (IOException e) {
            return false;
        }
    }
}
