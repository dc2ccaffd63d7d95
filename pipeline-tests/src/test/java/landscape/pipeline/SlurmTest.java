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
 * slurmd from Debian's packages, partitions gpu and cpu, loopback only, state in a temp dir). The node has no GPU, so
 * the run passes {@code --gpu_cluster_options ''}. EXTRACT must run in partition gpu and every other process
 * (ANALYZE, SUMMARIZE, PLOT, MAKE_TINY_MODEL) in cpu, as Slurm itself records it in its job completion log, and as
 * Nextflow's trace says.
 *
 * <p>Needs root and the packages (tests/slurm/install.sh, which {@code ./landscape test} and .ci/run call). Without
 * them the test is skipped with the reason, except when {@code CI=true}: there a skip is a failure.
 */
class SlurmTest {
    private static final Pattern JOBCOMP = Pattern.compile("JobId=(\\d+) .*?Name=(\\S*) .*?Partition=(\\S+)");

    @Test
    void extractRunsInGpuPartitionAndAnalyzeInCpuPartition() throws Exception {
        requireSlurm();
        Path root = PipelineRun.root();
        Path dir = PipelineRun.newLaunchDir("slurm");
        // short: slurmd and munged put Unix sockets (at most 108 bytes of path) in it
        Path state = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "slurm");
        System.out.println("throwaway Slurm state: " + state);
        Map<String, String> env = new HashMap<>();
        env.put("SLURM_CONF", state.resolve("slurm.conf").toString());
        env.put("PATH", System.getenv("PATH") + ":/usr/sbin");

        script(root.resolve("tests/slurm/start.sh"), state, env);
        PipelineRun.Result run;
        try {
            run = PipelineRun.run(dir, "slurm", env, "-profile", "test,slurm",
                    "-c", root.resolve("tests/slurm/nextflow-test.config").toString(),
                    "--gpu_cluster_options", "");
        } finally {
            script(root.resolve("tests/slurm/stop.sh"), state, env);
        }
        run.assertSucceeded();

        // what Slurm recorded: job id → partition
        Path jobcomp = state.resolve("jobcomp.txt");
        assertTrue(Files.isRegularFile(jobcomp), "Slurm job completion log " + jobcomp);
        Map<String, String> partitionOfJob = new HashMap<>();
        Map<String, String> nameOfJob = new HashMap<>();
        for (String line : Files.readAllLines(jobcomp)) {
            Matcher m = JOBCOMP.matcher(line);
            if (m.find()) {
                partitionOfJob.put(m.group(1), m.group(3));
                nameOfJob.put(m.group(1), m.group(2));
            }
        }
        assertPartition(run, "EXTRACT", "gpu", partitionOfJob, nameOfJob);
        assertPartition(run, "ANALYZE", "cpu", partitionOfJob, nameOfJob);
        assertPartition(run, "SUMMARIZE", "cpu", partitionOfJob, nameOfJob);
        // label small, like SUMMARIZE: every process but the gpu-labelled one goes to the cpu partition
        assertPartition(run, "PLOT", "cpu", partitionOfJob, nameOfJob);
        assertPartition(run, "MAKE_TINY_MODEL", "cpu", partitionOfJob, nameOfJob);
        assertTrue(Files.isRegularFile(run.outdir().resolve("figures/report.html")), "the Slurm run made the report");
        deleteTree(state); // kept for inspection when an assertion above fails
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
