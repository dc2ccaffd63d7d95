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
        // make-model is visited twice: under its name and under its old name, make-tiny-model
        assertEquals(List.of("landscape-extract", "landscape-extract run", "landscape-extract plan",
                "landscape-extract tokenize", "landscape-extract make-model", "landscape-extract make-model"),
                CliChecks.helpWorksOnEveryCommand(ExtractMain::commandLine));
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
    /**
     * Options that would do nothing are usage errors, not silently dropped: --seed without --shuffle-shots (the
     * shots stay in dev order), and the MMLU options --shots, --split, --shuffle-shots with --prompts.
     */
    @Test
    void optionsThatWouldHaveNoEffectAreUsageErrors() {
        StringWriter err = new StringWriter();
        CommandLine cl = ExtractMain.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(2, cl.execute("run", "--model", "m", "--out", "o", "--dataset", "d", "--seed", "3"));
        assertEquals(2, cl.execute("run", "--model", "m", "--out", "o", "--prompts", "p.jsonl", "--shots", "5"));
        assertEquals(2, cl.execute("run", "--model", "m", "--out", "o", "--prompts", "p.jsonl", "--split", "val"));
        assertEquals(2, cl.execute("run", "--model", "m", "--out", "o", "--prompts", "p.jsonl", "--shuffle-shots"));
        List<String> lines = err.toString().lines().toList();
        assertEquals(4, lines.size(), err.toString());
        assertEquals("landscape-extract: --seed has no effect without --shuffle-shots (see landscape-extract run"
                + " --help)", lines.get(0));
        for (int i = 1; i < 4; i++) {
            assertTrue(lines.get(i).matches("landscape-extract: --(shots|split|shuffle-shots) (is|are) for --dataset"
                    + ".*"), lines.get(i));
        }
    }
}
