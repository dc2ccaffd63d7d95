package landscape.pipeline;

import static landscape.pipeline.PipelineRun.assertAllStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code --gpus_per_extract auto} without a GPU: a stub sweep (-stub-run) over header-only checkpoints with the
 * published configurations of Llama-3-70B and Llama-3-8B ({@code landscape-extract make-model --like ... --empty}:
 * sparse files, made in a second). PLAN is the real {@code landscape-extract plan --json} (it reads only headers, so
 * its stub runs it too); the GPUs each EXTRACT job gets show in its tag, and its options in the line of its stub
 * script that writes them to {@code extract-args.txt}. The GPU request itself ({@code --gres}) is checked on a real Slurm by
 * {@link SlurmTest}.
 */
class GpuRequestPipelineTest {

    /** A header-only checkpoint of a public model's configuration, made by the real tool. */
    static Path emptyModel(Path dir, String like) throws IOException, InterruptedException {
        Path out = dir.resolve("models").resolve(like);
        Process p = new ProcessBuilder(PipelineRun.root().resolve("bin/landscape-extract").toString(), "make-model",
                "--like", like, "--empty", "--shards", "4", "--out", out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            fail("make-model --like " + like + " failed:\n" + log);
        }
        return out;
    }

    /** A models sheet of header-only Llama-3-70B and Llama-3-8B. */
    static Path sweepSheet(Path dir) throws IOException, InterruptedException {
        return Files.writeString(dir.resolve("models.csv"), "name,path,adapter\n"
                + "llama-3-70b," + emptyModel(dir, "llama-3-70b") + ",\n"
                + "llama-3-8b," + emptyModel(dir, "llama-3-8b") + ",\n");
    }

    /**
     * The options a stub EXTRACT task would pass to landscape-extract run: its script writes them to extract-args.txt
     * with one printf, read here from the script itself, so that an attempt that failed before it ran has them too
     * (the values of these tests are plain words).
     */
    static List<String> extractArgs(Map<String, String> task) {
        String prefix = "printf '%s\\n' ";
        String line = PipelineRun.read(Path.of(task.get("workdir")).resolve(".command.sh")).lines().map(String::strip)
                .filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no printf of the options in " + task.get("workdir")));
        return List.of(line.substring(prefix.length(), line.lastIndexOf(" > extract-args.txt")).trim().split("\\s+"));
    }

    /** Tag of each EXTRACT task by model ("llama-3-70b 0shot 2 GPUs"). */
    static Map<String, String> extractTags(PipelineRun.Result run) {
        return run.tasks("EXTRACT").stream().collect(Collectors.toMap(t -> t.get("tag").split(" ")[0],
                t -> t.get("tag")));
    }

    static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
    }

    @Test
    void autoGivesEachModelTheGpusOfItsPlanAndResumeKeepsThePlans() throws Exception {
        Path dir = PipelineRun.newLaunchDir("gpus-auto");
        Path sheet = sweepSheet(dir);
        String dataset = PipelineRun.root().resolve("assets/test-data/mmlu-mini").toString();
        PipelineRun.Result run = PipelineRun.run(dir, "auto", Map.of(), "-stub-run", "--models", sheet.toString(),
                "--dataset", dataset, "--shots", "0,5", "--device", "gpu", "--gpus_per_extract", "auto",
                "--device_memory", "80G");
        run.assertSucceeded();

        assertAllStatus(run.tasks("PLAN"), "COMPLETED", "PLAN");
        assertEquals(List.of("llama-3-70b", "llama-3-8b"), run.tasks("PLAN").stream().map(t -> t.get("tag")).sorted()
                .toList(), "one PLAN per model, not per shot count");
        List<Map<String, String>> extract = run.tasks("EXTRACT");
        assertEquals(4, extract.size(), "2 models x 2 shot counts");
        for (Map<String, String> t : extract) {
            boolean big = t.get("tag").startsWith("llama-3-70b ");
            // on 80 GB GPUs in f16: the 70B (131.4 GiB of weights) resident on 2, the 8B on 1
            assertTrue(t.get("tag").endsWith(big ? " 2 GPUs" : " 1 GPU"), t.get("tag"));
            List<String> args = extractArgs(t);
            assertEquals("auto", option(args, "--devices"), t.get("tag") + ": every GPU of its job: " + args);
            assertEquals("auto", option(args, "--placement"), t.get("tag"));
            assertEquals("80G", option(args, "--device-memory"), t.get("tag"));
            assertEquals("gpu", option(args, "--device"), t.get("tag"));
        }

        // the same sweep streamed: the plans are reused (they do not depend on --placement), every model gets 1 GPU
        PipelineRun.Result stream = PipelineRun.run(dir, "stream", Map.of(), "-stub-run", "-resume", "--models",
                sheet.toString(), "--dataset", dataset, "--shots", "0,5", "--device", "gpu", "--gpus_per_extract",
                "auto", "--device_memory", "80G", "--placement", "stream");
        stream.assertSucceeded();
        assertAllStatus(stream.tasks("PLAN"), "CACHED", "PLAN on -resume with another --placement");
        assertEquals(4, stream.tasks("EXTRACT").size());
        for (Map<String, String> t : stream.tasks("EXTRACT")) {
            assertTrue(t.get("tag").endsWith(" 1 GPU"), t.get("tag"));
            assertEquals("stream", option(extractArgs(t), "--placement"), t.get("tag"));
            assertEquals("COMPLETED", t.get("status"), t.get("tag") + ": its options changed");
        }
    }

    @Test
    void aModelThatFitsOnNoGpuStopsTheRunWithThePlansReasonBeforeAnyExtraction() throws Exception {
        Path dir = PipelineRun.newLaunchDir("gpus-refused");
        Path sheet = sweepSheet(dir);
        PipelineRun.Result run = PipelineRun.run(dir, "refused", Map.of(), "-stub-run", "--models", sheet.toString(),
                "--dataset", PipelineRun.root().resolve("assets/test-data/mmlu-mini").toString(), "--shots", "0",
                "--device", "gpu", "--gpus_per_extract", "auto", "--device_memory", "2G");
        assertNotEquals(0, run.exitCode(), "the run must fail");
        assertTrue(run.output().contains("landscape-extract: the model does not fit: gpu:0 (stream, layers 0-"),
                run.output());
        assertTrue(run.output().contains("would fit: nothing on these devices"), run.output());
        assertEquals(List.of(), run.tasks("EXTRACT"), "no EXTRACT is submitted");
        assertFalse(run.tasks("PLAN").isEmpty(), "the PLANs ran");

        // GPUs of 7.2 GiB: the 70B model streams on one, but no number of them holds it resident
        PipelineRun.Result resident = PipelineRun.run(dir, "resident", Map.of(), "-stub-run", "--models",
                sheet.toString(), "--dataset", PipelineRun.root().resolve("assets/test-data/mmlu-mini").toString(),
                "--shots", "0", "--device", "gpu", "--gpus_per_extract", "auto", "--device_memory", "7.2G",
                "--placement", "resident");
        assertNotEquals(0, resident.exitCode(), "the run must fail");
        assertTrue(resident.output().contains("/llama-3-70b: does not fit resident on any number of GPUs of 7.2 GiB;"
                + " use --placement stream (one GPU) or auto"), resident.output());
        assertAllStatus(resident.tasks("PLAN"), "COMPLETED", "both plans fit (streamed)");
        assertEquals(List.of(), resident.tasks("EXTRACT"), "no EXTRACT is submitted");
    }

    @Test
    void aNumberOfGpusAboveOneRunsExtractOnEveryGpuOfItsJobAndTheCpuRequestsNone() throws Exception {
        Path dir = PipelineRun.newLaunchDir("gpus-fixed");
        PipelineRun.Result run = PipelineRun.run(dir, "fixed", Map.of(), "-stub-run", "-profile", "test",
                "--device", "gpu", "--gpus_per_extract", "2", "--allow_long_prompts", "--pass_memory", "1G");
        run.assertSucceeded();
        assertEquals(List.of(), run.tasks("PLAN"), "no plan with a number of GPUs");
        for (Map<String, String> t : run.tasks("EXTRACT")) {
            assertTrue(t.get("tag").endsWith(" 2 GPUs"), t.get("tag"));
            List<String> args = extractArgs(t);
            assertEquals("auto", option(args, "--devices"), args.toString());
            assertTrue(args.contains("--allow-long-prompts"), args.toString());
            assertEquals("1G", option(args, "--pass-memory"), args.toString());
        }

        // the demo on the CPU: no GPU, no --devices, the default budgets
        PipelineRun.Result cpu = PipelineRun.run(dir, "cpu", Map.of(), "-stub-run", "-profile", "test",
                "--gpus_per_extract", "auto");
        cpu.assertSucceeded();
        assertEquals(List.of(), cpu.tasks("PLAN"), "no plan on the CPU");
        for (Map<String, String> t : cpu.tasks("EXTRACT")) {
            assertFalse(t.get("tag").contains("GPU"), t.get("tag"));
            List<String> args = extractArgs(t);
            assertEquals(List.of("--device", "cpu", "--dtype", "auto", "--batch-tokens", "4096", "--placement", "auto"),
                    args);
        }
    }
}
