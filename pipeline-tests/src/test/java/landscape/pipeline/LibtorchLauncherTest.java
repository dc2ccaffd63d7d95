package landscape.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import landscape.core.Json;
import landscape.core.Matrix;
import landscape.core.format.Safetensors;
import landscape.core.testing.Golden;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stage launchers' {@code --libtorch DIR}: the real {@code bin/landscape-extract} runs the golden tiny-llama3
 * on a separately unpacked copy of the PyTorch 2.7.1 CPU natives laid out like a libtorch zip ({@code lib/},
 * {@code build-version}), and DJL's own log proves which files it loaded. Folders it cannot use are refused with one
 * line before any JVM starts (a stand-in {@code java} that prints what it was given would show otherwise).
 */
class LibtorchLauncherTest {
    private static final String DJL_LOADER_DEBUG = "-Dorg.slf4j.simpleLogger.log.ai.djl.pytorch.jni.LibUtils=debug";
    private static final Pattern LOADED = Pattern.compile("Loading native library: (\\S+)");

    @TempDir
    static Path tmp;

    static Path stageLib;
    static Path libtorch;
    static String djlVersion;

    @BeforeAll
    static void unpackTheCpuNativesLikeALibtorchZip() throws IOException {
        stageLib = PipelineRun.root().resolve("extract/target/lib");
        Path natives = only(stageLib, "pytorch-native-cpu-", "the PyTorch CPU natives jar");
        djlVersion = name(only(stageLib, "api-", "DJL's api jar")).replaceAll("^api-|\\.jar$", "");
        String torch = name(natives).replaceAll("^pytorch-native-cpu-|-linux-x86_64\\.jar$", "");
        libtorch = tmp.resolve("libtorch-" + torch);
        Path lib = Files.createDirectories(libtorch.resolve("lib"));
        try (ZipFile zip = new ZipFile(natives.toFile())) {
            for (ZipEntry e : zip.stream().toList()) {
                if (!e.isDirectory() && e.getName().startsWith("pytorch/cpu/linux-x86_64/")) {
                    copy(zip, e, lib.resolve(Path.of(e.getName()).getFileName()));
                }
            }
        }
        assertTrue(Files.isRegularFile(lib.resolve("libtorch.so")), "no libtorch.so in " + natives);
        Files.writeString(libtorch.resolve("build-version"), torch + "+cpu\n");
    }

    @Test
    void goldenExtractionRunsOnTheGivenLibtorchNotOnTheJarNatives() throws Exception {
        Path cache = tmp.resolve("djl-cache-golden");
        Path model = Golden.models().resolve("tiny-llama3");
        JsonNode expected = Json.MAPPER.readTree(model.resolve("expected.json").toFile());
        Path prompts = promptsFile(expected, tmp.resolve("golden-prompts.jsonl"));
        Path out = tmp.resolve("golden-out");

        Run r = stage("extract", Map.of("DJL_CACHE_DIR", cache.toString(), "LANDSCAPE_JAVA_OPTS", DJL_LOADER_DEBUG),
                "run", "--model", model.toString(), "--prompts", prompts.toString(), "--no-progress",
                "--libtorch", libtorch.toString(), "--out", out.toString());
        assertEquals(0, r.exit, r.output);

        // DJL loaded libtorch from the links to our copy, and never unpacked the natives jar on the class path
        List<Path> loaded = loaded(r.output);
        assertEquals(libtorch.resolve("lib/libtorch_cpu.so").toRealPath(), find(loaded, "libtorch_cpu.so").toRealPath(),
                r.output);
        assertEquals(libtorch.resolve("lib/libtorch.so").toRealPath(), find(loaded, "libtorch.so").toRealPath(), r.output);
        try (Stream<Path> s = Files.walk(cache)) {
            List<Path> unpacked = s.filter(p -> p.getFileName().toString().equals("libtorch_cpu.so"))
                    .filter(p -> !Files.isSymbolicLink(p)).toList();
            assertTrue(unpacked.isEmpty(), "DJL unpacked the natives jar: " + unpacked);
        }
        // the jar's CPU JNI, taken by DJL for the version and flavour the launcher named
        assertTrue(find(loaded, "libdjl_torch.so").toString().contains("/pytorch/" + libtorchVersion() + "-cpu-"),
                r.output);

        // and the numbers are the golden ones (GoldenModelTest's measure and tolerance)
        double worst = 0;
        JsonNode cases = expected.get("cases");
        JsonNode manifest = Json.MAPPER.readTree(out.resolve("manifest.json").toFile());
        assertEquals(cases.get(0).get("last_token").size(), manifest.get("points").size());
        for (JsonNode p : manifest.get("points")) {
            Matrix m = Safetensors.readMatrix(out.resolve(p.get("file").asText()));
            for (int row = 0; row < cases.size(); row++) {
                JsonNode want = cases.get(row).get("last_token").get(p.get("index").asInt());
                assertEquals(want.size(), m.cols());
                double maxAbs = 0;
                double dev = 0;
                for (int j = 0; j < want.size(); j++) {
                    maxAbs = Math.max(maxAbs, Math.abs(want.get(j).asDouble()));
                    dev = Math.max(dev, Math.abs(m.data()[row * m.cols() + j] - want.get(j).asDouble()));
                }
                worst = Math.max(worst, dev / Math.max(1, maxAbs));
            }
        }
        System.out.printf("golden tiny-llama3 through --libtorch %s: max deviation / max(1,|expected|) = %.3g%n",
                libtorch, worst);
        assertTrue(worst <= 1e-4, "deviation " + worst + " > 1e-4");
    }

    @Test
    void aJniGivenWithLibtorchJniIsTheOneDjlLoads() throws Exception {
        Path jni = jarJni(tmp.resolve("given-jni"));
        Run r = stage("analyze", Map.of("DJL_CACHE_DIR", tmp.resolve("djl-cache-given").toString(),
                        "LANDSCAPE_JAVA_OPTS", DJL_LOADER_DEBUG),
                "--libtorch=" + libtorch, "--libtorch-jni", jni.toString(), "--version");
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("DJL JNI: " + jni.toRealPath()), r.output);
        // analyze --version does not start the engine: the launcher's link folder holds the given JNI
        Path folder = linkFolder(r.output);
        assertEquals(jni.toRealPath(), folder.resolve("libdjl_torch.so").toRealPath());
    }

    @Test
    void aJniBuiltIntoTheJniFolderIsFoundByTorchVersionAndTheEnvironmentNamesTheLibtorch() throws Exception {
        Path home = tmp.resolve("jni-home");
        Path jni = jarJni(home.resolve("djl-" + djlVersion + "/torch-" + libtorchVersion() + "-cpu-cxx11"));
        Path out = tmp.resolve("env-out");
        Run r = stage("extract", Map.of("DJL_CACHE_DIR", tmp.resolve("djl-cache-env").toString(),
                        "LANDSCAPE_JNI_DIR", home.toString(), "LANDSCAPE_LIBTORCH", libtorch.toString(),
                        "LANDSCAPE_JAVA_OPTS", DJL_LOADER_DEBUG),
                "make-tiny-model", "--seed", "3", "--out", out.toString());
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("built by tools/build-djl-jni.sh"), r.output);
        Path folder = linkFolder(r.output);
        assertEquals(jni.toRealPath(), folder.resolve("libdjl_torch.so").toRealPath());
    }

    @Test
    void aFolderWithoutLibtorchIsRefusedWithOneLineBeforeAnyJvmStarts() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("no-libtorch/lib"));
        Files.writeString(empty.resolve("libfoo.so"), "");
        Run r = stage("extract", fakeJava(), "run", "--libtorch", empty.getParent().toString(), "--model", "x",
                "--prompts", "y", "--out", "z");
        assertEquals(1, r.exit, r.output);
        assertOneLine(r.output, "landscape-extract: --libtorch " + empty.getParent().toRealPath() + ": no libtorch.so in");
        assertTrue(r.output.contains("found: lib/libfoo.so"), r.output);
    }

    @Test
    void aTorchVersionWithoutJniIsRefusedWithOneLineBeforeAnyJvmStarts() throws Exception {
        Path other = tmp.resolve("libtorch-2.5.1");
        Files.createDirectories(other.resolve("lib"));
        Files.copy(libtorch.resolve("lib/libtorch.so"), other.resolve("lib/libtorch.so"));
        Files.copy(libtorch.resolve("lib/libc10.so"), other.resolve("lib/libc10.so"));
        Files.writeString(other.resolve("build-version"), "2.5.1+cpu\n");
        Map<String, String> env = new HashMap<>(fakeJava());
        env.put("LANDSCAPE_JNI_DIR", tmp.resolve("no-jnis").toString());
        Run r = stage("analyze", env, "--libtorch", other.toString(), "--version");
        assertEquals(1, r.exit, r.output);
        assertOneLine(r.output, "landscape-analyze: --libtorch " + other.toRealPath() + ": torch 2.5.1+cpu (CPU");
        assertTrue(r.output.contains("no DJL " + djlVersion + " JNI for it"), r.output);
        assertTrue(r.output.contains("tools/build-djl-jni.sh --libtorch"), r.output);
    }

    @Test
    void theLandscapeLauncherChecksTheLibtorchBeforeNextflowStarts() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty-for-run"));
        Map<String, String> env = new HashMap<>(fakeJava());
        env.put("LANDSCAPE_SKIP_BUILD", "1");
        env.put("LANDSCAPE_NEXTFLOW", "maven");
        Run r = exec(List.of(PipelineRun.root().resolve("landscape").toString(), "run", "-profile", "test",
                "--libtorch", empty.toString()), env);
        assertEquals(1, r.exit, r.output);
        assertOneLine(r.output, "landscape: --libtorch " + empty.toRealPath() + ": no libtorch.so in");
    }

    @Test
    void theDjlLaunchersTakeTheLibtorchOptionsAnywhereAndPassEverythingElseInOrder() throws Exception {
        Map<String, String> env = new HashMap<>(fakeJava());
        env.put("DJL_CACHE_DIR", tmp.resolve("djl-cache-args").toString());
        Run r = stage("extract", env, "run", "--model", "m", "--libtorch", libtorch.toString(), "--out", "o",
                "--", "--libtorch", "kept");
        assertEquals(0, r.exit, r.output);
        List<String> args = r.output.lines().filter(l -> l.startsWith("ARG ")).map(l -> l.substring(4)).toList();
        int jar = args.indexOf("-jar");
        assertTrue(args.subList(0, jar).contains("-Dai.djl.offline=true"), r.output);
        assertEquals(List.of("run", "--model", "m", "--out", "o", "--", "--libtorch", "kept"),
                args.subList(jar + 2, args.size()), r.output);
        assertTrue(r.output.contains("ENV DJL_CACHE_DIR=" + tmp.resolve("djl-cache-args")), r.output);
        assertTrue(r.output.contains("ENV PYTORCH_LIBRARY_PATH=" + tmp.resolve("djl-cache-args/landscape-libtorch/")),
                r.output);
        assertTrue(r.output.contains("ENV PYTORCH_VERSION=" + libtorchVersion()), r.output);
        assertTrue(r.output.contains("ENV PYTORCH_FLAVOR=cpu"), r.output);
    }

    @Test
    void aPipCudaTorch271TakesTheJarsCu128JniAndTheWheelsCudaLibraries() throws Exception {
        // a pip wheel's layout: site-packages/torch/{version.py,lib/} and site-packages/nvidia/*/lib
        Path site = tmp.resolve("site-packages");
        Path torch = pipTorch(site, "2.7.1+cu126", "12.6");
        Path cudart = Files.createDirectories(site.resolve("nvidia/cuda_runtime/lib")).resolve("libcudart.so.12");
        Files.writeString(cudart, "");
        Files.createDirectories(site.resolve("nvidia/cublas/lib"));
        Map<String, String> env = new HashMap<>(fakeJava());
        env.put("DJL_CACHE_DIR", tmp.resolve("djl-cache-pip").toString());
        env.put("LD_LIBRARY_PATH", "/opt/before");
        Run r = stage("extract", env, "--libtorch", torch.toString(), "--version");
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("ENV PYTORCH_VERSION=2.7.1\n"), r.output);
        assertTrue(r.output.contains("ENV PYTORCH_FLAVOR=cu128\n"), r.output);
        assertTrue(r.output.contains("libtorch 2.7.1+cu126 (cu126, cxx11 ABI, version from version.py)"), r.output);
        String ld = r.output.lines().filter(l -> l.startsWith("ENV LD_LIBRARY_PATH=")).findFirst().orElseThrow()
                .substring("ENV LD_LIBRARY_PATH=".length());
        List<String> dirs = List.of(ld.split(":"));
        assertTrue(dirs.contains(torch.resolve("lib").toRealPath().toString()), ld);
        assertTrue(dirs.contains(site.resolve("nvidia/cublas/lib").toRealPath().toString()), ld);
        assertTrue(dirs.contains(site.resolve("nvidia/cuda_runtime/lib").toRealPath().toString()), ld);
        assertEquals("/opt/before", dirs.get(dirs.size() - 1), ld);
        Path cudartLink = Path.of(dirs.get(0)).resolve("libcudart.so");
        assertEquals(cudart.toRealPath(), cudartLink.toRealPath(), ld);
    }

    @Test
    void anotherPipCudaTorchNeedsABuiltJniAndIsToldWhereItGoes() throws Exception {
        // no local version suffix: the CUDA version comes from version.py's `cuda: Optional[str] = '13.0'`
        Path torch = pipTorch(tmp.resolve("site-packages-211"), "2.11.0", "13.0");
        Map<String, String> env = new HashMap<>(fakeJava());
        env.put("LANDSCAPE_JNI_DIR", tmp.resolve("jnis-211").toString());
        Run r = stage("extract", env, "--libtorch", torch.toString(), "--version");
        assertEquals(1, r.exit, r.output);
        assertOneLine(r.output, "landscape-extract: --libtorch " + torch.toRealPath()
                + ": torch 2.11.0 (CUDA (cu130), cxx11 ABI) found, but no DJL " + djlVersion + " JNI for it");
        assertTrue(r.output.contains(tmp.resolve("jnis-211") + "/djl-" + djlVersion
                + "/torch-2.11.0-cu130-cxx11/libdjl_torch.so"), r.output);
    }

    @Test
    void thePlotLauncherSetsNothingForDjl() throws Exception {
        Map<String, String> env = new HashMap<>(fakeJava());
        env.put("HOME", Files.createDirectories(tmp.resolve("plot-home")).toString());
        Run r = stage("plot", env, "--version", "--libtorch", "x");
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("ENV DJL_CACHE_DIR=<unset>"), r.output);
        assertTrue(r.output.contains("ENV PYTORCH_LIBRARY_PATH=<unset>"), r.output);
        List<String> args = r.output.lines().filter(l -> l.startsWith("ARG ")).map(l -> l.substring(4)).toList();
        assertEquals(List.of("-jar", PipelineRun.root().resolve("plot/target/landscape-plot.jar").toString(),
                "--version", "--libtorch", "x"), args, r.output);
    }

    // ------------------------------------------------------------------ helpers

    private record Run(int exit, String output) {
    }

    private static Run stage(String stage, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(PipelineRun.root().resolve("bin/landscape-" + stage).toString());
        cmd.addAll(Arrays.asList(args));
        return exec(cmd, env);
    }

    private static Run exec(List<String> cmd, Map<String, String> env) throws Exception {
        Path log = Files.createTempFile(tmp, "run", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().remove("LANDSCAPE_LIBTORCH");
        pb.environment().remove("LANDSCAPE_LIBTORCH_JNI");
        pb.environment().remove("LANDSCAPE_JAVA_OPTS");
        pb.environment().remove("LANDSCAPE_JNI_DIR");
        pb.environment().remove("DJL_CACHE_DIR");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(cmd + " did not finish in 5 minutes:\n" + Files.readString(log));
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static void assertOneLine(String output, String prefix) {
        List<String> lines = output.lines().toList();
        assertEquals(1, lines.size(), "expected one line (and no JVM started), got:\n" + output);
        assertTrue(lines.get(0).startsWith(prefix), "expected a line starting with '" + prefix + "', got:\n" + output);
    }

    /**
     * JAVA_HOME pointing at a stand-in {@code bin/java} that prints the DJL variables it was given and its arguments
     * ("ENV NAME=value", "ARG a"), so a test sees exactly what a launcher would start, or that it started nothing.
     */
    private static Map<String, String> fakeJava() throws IOException {
        Path bin = tmp.resolve("fake-jdk/bin");
        Path java = bin.resolve("java");
        if (!Files.exists(java)) {
            Files.createDirectories(bin);
            StringBuilder sh = new StringBuilder("#!/bin/sh\n");
            for (String v : List.of("DJL_CACHE_DIR", "PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR",
                    "LD_LIBRARY_PATH")) {
                sh.append("printf 'ENV %s=%s\\n' ").append(v).append(" \"${").append(v).append("-<unset>}\"\n");
            }
            sh.append("for a in \"$@\"; do printf 'ARG %s\\n' \"$a\"; done\n");
            Files.writeString(java, sh.toString());
            java.toFile().setExecutable(true);
        }
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_HOME", bin.getParent().toString());
        return env;
    }

    private static List<Path> loaded(String output) {
        List<Path> paths = new ArrayList<>();
        Matcher m = LOADED.matcher(output);
        while (m.find()) {
            paths.add(Path.of(m.group(1)));
        }
        return paths;
    }

    private static Path find(List<Path> loaded, String fileName) {
        return loaded.stream().filter(p -> p.getFileName().toString().endsWith(fileName)
                && (fileName.equals("libdjl_torch.so") || p.getFileName().toString().equals(fileName)))
                .findFirst().orElseGet(() -> fail("DJL did not log loading " + fileName + ": " + loaded));
    }

    /** The launcher's folder of links, from its one line ("links in DIR/lib"). */
    private static Path linkFolder(String output) {
        Matcher m = Pattern.compile("links in (\\S+)").matcher(output);
        assertTrue(m.find(), output);
        return Path.of(m.group(1));
    }

    /** A pip wheel's torch/ folder (version.py as pip writes it) with the CPU libraries and a CUDA marker library. */
    private static Path pipTorch(Path site, String version, String cuda) throws IOException {
        Path torch = site.resolve("torch");
        Path lib = Files.createDirectories(torch.resolve("lib"));
        Files.copy(libtorch.resolve("lib/libtorch.so"), lib.resolve("libtorch.so"));
        Files.copy(libtorch.resolve("lib/libc10.so"), lib.resolve("libc10.so"));
        Files.writeString(lib.resolve("libtorch_cuda.so"), "");
        Files.writeString(torch.resolve("version.py"), "from typing import Optional\n\n"
                + "__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip', 'xpu']\n"
                + "__version__ = '" + version + "'\ndebug = False\ncuda: Optional[str] = '" + cuda + "'\n"
                + "git_version = '0123456789abcdef'\nhip: Optional[str] = None\nxpu: Optional[str] = None\n");
        return torch;
    }

    private static String libtorchVersion() throws IOException {
        return Files.readString(libtorch.resolve("build-version")).trim().replaceAll("\\+.*", "");
    }

    /** The CPU JNI out of the pytorch-jni jar of the stage jars, as a file of its own in {@code dir}. */
    private static Path jarJni(Path dir) throws IOException {
        Path jar = only(stageLib, "pytorch-jni-", "DJL's pytorch-jni jar");
        Files.createDirectories(dir);
        Path target = dir.resolve("libdjl_torch.so");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry e = zip.getEntry("jnilib/linux-x86_64/cpu/libdjl_torch.so");
            assertTrue(e != null, "no CPU JNI in " + jar);
            copy(zip, e, target);
        }
        return target;
    }

    private static void copy(ZipFile zip, ZipEntry e, Path target) throws IOException {
        try (InputStream in = zip.getInputStream(e)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path only(Path dir, String prefix, String what) throws IOException {
        if (!Files.isDirectory(dir)) {
            fail(dir + " is missing: the stage jars must be packaged before the pipeline tests");
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> found = s.filter(p -> name(p).startsWith(prefix) && name(p).endsWith(".jar")).toList();
            if (found.size() != 1) {
                fail("expected one " + what + " (" + prefix + "*.jar) in " + dir + ", found " + found);
            }
            return found.get(0);
        }
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }

    private static Path promptsFile(JsonNode expected, Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (JsonNode c : expected.get("cases")) {
            lines.add(Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(Map.of("prompt", c.get("prompt").asText())));
        }
        return Files.write(file, lines);
    }
}
