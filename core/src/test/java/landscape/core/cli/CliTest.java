package landscape.core.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import landscape.core.LandscapeException;
import landscape.core.LandscapeVersion;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The scaffold every tool is built with: help, version, --debug, exit codes and one-line messages. */
class CliTest {
    @Command(name = "landscape-demo", subcommands = Sub.class, description = "A tool.")
    static final class Top implements Callable<Integer> {
        @Option(names = "--fail", description = "What to throw: user, usage, memory, java-heap or bug.") String fail;

        @Override
        public Integer call() {
            if ("java-heap".equals(fail)) {
                // a real OutOfMemoryError from the JVM ("Requested array size exceeds VM limit"), nothing allocated
                long[] huge = new long[Integer.MAX_VALUE];
                return huge.length;
            }
            if (fail != null) {
                throw switch (fail) {
                    case "user" -> new LandscapeException("in.npy: bad");
                    case "usage" -> new UsageError("--a and --b exclude each other");
                    case "memory" -> new OutOfMemory("out of memory on gpu:0 at layer 3: lower --batch-tokens (now"
                            + " 4096)", new RuntimeException("CUDA out of memory. Tried to allocate 2.00 GiB"));
                    default -> new IllegalStateException("boom");
                };
            }
            return 0;
        }
    }

    @Command(name = "sub", description = "A subcommand with a required option.")
    static final class Sub implements Callable<Integer> {
        @Option(names = "--need", required = true) String need;
        @Option(names = "--n") int n;

        @Override
        public Integer call() {
            throw new LandscapeException(need + ": bad");
        }
    }

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Cli.commandLine(new Top(), new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    }

    @Test
    void helpAnywhereExitsZeroWithTheUsageOfItsCommand() {
        for (String[] args : new String[][] {{"--help"}, {"-h"}, {"sub", "--help"}, {"sub", "-h", "--n", "x"},
            {"sub", "--n", "x", "--help"}, {"sub", "--help", "--bogus"}}) {
            out.getBuffer().setLength(0);
            assertEquals(0, run(args), String.join(" ", args) + ": " + err);
            String usage = out.toString();
            assertTrue(usage.startsWith("Usage: landscape-demo"), usage);
            if (args[0].equals("sub")) {
                assertTrue(usage.contains("--need"), usage);
            }
        }
        assertEquals("", err.toString());
    }

    @Test
    void versionIsTheToolAndTheBuildVersionOnEveryCommand() {
        assertEquals(0, run("--version"));
        assertEquals(0, run("sub", "-V"));
        String v = "landscape-demo " + LandscapeVersion.get() + System.lineSeparator();
        assertEquals(v + v, out.toString());
    }

    @Test
    void optionErrorsAreOneLineExitTwoAndPointToTheHelp() {
        assertEquals(2, run("sub"));
        assertEquals(2, run("sub", "--need", "a", "--n", "many"));
        assertEquals(2, run("--bogus"));
        String[] lines = err.toString().split(System.lineSeparator());
        assertEquals(3, lines.length, err.toString());
        assertTrue(lines[0].startsWith("landscape-demo: Missing required option") && lines[0].endsWith(
                "(see landscape-demo sub --help)"), lines[0]);
        assertTrue(lines[1].contains("'many'") && lines[1].endsWith("(see landscape-demo sub --help)"), lines[1]);
        assertTrue(lines[2].contains("--bogus") && lines[2].endsWith("(see landscape-demo --help)"), lines[2]);
        assertEquals("", out.toString());
    }

    @Test
    void usageErrorFromTheCommandExitsTwo() {
        assertEquals(2, run("--fail", "usage"));
        assertEquals("landscape-demo: --a and --b exclude each other (see landscape-demo --help)"
                + System.lineSeparator(), err.toString());
    }

    @Test
    void failureIsOneLineExitOneAndTheTraceOnlyWithDebug() {
        assertEquals(1, run("--fail", "user"));
        assertEquals("landscape-demo: in.npy: bad" + System.lineSeparator(), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(1, run("--fail", "bug"));
        assertTrue(err.toString().startsWith("landscape-demo: internal error: " + IllegalStateException.class.getName() + ": boom"));
        assertEquals(1, err.toString().lines().count(), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(1, run("--debug", "--fail", "bug"));
        assertTrue(err.toString().startsWith("landscape-demo: boom"), err.toString());
        assertTrue(err.toString().contains("at landscape.core.cli.CliTest"), err.toString());
    }

    @Test
    void debugIsAcceptedBeforeOrAfterTheSubcommand() {
        assertEquals(1, run("sub", "--need", "x.npy"));
        assertFalse(err.toString().contains("\tat "), err.toString());
        for (String[] args : new String[][] {{"--debug", "sub", "--need", "x.npy"}, {"sub", "--need", "x.npy", "--debug"}}) {
            err.getBuffer().setLength(0);
            assertEquals(1, run(args));
            assertTrue(err.toString().startsWith("landscape-demo: x.npy: bad"), err.toString());
            assertTrue(err.toString().contains("at landscape.core.cli.CliTest$Sub.call"), err.toString());
        }
    }

    @Test
    void outOfMemoryExitsThreeWithOneLineAlsoForJavasOwnError() {
        assertEquals(3, run("--fail", "memory"));
        assertEquals("landscape-demo: out of memory on gpu:0 at layer 3: lower --batch-tokens (now 4096)"
                + System.lineSeparator(), err.toString());
        err.getBuffer().setLength(0);
        // picocli does not hand Errors to the exception handler: without the scaffold's strategy this would end the
        // JVM with a stack trace and exit code 1
        assertEquals(3, run("--fail", "java-heap"));
        assertTrue(err.toString().startsWith("landscape-demo: out of memory: Requested array size exceeds VM limit"),
                err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
    }

    @Test
    void helpOfEveryCommandEndsWithTheExitCodes() {
        for (String[] args : new String[][] {{"--help"}, {"sub", "--help"}}) {
            out.getBuffer().setLength(0);
            assertEquals(0, run(args));
            String usage = out.toString();
            int at = usage.indexOf("Exit codes:");
            assertTrue(at > 0, usage);
            String codes = usage.substring(at);
            for (String code : new String[] {"0", "1", "2", "3"}) {
                assertTrue(codes.lines().anyMatch(l -> l.trim().startsWith(code + " ")), code + " in:\n" + codes);
            }
            assertTrue(codes.contains("out of memory"), codes);
        }
    }
}
