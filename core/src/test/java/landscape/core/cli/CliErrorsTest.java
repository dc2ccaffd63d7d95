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

    private static int code(Throwable e, StringWriter out) {
        return CliErrors.report("landscape-x", e, false, new PrintWriter(out));
    }

    @Test
    void outOfMemoryExitsThreeWithItsOwnLine() {
        StringWriter out = new StringWriter();
        assertEquals(3, code(new OutOfMemory("out of memory on gpu:0 at layer 12: lower --batch-tokens (now 8192)",
                new RuntimeException("CUDA out of memory.")), out));
        assertEquals("landscape-x: out of memory on gpu:0 at layer 12: lower --batch-tokens (now 8192)"
                + System.lineSeparator(), out.toString());
    }

    @Test
    void anEnginesOutOfMemoryErrorThatNoStageNamedExitsThreeToo() {
        // e.g. DJL's EngineException from a CUDA allocation while weights are placed
        StringWriter out = new StringWriter();
        assertEquals(3, code(new IllegalStateException("wrapped", new RuntimeException("CUDA out of memory. Tried to"
                + " allocate 2.00 GiB (GPU 0; 79.10 GiB total capacity)\nmore")), out));
        assertTrue(out.toString().startsWith("landscape-x: out of memory: wrapped (rerun with --debug"), out.toString());
        assertEquals(1, out.toString().lines().count());
        out.getBuffer().setLength(0);
        assertEquals(3, code(new RuntimeException("DefaultCPUAllocator: can't allocate memory: you tried to allocate"
                + " 17179869184 bytes. Error code 12 (Cannot allocate memory)"), out));
        out.getBuffer().setLength(0);
        assertEquals(3, code(new OutOfMemoryError("Java heap space"), out));
        assertEquals("landscape-x: out of memory: Java heap space (rerun with --debug for the stack trace)"
                + System.lineSeparator(), out.toString());
    }

    @Test
    void theProjectsOwnMessagesAreNotGuessedFromTheirWords() {
        // a user error whose text happens to say "out of memory" is exit 1; one caused by an OutOfMemoryError is 3
        StringWriter out = new StringWriter();
        assertEquals(1, code(new LandscapeException("notes.txt: says out of memory"), out));
        assertEquals(3, code(new LandscapeException("l3.safetensors: cannot map", new OutOfMemoryError("Map failed")),
                out));
        assertEquals(1, code(new IllegalArgumentException("boom"), out));
    }
}
