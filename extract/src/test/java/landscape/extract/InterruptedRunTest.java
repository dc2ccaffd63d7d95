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

/** A run stopped by SIGTERM (Ctrl-C, Slurm or Nextflow killing the task) leaves no staging directory behind. */
class InterruptedRunTest {
    @TempDir
    Path tmp;

    @Test
    void sigtermDuringARunRemovesTheStagingDirectory() throws Exception {
        Path model = tmp.resolve("model");
        ModelWriter.write(model, new ModelWriter.Spec(8, 256, 8, 2, 512, 262, 10000.0, false, DType.F32), 1);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            lines.add("{\"prompt\": \"" + "word ".repeat(200 + i % 50) + "\"}");
        }
        Path prompts = Files.write(tmp.resolve("p.jsonl"), lines);
        Path runs = Files.createDirectories(tmp.resolve("runs"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                "landscape.extract.ExtractMain", "run", "--model", model.toString(), "--prompts", prompts.toString(),
                "--out", runs.resolve("out").toString(), "--no-progress")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("log.txt").toFile()).start();
        try {
            // Wait until the run is writing: the staging directory holds its preallocated layer files.
            boolean writing = false;
            while (p.isAlive() && !writing) {
                writing = staging(runs).stream().anyMatch(InterruptedRunTest::hasFiles);
                Thread.sleep(50);
            }
            assertTrue(writing && p.isAlive(), "the run ended before it could be stopped: "
                    + Files.readString(tmp.resolve("log.txt")));
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run did not stop");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(List.of(), staging(runs), "staging directory left behind");
        assertTrue(Files.notExists(runs.resolve("out")));
    }

    private static List<Path> staging(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().startsWith(".out.partial-")).toList();
        }
    }

    private static boolean hasFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isPresent();
        } catch (IOException e) {
            return false;
        }
    }
}
