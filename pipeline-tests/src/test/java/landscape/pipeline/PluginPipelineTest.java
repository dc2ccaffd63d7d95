package landscape.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import landscape.core.LandscapeVersion;
import landscape.core.format.DType;
import landscape.core.format.Npy;
import landscape.core.format.Safetensors;
import landscape.core.format.Tensor;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.core.run.Sample;
import landscape.core.run.SamplesCsv;
import landscape.core.testing.ManifestBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nf-landscape plugin inside Nextflow 24.10.0, offline, installed by {@code ./landscape} into a temporary
 * NXF_HOME: the factory fromRepresentations on generated representation directories, layerInfo in a memory
 * directive, -resume caching, one-line errors, and parameter validation before anything is submitted.
 * Scripts: tests/nf/plugin.nf and tests/nf/validate/main.nf.
 */
class PluginPipelineTest {
    static final Path ROOT = Path.of(System.getProperty("landscape.root", "..")).toAbsolutePath().normalize();
    static final int ROWS = 512;
    static final int DIM = 1024;

    @TempDir
    Path tmp;

    Path home;
    Path launch;

    record Run(int exit, String out, String err) {
        String all() {
            return out + "\n" + err;
        }
    }

    @BeforeEach
    void dirs() throws IOException {
        home = Files.createDirectories(tmp.resolve("nxf-home"));
        launch = Files.createDirectories(tmp.resolve("launch"));
    }

    Run nextflow(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("landscape").toString(), "nextflow"));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(launch.toFile());
        pb.environment().put("NXF_HOME", home.toString());
        pb.environment().put("LANDSCAPE_SKIP_BUILD", "1");
        pb.environment().put("LANDSCAPE_NEXTFLOW", "maven");
        pb.environment().put("NXF_ANSI_LOG", "false");
        pb.environment().remove("NXF_OFFLINE"); // the launcher must set it
        Path out = tmp.resolve("stdout.txt");
        Path err = tmp.resolve("stderr.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("nextflow did not finish: " + cmd);
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A project representation directory: point i is f32 for even i (safetensors) and f16 for odd i (npy). */
    static Path representations(Path dir, String model, int shots, int points) throws IOException {
        Files.createDirectories(dir);
        List<Manifest.Point> listed = new ArrayList<>();
        double[] values = new double[ROWS * DIM];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i % 97) * 0.01;
        }
        for (int i = 0; i < points; i++) {
            boolean even = i % 2 == 0;
            String name = "l" + i + (even ? ".safetensors" : ".npy");
            Tensor t = Tensor.ofDoubles(even ? DType.F32 : DType.F16, new long[] {ROWS, DIM}, values);
            if (even) {
                Safetensors.write(dir.resolve(name), Map.of("layer", t), Map.of());
            } else {
                Npy.write(dir.resolve(name), t);
            }
            String module = i < points - 1 ? "model.layers." + i + ".input_layernorm" : "model.norm";
            listed.add(new Manifest.Point(i, module, name, ROWS, DIM, even ? "f32" : "f16",
                    RepresentationDir.sha256(dir.resolve(name))));
        }
        List<Sample> samples = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            samples.add(new Sample(r, r, "subject" + r % 4, "ABCD".substring(r % 4, r % 4 + 1), "A", "A", 10));
        }
        SamplesCsv.write(dir.resolve(RepresentationDir.SAMPLES), samples);
        RepresentationDir.writeManifest(dir, ManifestBuilder.manifest().model(model).modelPath("/models/" + model)
                .layers(points - 1).hidden(DIM).intermediate(128).shots(shots).rows(ROWS).points(listed).build());
        return dir;
    }

    /** Rows of a tab-separated trace file as maps from column to value. */
    static List<Map<String, String>> trace(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String[] head = lines.get(0).split("\t");
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split("\t");
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < head.length; i++) {
                row.put(head[i], i < cells.length ? cells[i] : "");
            }
            rows.add(row);
        }
        return rows;
    }

    static void assertNoStackTrace(Run r) {
        for (String line : (r.out() + "\n" + r.err()).split("\n")) {
            assertFalse(line.matches("\\s+at [\\w.$]+\\(.*"), "stack trace line: " + line);
            assertFalse(line.contains("Exception:") || line.startsWith("Caused by: java"), "exception text: " + line);
        }
    }

    @Test
    void factoryAndLayerInfoRunOfflineAndResumeCachesEveryTask() throws Exception {
        Path reps = tmp.resolve("reps");
        Path a = representations(reps.resolve("tiny-a/2shot"), "tiny-a", 2, 3);
        Path b = representations(reps.resolve("tiny-b/0shot"), "tiny-b", 0, 2);
        String script = ROOT.resolve("tests/nf/plugin.nf").toString();

        Run first = nextflow("run", script, "--reps", reps.toString(), "--outdir", "out", "-with-trace", "trace1.txt");
        assertEquals(0, first.exit(), first.all());

        // the launcher installed the unpacked plugin, without Nextflow or Groovy jars
        Path plugin = home.resolve("plugins/nf-landscape-" + LandscapeVersion.get());
        assertTrue(Files.readString(plugin.resolve("classes/META-INF/MANIFEST.MF")).contains("Plugin-Id: nf-landscape"));
        try (Stream<Path> libs = Files.list(plugin.resolve("lib"))) {
            List<String> jars = libs.map(p -> p.getFileName().toString()).toList();
            assertTrue(jars.stream().anyMatch(j -> j.startsWith("landscape-core")), jars.toString());
            assertTrue(jars.stream().noneMatch(j -> j.startsWith("nextflow") || j.startsWith("groovy")), jars.toString());
            // core's command-line scaffold needs picocli, an optional dependency the plugin never loads
            assertTrue(jars.stream().noneMatch(j -> j.startsWith("picocli")), jars.toString());
        }

        // one item per extraction point, meta from the manifests, sizes from the headers
        Map<String, String> expected = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            expected.put("tiny-a/2shot/l" + i, line("tiny-a", 2, i, i < 2 ? "model.layers." + i + ".input_layernorm" : "model.norm", a));
        }
        for (int i = 0; i < 2; i++) {
            expected.put("tiny-b/0shot/l" + i, line("tiny-b", 0, i, i < 1 ? "model.layers." + i + ".input_layernorm" : "model.norm", b));
        }
        Map<String, String> got = new TreeMap<>();
        for (String l : Files.readAllLines(launch.resolve("out/points.csv"))) {
            String[] c = l.split(",");
            got.put(c[0] + "/" + c[1] + "shot/l" + c[3], l);
        }
        assertEquals(expected, got);

        // memory { } sized by layerInfo: 64 MB + 4 x the layer's MiB (f32: 2 MiB -> 72 MB, f16: 1 MiB -> 68 MB)
        List<Map<String, String>> t1 = trace(launch.resolve("trace1.txt"));
        assertEquals(5, t1.size());
        Map<String, String> memory = new TreeMap<>();
        for (Map<String, String> row : t1) {
            assertEquals("COMPLETED", row.get("status"), row.toString());
            memory.put(row.get("name"), row.get("memory"));
        }
        assertEquals("72 MB", memory.get("POINT (tiny-a/2shot/l0)"));
        assertEquals("68 MB", memory.get("POINT (tiny-a/2shot/l1)"));
        assertEquals("68 MB", memory.get("POINT (tiny-b/0shot/l1)"));

        Run second = nextflow("run", script, "--reps", reps.toString(), "--outdir", "out", "-with-trace", "trace2.txt", "-resume");
        assertEquals(0, second.exit(), second.all());
        List<Map<String, String>> t2 = trace(launch.resolve("trace2.txt"));
        assertEquals(5, t2.size());
        for (Map<String, String> row : t2) {
            assertEquals("CACHED", row.get("status"), "not cached on -resume: " + row);
        }
        assertEquals(t1.stream().map(r -> r.get("hash")).sorted().toList(), t2.stream().map(r -> r.get("hash")).sorted().toList());
    }

    static String line(String model, int shots, int i, String module, Path run) {
        boolean even = i % 2 == 0;
        long bytes = (long) ROWS * DIM * (even ? 4 : 2);
        String dtype = even ? "f32" : "f16";
        String file = "l" + i + (even ? ".safetensors" : ".npy");
        return String.join(",", model, String.valueOf(shots), "test", String.valueOf(i), module, String.valueOf(ROWS),
                String.valueOf(DIM), dtype, run.toAbsolutePath().normalize().toString(), file,
                ROWS + ":" + DIM + ":" + dtype + ":" + bytes, even ? "72" : "68");
    }

    @Test
    void factoryFedByAChannelFiltersLayers() throws Exception {
        Path reps = tmp.resolve("reps");
        representations(reps.resolve("tiny-a/5shot"), "tiny-a", 5, 3);
        representations(reps.resolve("tiny-b/5shot"), "tiny-b", 5, 3);
        Run r = nextflow("run", ROOT.resolve("tests/nf/plugin.nf").toString(), "--reps", reps + "/*/5shot",
                "--from_channel", "true", "--layers", "0,2", "--outdir", "out");
        assertEquals(0, r.exit(), r.all());
        List<String> keys = Files.readAllLines(launch.resolve("out/points.csv")).stream()
                .map(l -> l.split(",")).map(c -> c[0] + ":" + c[3]).sorted().toList();
        assertEquals(List.of("tiny-a:0", "tiny-a:2", "tiny-b:0", "tiny-b:2"), keys);
    }

    @Test
    void badPathStopsTheRunWithOneLineAndNoStackTrace() throws Exception {
        Path missing = tmp.resolve("no/such/dir");
        Run r = nextflow("run", ROOT.resolve("tests/nf/plugin.nf").toString(), "--reps", missing.toString(),
                "-with-trace", "trace.txt");
        assertNotEquals(0, r.exit());
        assertTrue(r.all().contains("fromRepresentations: " + missing + ": does not exist"), r.all());
        assertNoStackTrace(r);
        assertEquals(0, trace(launch.resolve("trace.txt")).size(), "no task may run");

        // fed by a channel, the scan happens while the run is going: still one line, and the run fails
        Path empty = Files.createDirectories(tmp.resolve("empty/sub"));
        Run fed = nextflow("run", ROOT.resolve("tests/nf/plugin.nf").toString(), "--reps", empty.getParent().toString(),
                "--from_channel", "true");
        assertNotEquals(0, fed.exit());
        assertTrue(fed.all().contains("fromRepresentations: " + empty.getParent() + ": no representation directories found"), fed.all());
        assertNoStackTrace(fed);
    }

    @Test
    void badParametersStopTheRunBeforeAnyTask() throws Exception {
        Path model = Files.createDirectories(launch.resolve("models/tiny"));
        Files.writeString(model.resolve("config.json"), "{}");
        Files.createDirectories(launch.resolve("models/notok"));
        Files.writeString(launch.resolve("models/notok/config.json"), "{}");
        Files.writeString(Files.createDirectories(launch.resolve("mmlu/test")).resolve("anatomy_test.csv"), "q,a,b,c,d,A\n");
        String script = ROOT.resolve("tests/nf/validate/main.nf").toString();
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(List.of("--shots", "0,7"), "invalid parameter --shots[1]");
        cases.put(List.of("--maxkk", "3"), "unknown parameter --maxkk (not in nextflow_schema.json); did you mean --maxk?");
        cases.put(List.of("--maxk", "many"), "invalid parameter --maxk: string found, integer expected");
        cases.put(List.of("--models", "models/absent"), "--models: model directory models/absent does not exist");
        cases.put(List.of("--models", "models/notok"), "--models: model directory models/notok has no tokenizer.json");
        cases.put(List.of("--dataset", "mmlu", "--split", "val"), "--split val: ");
        for (var c : cases.entrySet()) {
            List<String> args = new ArrayList<>(List.of("run", script, "-with-trace", "trace.txt"));
            args.addAll(c.getKey());
            Run r = nextflow(args.toArray(String[]::new));
            assertNotEquals(0, r.exit(), c.getKey().toString());
            assertTrue(r.all().contains(c.getValue()), c.getKey() + " -> " + r.all());
            assertNoStackTrace(r);
            // refused before the run starts: not even the trace file is opened
            assertFalse(Files.exists(launch.resolve("trace.txt")), "a trace file despite " + c.getKey());
        }
        Files.writeString(model.resolve("tokenizer.json"), "{}");
        Files.writeString(model.resolve("model.safetensors"), "");
        Run ok = nextflow("run", script, "-with-trace", "trace.txt", "--shots", "0,5", "--models", "models/tiny", "--dataset", "mmlu");
        assertEquals(0, ok.exit(), ok.all());
        assertEquals(2, trace(launch.resolve("trace.txt")).size());
        assertEquals("0\n5\n", sorted(Files.readString(launch.resolve("out/done.txt"), StandardCharsets.UTF_8)));
    }

    static String sorted(String text) {
        return String.join("\n", text.lines().sorted().toList()) + "\n";
    }
}
