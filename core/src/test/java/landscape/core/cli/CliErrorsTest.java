package landscape.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import landscape.core.LandscapeException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliErrorsTest {
    private static String report(Throwable e, boolean debug) {
        StringWriter out = new StringWriter();
        assertEquals(1, CliErrors.report("landscape-x", e, debug, new PrintWriter(out)));
        return out.toString();
    }

    @Test
    void userErrorIsOneLineWithTheToolName() {
        String s = report(new LandscapeException("a.npy: bad\nsecond line"), false);
        assertEquals("landscape-x: a.npy: bad" + System.lineSeparator(), s);
    }

    @Test
    void bugSaysInternalErrorAndHowToSeeTheTraceButPrintsNoTrace() {
        String s = report(new IllegalStateException("boom"), false);
        assertTrue(s.startsWith("landscape-x: internal error: " + IllegalStateException.class.getName() + ": boom (rerun with --debug"), s);
        assertEquals(1, s.lines().count(), s);
    }

    @Test
    void debugAddsTheStackTrace() {
        String s = report(new LandscapeException("f: bad"), true);
        assertTrue(s.startsWith("landscape-x: f: bad"), s);
        assertTrue(s.contains("at landscape.core.cli.CliErrorsTest"), s);
    }

    @Test
    void usageErrorIsOneLinePointingToTheHelpOfItsCommandAndExitsTwo() {
        StringWriter out = new StringWriter();
        assertEquals(2, CliErrors.report("landscape-x", "landscape-x sub", new UsageError("--a and --b exclude each other"),
                false, new PrintWriter(out)));
        assertEquals("landscape-x: --a and --b exclude each other (see landscape-x sub --help)" + System.lineSeparator(),
                out.toString());
    }

    @Test
    void missingFileIsSaidPlainly(@TempDir Path tmp) {
        Path f = tmp.resolve("absent.npy");
        LandscapeException e = Assertions.assertThrows(LandscapeException.class,
                () -> landscape.core.format.LayerFiles.readMatrix(f));
        assertEquals(f + ": no such file", e.getMessage());
    }
}
