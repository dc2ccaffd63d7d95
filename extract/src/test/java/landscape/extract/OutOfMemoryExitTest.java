package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import landscape.core.format.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Running out of memory is exit code 3 (the pipeline retries it with halved budgets), from a real allocation failure:
 * {@code landscape-extract run} in its own JVM under {@code ulimit -v 8G}, told by {@code --device-memory 256G} that
 * the batch fits, asks PyTorch's CPU allocator for one MLP activation of 4000 prompts x 59 tokens x 32768 floats
 * (31 GB), which the address-space limit refuses on any machine ("can't allocate memory"), in the first layer.
 */
class OutOfMemoryExitTest {
    private static final long LIMIT_KB = 8L << 20;

    @TempDir
    Path tmp;

    private record Exit(int code, String output) {
    }

    private Exit run(Path model, Path prompts, String... extra) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -v " + LIMIT_KB + " && exec \"$@\"", "bash",
                java, "-Xmx512m", "-XX:ReservedCodeCacheSize=64m", "-XX:CompressedClassSpaceSize=128m",
                "-XX:ActiveProcessorCount=2", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                "landscape.extract.ExtractMain", "run", "--model", model.toString(), "--prompts", prompts.toString(),
                "--batch-tokens", "1000000", "--device-memory", "256G", "--no-progress",
                "--out", tmp.resolve("out").toString()));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // glibc's per-thread malloc arenas and OpenMP's threads reserve address space by the core count
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the run did not end: " + out);
        return new Exit(p.exitValue(), out);
    }

    @Test
    void aRealAllocationFailureInTheForwardPassExitsThreeWithTheBudgetsToLower() throws Exception {
        Path model = tmp.resolve("model");
        // one layer, hidden 64, MLP width 32768: 25 MB of weights (left as sparse zeros: nothing is computed)
        ModelWriter.write(model, new ModelWriter.Spec(1, 64, 4, 2, 32768, 262, 10000.0, false, DType.F32).config(),
                DType.F32, 1, 1, true);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            lines.add(String.format("{\"prompt\": \"Question %04d: which letter is the answer to this one? A B C D\"}", i));
        }
        Path prompts = Files.write(tmp.resolve("prompts.jsonl"), lines);

        Exit plain = run(model, prompts);
        assertEquals(3, plain.code(), plain.output());
        assertEquals(1, plain.output().lines().count(), plain.output());
        assertTrue(plain.output().startsWith("landscape-extract: out of memory on cpu at layer 0 (largest batch 4000 x"),
                plain.output());
        assertTrue(plain.output().contains("lower --batch-tokens (now 1000000)"), plain.output());
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.map(f -> f.getFileName().toString())
                    .filter(n -> n.startsWith("out") || n.startsWith(".out")).toList(), "no output, no staging folder");
        }

        // the failure is the allocator's own, not a limit of ours
        Exit debug = run(model, prompts, "--debug");
        assertEquals(3, debug.code(), debug.output());
        assertTrue(debug.output().contains("DefaultCPUAllocator: can't allocate memory"), debug.output());
    }
}
