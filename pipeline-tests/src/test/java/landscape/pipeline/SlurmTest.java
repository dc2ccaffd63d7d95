package landscape.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code -profile test,slurm} on a real, throwaway single-node Slurm (tests/slurm/start.sh: munge, slurmctld and
 * slurmd from Debian's packages, partitions gpu and cpu, loopback only, state in a temp dir, four fake GPUs of type
 * "fake" that Slurm counts and allocates). EXTRACT must run in partition gpu and every other process (ANALYZE,
 * SUMMARIZE, PLOT, MAKE_TINY_MODEL, PLAN) in cpu, as Slurm itself records it in its job completion log, and as
 * Nextflow's trace says. The demo extracts on the CPU and so asks for no GPU; a stub sweep of header-only Llama-3-70B
 * and -8B with {@code --gpus_per_extract auto} asks Slurm for the GPUs each model's plan needs, with the site's GPU
 * type and options kept, as the job scripts' {@code #SBATCH} lines and Slurm's own record of each job
 * ({@code scontrol show job}) say.
 *
 * <p>Needs root and the packages (tests/slurm/install.sh, which {@code ./landscape test} and .ci/run call). Without
 * them the test is skipped with the reason, except when {@code CI=true}: there a skip is a failure.
 */
class SlurmTest {
    private static final Pattern JOBCOMP = Pattern.compile("JobId=(\\d+) .*?Name=(\\S*) .*?Partition=(\\S+)");

    /** What a test does while the throwaway Slurm runs: its runs, and what it asks Slurm (scontrol) meanwhile. */
    private interface WithSlurm {
        void run(Map<String, String> env) throws Exception;
    }

    /** Starts the throwaway Slurm, runs {@code body}, stops it; returns its state dir (jobcomp.txt). */
    private static Path withSlurm(WithSlurm body) throws Exception {
        requireSlurm();
        Path root = PipelineRun.root();
        // short: slurmd and munged put Unix sockets (at most 108 bytes of path) in it
        Path state = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "slurm");
        System.out.println("throwaway Slurm state: " + state);
        Map<String, String> env = new HashMap<>();
        env.put("SLURM_CONF", state.resolve("slurm.conf").toString());
        env.put("PATH", System.getenv("PATH") + ":/usr/sbin");
        script(root.resolve("tests/slurm/start.sh"), state, env);
        try {
            body.run(env);
        } finally {
            script(root.resolve("tests/slurm/stop.sh"), state, env);
        }
        return state;
    }

    @Test
    void extractRunsInGpuPartitionAndAnalyzeInCpuPartition() throws Exception {
        Path root = PipelineRun.root();
        Path dir = PipelineRun.newLaunchDir("slurm");
        PipelineRun.Result[] result = new PipelineRun.Result[1];
        Map<String, String> gresOfJob = new HashMap<>();
        Path state = withSlurm(env -> {
            result[0] = PipelineRun.run(dir, "slurm", env, "-profile", "test,slurm",
                    "-c", root.resolve("tests/slurm/nextflow-test.config").toString());
            for (Map<String, String> t : result[0].tasks("EXTRACT")) {
                gresOfJob.put(t.get("native_id"), gresOf(t.get("native_id"), env));
            }
        });
        PipelineRun.Result run = result[0];
        run.assertSucceeded();
        // the demo extracts on the CPU (--device cpu): its EXTRACT jobs ask for no GPU
        for (Map<String, String> t : run.tasks("EXTRACT")) {
            assertEquals(List.of(), sbatchLines(t, "--gres"), t.get("name"));
            assertEquals("", gresOfJob.get(t.get("native_id")), t.get("name") + ": Slurm's record of the job");
        }

        // what Slurm recorded: job id → partition
        Map<String, String> partitionOfJob = new HashMap<>();
        Map<String, String> nameOfJob = new HashMap<>();
        readJobcomp(state, partitionOfJob, nameOfJob);
        assertPartition(run, "EXTRACT", "gpu", partitionOfJob, nameOfJob);
        assertPartition(run, "ANALYZE", "cpu", partitionOfJob, nameOfJob);
        assertPartition(run, "SUMMARIZE", "cpu", partitionOfJob, nameOfJob);
        // label small, like SUMMARIZE: every process but the gpu-labelled one goes to the cpu partition
        assertPartition(run, "PLOT", "cpu", partitionOfJob, nameOfJob);
        assertPartition(run, "MAKE_TINY_MODEL", "cpu", partitionOfJob, nameOfJob);
        assertTrue(Files.isRegularFile(run.outdir().resolve("figures/report.html")), "the Slurm run made the report");
        deleteTree(state); // kept for inspection when an assertion above fails
    }

    @Test
    void gpusPerExtractAutoAsksSlurmForTheGpusOfEachModelsPlanWithTheSiteOptions() throws Exception {
        Path root = PipelineRun.root();
        Path dir = PipelineRun.newLaunchDir("slurm-gpus");
        Path sheet = GpuRequestPipelineTest.sweepSheet(dir);
        PipelineRun.Result[] result = new PipelineRun.Result[1];
        Map<String, String> gresOfJob = new HashMap<>();
        Path state = withSlurm(env -> {
            // -profile slurm alone: the resources of conf/base.config's labels, capped to this node
            result[0] = PipelineRun.run(dir, "gpus", env, "-stub-run", "-profile", "slurm",
                    "-c", root.resolve("tests/slurm/nextflow-test.config").toString(),
                    "--models", sheet.toString(), "--shots", "0",
                    "--dataset", root.resolve("assets/test-data/mmlu-mini").toString(),
                    "--device", "gpu", "--gpus_per_extract", "auto", "--device_memory", "80G",
                    "--gpu_cluster_options", "--gres=gpu:fake:1 --comment=site-options",
                    "--max_cpus", "2", "--max_memory", "2.GB");
            for (Map<String, String> t : result[0].traceRows()) {
                gresOfJob.put(t.get("native_id"), gresOf(t.get("native_id"), env));
            }
        });
        PipelineRun.Result run = result[0];
        run.assertSucceeded();

        Map<String, String> partitionOfJob = new HashMap<>();
        Map<String, String> nameOfJob = new HashMap<>();
        readJobcomp(state, partitionOfJob, nameOfJob);
        assertPartition(run, "PLAN", "cpu", partitionOfJob, nameOfJob);
        assertPartition(run, "EXTRACT", "gpu", partitionOfJob, nameOfJob);
        assertEquals(2, run.tasks("PLAN").size(), "one PLAN per model");
        for (Map<String, String> t : run.tasks("PLAN")) {
            assertEquals("", gresOfJob.get(t.get("native_id")), "PLAN reads headers only, on a CPU node");
            assertEquals(List.of(), sbatchLines(t, "--comment"), "the GPU jobs' site options are theirs alone");
        }
        assertEquals(2, run.tasks("EXTRACT").size());
        for (Map<String, String> t : run.tasks("EXTRACT")) {
            // on 80 GB GPUs in f16 the 70B model is resident on 2, the 8B on 1; the site's GPU type and options kept
            int gpus = t.get("tag").startsWith("llama-3-70b ") ? 2 : 1;
            assertEquals(List.of("#SBATCH --gres=gpu:fake:" + gpus + " --comment=site-options"),
                    sbatchLines(t, "--gres"), t.get("name"));
            assertEquals("gres:gpu:fake:" + gpus, gresOfJob.get(t.get("native_id")), t.get("name")
                    + ": what Slurm allocated (scontrol show job " + t.get("native_id") + ")");
            // the gpu label's resources of conf/base.config (4 CPUs and 32 GB capped to 2 and 2 GB, 8 h) survive the
            // profile's routing
            assertEquals(List.of("#SBATCH -c 2"), sbatchLines(t, "#SBATCH -c "), t.get("name"));
            assertEquals(List.of("#SBATCH --mem 2048M"), sbatchLines(t, "--mem"), t.get("name"));
            assertEquals(List.of("#SBATCH -t 08:00:00"), sbatchLines(t, "#SBATCH -t "), t.get("name"));
            assertEquals("auto", GpuRequestPipelineTest.option(GpuRequestPipelineTest.extractArgs(t), "--devices"),
                    t.get("name") + ": EXTRACT uses every GPU of its job");
        }
        deleteTree(state);
    }

    /** The #SBATCH lines of a task's job script that contain {@code text}. */
    private static List<String> sbatchLines(Map<String, String> task, String text) {
        return PipelineRun.read(Path.of(task.get("workdir")).resolve(".command.run")).lines()
                .filter(l -> l.startsWith("#SBATCH") && l.contains(text)).toList();
    }

    /** The GRES a Slurm job asked for per node, as Slurm records it ({@code TresPerNode}); "" when none. */
    private static String gresOf(String job, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("scontrol", "show", "job", job).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) {
            fail("scontrol show job " + job + ":\n" + out);
        }
        Matcher m = Pattern.compile("TresPerNode=(\\S+)").matcher(out);
        return m.find() ? m.group(1) : "";
    }

    private static void readJobcomp(Path state, Map<String, String> partitionOfJob, Map<String, String> nameOfJob)
            throws IOException {
        Path jobcomp = state.resolve("jobcomp.txt");
        assertTrue(Files.isRegularFile(jobcomp), "Slurm job completion log " + jobcomp);
        for (String line : Files.readAllLines(jobcomp)) {
            Matcher m = JOBCOMP.matcher(line);
            if (m.find()) {
                partitionOfJob.put(m.group(1), m.group(3));
                nameOfJob.put(m.group(1), m.group(2));
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void assertPartition(PipelineRun.Result run, String process, String partition,
                                        Map<String, String> partitionOfJob, Map<String, String> nameOfJob) {
        List<Map<String, String>> tasks = run.tasks(process);
        assertFalse(tasks.isEmpty(), process + " tasks in the trace");
        for (Map<String, String> t : tasks) {
            String job = t.get("native_id");
            assertEquals(partition, t.get("queue"), process + " " + t.get("name") + ": queue in the trace");
            assertEquals(partition, partitionOfJob.get(job), process + " " + t.get("name") + ": Slurm job " + job
                    + " partition in the job completion log");
            // Nextflow names the job after the process's full name, LANDSCAPE:<process> (workflows/landscape.nf)
            assertTrue(nameOfJob.get(job).matches("nf-LANDSCAPE_" + process + "(_.*)?"), "Slurm job " + job + " is "
                    + process + ", not " + nameOfJob.get(job));
        }
    }

    private static void requireSlurm() throws Exception {
        String reason = null;
        if (!"0".equals(output("id", "-u"))) {
            reason = "not running as root (the throwaway Slurm runs slurmd as root)";
        } else {
            for (String bin : List.of("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel")) {
                if (output("bash", "-c", "PATH=$PATH:/usr/sbin command -v " + bin).isEmpty()) {
                    reason = bin + " is not installed (run tests/slurm/install.sh as root)";
                    break;
                }
            }
        }
        if (reason == null) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true and the Slurm test cannot run: " + reason);
        }
        Assumptions.abort("Slurm test skipped: " + reason);
    }

    private static void script(Path script, Path state, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), state.toString()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            fail(script.getFileName() + " failed:\n" + out);
        }
        System.out.print(out);
    }

    private static String output(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor();
        return p.exitValue() == 0 ? out : "";
    }
}
