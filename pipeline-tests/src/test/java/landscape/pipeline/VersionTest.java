package landscape.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import landscape.core.LandscapeVersion;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * One version: the root pom.xml's {@code <version>}. The launcher, the pipeline's manifest and plugin declaration,
 * the test scripts' plugin declarations and the built plugin's MANIFEST.MF all derive it; none of those files spells
 * it out.
 */
class VersionTest {

    /** The {@code <version>} child of the root pom's {@code <project>}. */
    static String pomVersion() throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(PipelineRun.root().resolve("pom.xml").toFile());
        for (Node n = doc.getDocumentElement().getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals("version")) {
                return e.getTextContent().strip();
            }
        }
        throw new AssertionError("root pom.xml has no <version>");
    }

    @Test
    void theBuildsVersionIsThePomsVersion() throws Exception {
        assertEquals(pomVersion(), System.getProperty("landscape.version"), "Maven's project.version");
        assertEquals(pomVersion(), LandscapeVersion.get(), "the tools' version (core's filtered version.properties)");
    }

    @Test
    void launcherReportsThePomsVersion() throws Exception {
        assertEquals("landscape " + pomVersion(), run(PipelineRun.root().resolve("landscape").toString(), "--version").strip());
    }

    @Test
    void pipelineAndTestConfigsDeclareThePomsVersion() throws Exception {
        String v = pomVersion();
        Path root = PipelineRun.root();
        String pipeline = nextflowConfig(root);
        assertTrue(pipeline.contains("manifest.version = '" + v + "'"), pipeline);
        assertTrue(pipeline.contains("plugins = ['nf-landscape@" + v + "']"), pipeline);
        for (Path dir : List.of(root.resolve("tests/nf"), root.resolve("tests/nf/validate"))) {
            String config = nextflowConfig(dir);
            assertTrue(config.contains("plugins = ['nf-landscape@" + v + "']"), dir + ":\n" + config);
        }
    }

    @Test
    void builtPluginCarriesThePomsVersion() throws Exception {
        String v = pomVersion();
        Path manifest = PipelineRun.root().resolve("plugins/nf-landscape/target/nf-landscape-" + v
                + "/classes/META-INF/MANIFEST.MF");
        assertTrue(Files.readString(manifest).contains("Plugin-Version: " + v), manifest.toString());
    }

    @Test
    void noPipelineLauncherOrTestConfigSpellsTheVersionOut() throws Exception {
        String v = pomVersion();
        Path root = PipelineRun.root();
        List<Path> files = new ArrayList<>(List.of(root.resolve("landscape"), root.resolve("nextflow.config"),
                root.resolve("main.nf"), root.resolve("plugins/nf-landscape/src/main/plugin/MANIFEST.MF")));
        for (String dir : List.of("conf", "workflows", "modules", "tests/nf", "tests/slurm",
                "plugins/nf-landscape/src/test/resources")) {
            try (Stream<Path> s = Files.walk(root.resolve(dir))) {
                s.filter(Files::isRegularFile).forEach(files::add);
            }
        }
        Pattern literal = Pattern.compile("(?<![0-9.])" + Pattern.quote(v) + "(?![0-9])");
        for (Path f : files) {
            Matcher m = literal.matcher(Files.readString(f, StandardCharsets.UTF_8));
            assertFalse(m.find(), root.relativize(f) + " spells out the version " + v + "; derive it from pom.xml");
        }
    }

    /** {@code nextflow config -flat DIR}: the resolved configuration of the pipeline (or test scripts) in DIR. */
    private static String nextflowConfig(Path dir) throws Exception {
        return run(Map.of("NXF_HOME", PipelineRun.nxfHome().toString(), "LANDSCAPE_SKIP_BUILD", "1"),
                PipelineRun.root().resolve("landscape").toString(), "nextflow", "config", "-flat", dir.toString());
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        return run(Map.of(), cmd);
    }

    private static String run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }
}
