package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import landscape.core.LandscapeVersion;
import landscape.core.testing.CliChecks;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line: help everywhere, the version, usage errors. */
class ExtractMainTest {
    @Test
    void helpOnEveryCommandPrintsItsOptionsAndExitsZero() {
        // `run --help` used to fail with "Missing required options"
        assertEquals(List.of("landscape-extract", "landscape-extract run", "landscape-extract tokenize",
                "landscape-extract make-tiny-model"), CliChecks.helpWorksOnEveryCommand(ExtractMain::commandLine));
    }

    @Test
    void versionIsTheProjectVersion() {
        StringWriter out = new StringWriter();
        CommandLine cl = ExtractMain.commandLine();
        cl.setOut(new PrintWriter(out, true));
        assertEquals(0, cl.execute("--version"));
        assertEquals("landscape-extract " + LandscapeVersion.get(), out.toString().strip());
    }

    @Test
    void missingRequiredOptionsAndExclusiveOptionsAreOneLineUsageErrors() {
        StringWriter err = new StringWriter();
        CommandLine cl = ExtractMain.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(2, cl.execute("run", "--model", "m"));
        assertEquals(2, cl.execute("run", "--model", "m", "--out", "o", "--prompts", "p.jsonl", "--dataset", "d"));
        assertEquals(2, cl.execute());
        List<String> lines = err.toString().lines().toList();
        assertEquals(3, lines.size(), err.toString());
        assertEquals("landscape-extract: Missing required option: '--out=<out>' (see landscape-extract run --help)",
                lines.get(0));
        assertEquals("landscape-extract: --prompts and --dataset are mutually exclusive (see landscape-extract run --help)",
                lines.get(1));
        assertTrue(lines.get(2).endsWith("(see landscape-extract --help)"), lines.get(2));
    }
}
