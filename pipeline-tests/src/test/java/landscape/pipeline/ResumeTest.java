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
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
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
    void resumeRerunsTheTasksOfAToolWhoseCodeChangedAndOnlyThose() throws IOException {
        // a checkout of its own, whose analyze jar the test may rewrite: the pipeline files copied, the rest linked
        Path dir = PipelineRun.newLaunchDir("tool-code");
        Path root = shadowCheckout(dir.resolve("checkout"));
        Path jar = root.resolve("analyze/target/landscape-analyze.jar");
        PipelineRun.Result first = PipelineRun.run(root, dir, "code-1", Map.of(), "-stub-run", "-profile", "test");
        first.assertSucceeded();

        // the same code built again (every file newer, the same contents): nothing to redo
        rewriteJar(jar, null);
        PipelineRun.Result rebuilt = PipelineRun.run(root, dir, "code-2", Map.of(), "-stub-run", "-profile", "test", "-resume");
        rebuilt.assertSucceeded();
        for (String process : List.of("MAKE_TINY_MODEL", "EXTRACT", "ANALYZE", "SUMMARIZE", "PLOT")) {
            assertAllStatus(rebuilt.tasks(process), "CACHED", process + " after a rebuild of the same code");
        }

        // landscape-analyze's code changed: its tasks (ANALYZE, SUMMARIZE) and PLOT run again, the extraction is reused
        rewriteJar(jar, "landscape/analyze/Changed.class");
        PipelineRun.Result changed = PipelineRun.run(root, dir, "code-3", Map.of(), "-stub-run", "-profile", "test", "-resume");
        changed.assertSucceeded();
        assertAllStatus(changed.tasks("MAKE_TINY_MODEL"), "CACHED", "MAKE_TINY_MODEL (landscape-extract unchanged)");
        assertAllStatus(changed.tasks("EXTRACT"), "CACHED", "EXTRACT (landscape-extract unchanged)");
        assertEquals(first.tasks("ANALYZE").size(), changed.tasks("ANALYZE").size(), "every point analysed");
        assertAllStatus(changed.tasks("ANALYZE"), "COMPLETED", "ANALYZE with the new landscape-analyze");
        assertAllStatus(changed.tasks("SUMMARIZE"), "COMPLETED", "SUMMARIZE with the new landscape-analyze");
        assertAllStatus(changed.tasks("PLOT"), "COMPLETED", "PLOT of the new summaries");
    }

    /**
     * A checkout at {@code to} that runs like this one: the launcher, pipeline and configs copied (they find their
     * root from their own path), the analyze stage's target a folder of its own with a copy of the jar, the rest
     * linked.
     */
    static Path shadowCheckout(Path to) throws IOException {
        Path root = PipelineRun.root();
        for (String f : List.of("landscape", "pom.xml", "main.nf", "nextflow.config", "nextflow_schema.json")) {
            Files.createDirectories(to);
            Files.copy(root.resolve(f), to.resolve(f), StandardCopyOption.COPY_ATTRIBUTES);
        }
        for (String d : List.of("bin", "conf", "modules", "workflows")) {
            try (var files = Files.walk(root.resolve(d))) {
                for (Path f : files.toList()) {
                    Path target = to.resolve(root.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
        }
        for (String d : List.of("assets", "plugins", "tools", "build", "core", "extract", "plot")) {
            Files.createSymbolicLink(to.resolve(d), root.resolve(d));
        }
        Path target = Files.createDirectories(to.resolve("analyze/target"));
        Files.copy(root.resolve("analyze/target/landscape-analyze.jar"), target.resolve("landscape-analyze.jar"));
        Files.createSymbolicLink(target.resolve("lib"), root.resolve("analyze/target/lib"));
        return to;
    }

    /** Writes {@code jar} again with every entry dated now, plus an entry {@code added} when not null. */
    static void rewriteJar(Path jar, String added) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (var in = new ZipInputStream(Files.newInputStream(jar))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        if (added != null) {
            entries.put(added, new byte[] {(byte) 0xca, (byte) 0xfe});
        }
        long now = System.currentTimeMillis() + 60_000;
        try (var out = new ZipOutputStream(Files.newOutputStream(jar))) {
            for (var e : entries.entrySet()) {
                var entry = new ZipEntry(e.getKey());
                entry.setTime(now);
                out.putNextEntry(entry);
                out.write(e.getValue());
                out.closeEntry();
            }
        }
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
