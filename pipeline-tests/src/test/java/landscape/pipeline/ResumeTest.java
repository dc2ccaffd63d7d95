package landscape.pipeline;

import static landscape.pipeline.PipelineRun.assertAllStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import landscape.core.Json;
import org.junit.jupiter.api.Test;

/**
 * Recovery. {@code -resume} after the demo run (shared work directory, see {@link PipelineRun#demo()}): a changed
 * analysis parameter re-runs only the analysis, and a run killed during ANALYZE picks up where it stopped. And the
 * retry rule: an out-of-memory exit (137 from the kernel, 3 from the tool) retries EXTRACT with more memory and
 * smaller budgets (tokens per batch, and the pass and attention memory when given).
 */
class ResumeTest {

    @Test
    void resumeWithChangedAnalysisParameterReusesExtractionAndRerunsAnalysis() throws IOException {
        PipelineRun.Demo demo = PipelineRun.demo();
        demo.result().assertSucceeded();
        int analyses = demo.result().tasks("ANALYZE").size();

        PipelineRun.Result run = PipelineRun.run(demo.launchDir(), "resume-z18", Map.of(),
                "-profile", "test", "-resume", "--z", "1.8");
        run.assertSucceeded();

        assertAllStatus(run.tasks("MAKE_TINY_MODEL"), "CACHED", "MAKE_TINY_MODEL on resume");
        assertAllStatus(run.tasks("EXTRACT"), "CACHED", "EXTRACT on resume");
        assertEquals(demo.result().tasks("EXTRACT").size(), run.tasks("EXTRACT").size(), "every EXTRACT is in the trace");
        assertAllStatus(run.tasks("ANALYZE"), "COMPLETED", "ANALYZE with --z 1.8");
        assertEquals(analyses, run.tasks("ANALYZE").size(), "every layer analysed again");
        assertAllStatus(run.tasks("SUMMARIZE"), "COMPLETED", "SUMMARIZE with --z 1.8");
        assertAllStatus(run.tasks("PLOT"), "COMPLETED", "PLOT with --z 1.8");

        // the new statistics were made with the new Z
        Path stats = run.outdir().resolve("statistics/pretrained/" + DemoPipelineTest.MODEL + "/0shot");
        List<Path> files = PipelineRun.list(stats, "l*.json");
        assertEquals(analyses / DemoPipelineTest.TEST_SHOTS.size(), files.size(), "published 0-shot stats");
        JsonNode params = Json.MAPPER.readTree(files.get(0).toFile()).get("params");
        assertEquals(1.8, params.get("z").asDouble(), 1e-12, "params.z of " + files.get(0));
    }

    @Test
    void resumeWithAHigherFirstLayerReusesTheAnalysisOfEveryPointStillAnalysed() {
        // which other points of a run are analysed does not change one point's statistics: a stub run (wiring only),
        // then -resume --first_layer 2, where points 2..5 of each run were analysed already
        Path dir = PipelineRun.newLaunchDir("first-layer");
        PipelineRun.Result first = PipelineRun.run(dir, "first-layer-1", Map.of(), "-stub-run", "-profile", "test");
        first.assertSucceeded();
        PipelineRun.Result run = PipelineRun.run(dir, "first-layer-2", Map.of(),
                "-stub-run", "-profile", "test", "-resume", "--first_layer", "2");
        run.assertSucceeded();

        assertAllStatus(run.tasks("EXTRACT"), "CACHED", "EXTRACT on resume");
        assertEquals(first.tasks("ANALYZE").size() - DemoPipelineTest.TEST_SHOTS.size(), run.tasks("ANALYZE").size(),
                "point 1 of each run is no longer analysed");
        assertAllStatus(run.tasks("ANALYZE"), "CACHED", "ANALYZE of points 2.. on resume with --first_layer 2");
        assertAllStatus(run.tasks("SUMMARIZE"), "COMPLETED", "SUMMARIZE of one layer fewer");
    }

    @Test
    void runKilledDuringAnalysisResumesWithoutRedoingFinishedLayers() throws IOException {
        PipelineRun.Demo demo = PipelineRun.demo();
        demo.result().assertSucceeded();
        Path dir = demo.launchDir();
        // one ANALYZE at a time, so the run is surely interrupted between layers
        Path oneAtATime = dir.resolve("one-analysis-at-a-time.config");
        Files.writeString(oneAtATime, "process { withName: 'ANALYZE' { maxForks = 1 } }\n");

        // a new Z so that every ANALYZE must run; EXTRACT comes from the demo's cache
        PipelineRun.Started started = PipelineRun.start(dir, "killed", Map.of(),
                "-profile", "test", "-resume", "--z", "1.9", "-c", oneAtATime.toString());
        Path trace = started.result().trace();
        long deadline = System.nanoTime() + PipelineRun.RUN_TIMEOUT.toNanos();
        while (started.process().isAlive() && System.nanoTime() < deadline
                && analyses(PipelineRun.readTrace(trace), "COMPLETED").isEmpty()) {
            PipelineRun.sleep(100);
        }
        assertTrue(started.process().isAlive(), "the run ended before any ANALYZE finished:\n"
                + PipelineRun.tail(started.result().output(), 40));
        PipelineRun.destroyTree(started.process().toHandle(), true);
        PipelineRun.Result killed = started.await();
        assertNotEquals(0, killed.exitCode(), "the killed run reports failure");

        Set<String> finished = analyses(killed.traceRows(), "COMPLETED");
        int total = demo.result().tasks("ANALYZE").size();
        assertFalse(finished.isEmpty(), "some layers finished before the kill");
        assertTrue(finished.size() < total, "the kill came before the last layer (" + finished.size() + " of " + total + ")");

        PipelineRun.Result resumed = PipelineRun.run(dir, "resumed", Map.of(),
                "-profile", "test", "-resume", "--z", "1.9");
        resumed.assertSucceeded();
        assertAllStatus(resumed.tasks("EXTRACT"), "CACHED", "EXTRACT after the kill");
        Set<String> cached = analyses(resumed.traceRows(), "CACHED");
        Set<String> redone = analyses(resumed.traceRows(), "COMPLETED");
        assertTrue(cached.containsAll(finished), "layers finished before the kill are cached: finished " + finished
                + ", cached " + cached);
        assertTrue(redone.stream().noneMatch(finished::contains), "no finished layer is redone: " + redone);
        assertEquals(total, cached.size() + redone.size(), "every layer is cached or done now");
        assertFalse(redone.isEmpty(), "the layers left at the kill ran on resume");
    }

    @Test
    void outOfMemoryExitRetriesExtractionWithMoreMemoryAndSmallerBatches() throws IOException {
        Path dir = PipelineRun.newLaunchDir("retry");
        // the first attempt of EXTRACT dies as the OOM killer would make it (exit 137); the second runs normally
        Path oom = dir.resolve("first-extract-attempt-oom.config");
        Files.writeString(oom, "process { withName: 'EXTRACT' { beforeScript = { task.attempt == 1 ? "
                + "'echo simulated OOM >&2; exit 137' : '' } } }\n");
        PipelineRun.Result run = PipelineRun.run(dir, "retry", Map.of(),
                "-profile", "test", "--shots", "0", "--limit", "40", "-c", oom.toString());
        run.assertSucceeded();

        List<Map<String, String>> extract = run.tasks("EXTRACT");
        assertEquals(2, extract.size(), "two attempts of the one EXTRACT");
        Map<String, String> first = extract.stream().filter(r -> "1".equals(r.get("attempt"))).findFirst().orElseThrow();
        Map<String, String> second = extract.stream().filter(r -> "2".equals(r.get("attempt"))).findFirst().orElseThrow();
        assertEquals("137", first.get("exit"), "first attempt killed");
        assertEquals("COMPLETED", second.get("status"), "second attempt");
        assertEquals("1 GB", first.get("memory"), "test profile: 1 GB for the gpu label");
        assertEquals("2 GB", second.get("memory"), "memory × attempt on the retry");
        assertEquals(List.of("4096"), batchTokens(first), "the test profile's token budget");
        assertEquals(List.of("2048"), batchTokens(second), "halved on the retry");
        assertAllStatus(run.tasks("PLOT"), "COMPLETED", "the run goes on after the retry");
    }

    @Test
    void outOfMemoryExitOfTheToolRetriesExtractionWithEveryBudgetHalved() throws IOException {
        // landscape-extract exits 3 when it runs out of memory (extract's OutOfMemoryExitTest makes a real one); here
        // the first two attempts end with that exit code before the (stub) tool runs, to check the retry rule and
        // the options of every attempt
        Path dir = PipelineRun.newLaunchDir("retry-oom");
        Path oom = dir.resolve("extract-out-of-memory-twice.config");
        Files.writeString(oom, "process { withName: 'EXTRACT' { beforeScript = { task.attempt < 3 ? "
                + "'echo landscape-extract: out of memory on gpu:0 >&2; exit 3' : '' } } }\n");
        PipelineRun.Result run = PipelineRun.run(dir, "retry-oom", Map.of(), "-stub-run", "-profile", "test",
                "--shots", "0", "--pass_memory", "1.5G", "--attention_memory", "256M", "-c", oom.toString());
        run.assertSucceeded();

        List<Map<String, String>> extract = run.tasks("EXTRACT").stream()
                .sorted(Comparator.comparing(r -> r.get("attempt"))).toList();
        assertEquals(List.of("1", "2", "3"), extract.stream().map(r -> r.get("attempt")).toList(), "three attempts");
        assertEquals(List.of("3", "3", "0"), extract.stream().map(r -> r.get("exit")).toList(), "exit codes");
        assertEquals(List.of("1 GB", "2 GB", "3 GB"), extract.stream().map(r -> r.get("memory")).toList(),
                "memory x attempt");
        List<List<String>> args = extract.stream().map(GpuRequestPipelineTest::extractArgs).toList();
        assertEquals(List.of("4096", "2048", "1024"), args.stream().map(a -> GpuRequestPipelineTest.option(a,
                "--batch-tokens")).toList(), "--batch-tokens halved per attempt");
        assertEquals(List.of("1.5G", "768M", "384M"), args.stream().map(a -> GpuRequestPipelineTest.option(a,
                "--pass-memory")).toList(), "--pass-memory halved per attempt");
        assertEquals(List.of("256M", "128M", "64M"), args.stream().map(a -> GpuRequestPipelineTest.option(a,
                "--attention-memory")).toList(), "--attention-memory halved per attempt");
        assertAllStatus(run.tasks("PLOT"), "COMPLETED", "the run goes on after the retries");
    }

    /** The --batch-tokens values in a task's command script. */
    private static List<String> batchTokens(Map<String, String> task) {
        String script = PipelineRun.read(Path.of(task.get("workdir")).resolve(".command.sh"));
        return Pattern.compile("--batch-tokens (\\d+)").matcher(script).results()
                .map(m -> m.group(1)).toList();
    }

    /** Hashes of the ANALYZE tasks with this status. */
    private static Set<String> analyses(List<Map<String, String>> trace, String status) {
        return trace.stream()
                .filter(r -> "ANALYZE".equals(PipelineRun.simpleName(r.get("process"))) && status.equals(r.get("status")))
                .map(r -> r.get("hash"))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
