package landscape.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the pipeline the way users do, {@code ./landscape run ARGS}, in a launch directory of its own, and reads
 * what a run leaves behind: its trace (tab-separated, one row per task) and its published files.
 *
 * <p>Every run shares one Nextflow home (plugins) under {@code target/}, gets {@code -ansi-log false}, and writes
 * its console output to {@code <launchDir>/<name>.log} (shown in failure messages, never asserted on except for
 * the parameter-validation errors, which are the product there). The demo run ({@link #demo()}) is made once per
 * test JVM and shared: the resume tests continue from its work directory, so the tiny model is extracted once.
 */
final class PipelineRun {
    static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

    private static Demo demo;

    private PipelineRun() {
    }

    /** The repository root (surefire sets landscape.root). */
    static Path root() {
        String r = System.getProperty("landscape.root");
        Path p = r != null ? Path.of(r) : Path.of("").toAbsolutePath().getParent();
        return p.toAbsolutePath().normalize();
    }

    /** Shared Nextflow home for every pipeline test of this build (the plugin is installed there once). */
    static Path nxfHome() {
        Path home = root().resolve("pipeline-tests/target/nxf-home");
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return home;
    }

    /** A fresh launch directory under pipeline-tests/target/pipeline-runs. */
    static Path newLaunchDir(String prefix) {
        try {
            Path base = Files.createDirectories(root().resolve("pipeline-tests/target/pipeline-runs"));
            return Files.createTempDirectory(base, prefix + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What one run left: exit code, console log, and the paths it was told to use. */
    record Result(int exitCode, Path launchDir, Path log, Path trace, Path outdir) {
        String output() {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        List<Map<String, String>> traceRows() {
            return readTrace(trace);
        }

        /** Trace rows of one process (matched on the process name's last part). */
        List<Map<String, String>> tasks(String process) {
            return traceRows().stream().filter(r -> process.equals(simpleName(r.get("process")))).toList();
        }

        void assertSucceeded() {
            if (exitCode != 0) {
                fail("pipeline run failed with exit code " + exitCode + " (" + log + "):\n" + tail(output(), 60));
            }
        }
    }

    /** A started run; {@link #await()} waits for it. */
    record Started(Process process, Result result) {
        Result await() {
            try {
                if (!process.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    destroyTree(process.toHandle(), false);
                    fail("pipeline run did not finish in " + RUN_TIMEOUT + ":\n" + tail(result.output(), 60));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return new Result(process.exitValue(), result.launchDir(), result.log(), result.trace(), result.outdir());
        }
    }

    /**
     * Runs {@code ./landscape run} in {@code launchDir} with {@code --outdir <launchDir>/<name>-results},
     * {@code -with-trace <launchDir>/<name>-trace.txt} and {@code -work-dir <launchDir>/work}, plus {@code args}.
     */
    static Result run(Path launchDir, String name, Map<String, String> env, String... args) {
        return start(launchDir, name, env, args).await();
    }

    static Started start(Path launchDir, String name, Map<String, String> env, String... args) {
        return start(root(), launchDir, name, env, args);
    }

    /** {@link #run} with the launcher of another checkout {@code root} (a copy of this one). */
    static Result run(Path root, Path launchDir, String name, Map<String, String> env, String... args) {
        return start(root, launchDir, name, env, args).await();
    }

    private static Started start(Path root, Path launchDir, String name, Map<String, String> env, String... args) {
        Path outdir = launchDir.resolve(name + "-results");
        Path trace = launchDir.resolve(name + "-trace.txt");
        Path log = launchDir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>(List.of(root.resolve("landscape").toString(), "run",
                "-ansi-log", "false",
                "-work-dir", launchDir.resolve("work").toString(),
                "-with-trace", trace.toString()));
        cmd.addAll(Arrays.asList(args));
        cmd.addAll(List.of("--outdir", outdir.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(launchDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("NXF_HOME", nxfHome().toString());
        pb.environment().put("LANDSCAPE_SKIP_BUILD", System.getenv().getOrDefault("LANDSCAPE_SKIP_BUILD", "1"));
        pb.environment().remove("NXF_WORK");
        pb.environment().putAll(env);
        try {
            Files.writeString(log, "");
            return new Started(pb.start(), new Result(-1, launchDir, log, trace, outdir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The demo run ({@code -profile test}, real tools), made once per test JVM. Tests that only read it share it;
     * the resume tests continue from its work directory with their own --outdir and trace.
     */
    static synchronized Demo demo() {
        if (demo == null) {
            Path dir = newLaunchDir("demo");
            long t0 = System.nanoTime();
            Result r = run(dir, "demo", Map.of(), "-profile", "test");
            System.out.printf("demo pipeline run (-profile test): %.1f s, exit %d, %s%n",
                    (System.nanoTime() - t0) / 1e9, r.exitCode(), dir);
            demo = new Demo(r);
        }
        return demo;
    }

    /** The shared demo run. */
    record Demo(Result result) {
        Path launchDir() {
            return result.launchDir();
        }
    }

    // ------------------------------------------------------------------ trace

    /** A Nextflow trace file as rows of column → value (the fields set in nextflow.config). */
    static List<Map<String, String>> readTrace(Path trace) {
        if (!Files.exists(trace)) {
            return List.of();
        }
        try {
            List<String> lines = Files.readAllLines(trace, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return List.of();
            }
            String[] header = lines.get(0).split("\t", -1);
            List<Map<String, String>> rows = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split("\t", -1);
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < header.length && i < cells.length; i++) {
                    row.put(header[i], cells[i]);
                }
                rows.add(row);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String simpleName(String process) {
        if (process == null) {
            return "";
        }
        int i = process.lastIndexOf(':');
        return i < 0 ? process : process.substring(i + 1);
    }

    static void assertAllStatus(List<Map<String, String>> rows, String status, String what) {
        assertTrue(!rows.isEmpty(), what + ": no tasks in the trace");
        for (Map<String, String> r : rows) {
            assertEquals(status, r.get("status"), what + ": task " + r.get("name") + " (" + r.get("hash") + ")");
        }
    }

    // ------------------------------------------------------------------ processes and files

    /** SIGTERM to the process and every descendant (deepest first), then SIGKILL to whatever is left after 20 s. */
    static void destroyTree(ProcessHandle root, boolean graceful) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        Collections.reverse(all);
        all.add(root);
        if (graceful) {
            root.destroy();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (root.isAlive() && System.nanoTime() < deadline) {
                sleep(200);
            }
        }
        for (ProcessHandle h : all) {
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static List<Path> list(Path dir, String glob) {
        try (Stream<Path> s = Files.list(dir)) {
            var m = dir.getFileSystem().getPathMatcher("glob:" + glob);
            return s.filter(p -> m.matches(p.getFileName())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String tail(String text, int lines) {
        String[] all = text.split("\n", -1);
        return String.join("\n", Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
    }

    /** Nextflow task directories (work/ab/cdef...) under a work dir: each is a task that was submitted. */
    static List<Path> taskDirs(Path workDir) {
        if (!Files.isDirectory(workDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(workDir, 2)) {
            return s.filter(p -> workDir.relativize(p).getNameCount() == 2 && Files.isDirectory(p)
                    && p.getParent().getFileName().toString().matches("[0-9a-f]{2}")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
