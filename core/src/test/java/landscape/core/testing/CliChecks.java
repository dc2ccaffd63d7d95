package landscape.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Checks every tool's command line the same way (the tools are built with {@code landscape.core.cli.Cli}). */
public final class CliChecks {
    private CliChecks() {
    }

    /**
     * {@code <command path> --help} (and {@code -h}) on every command of the tool's tree, given alone and after the
     * options the command requires are left out: exit 0, nothing on stderr, and the usage on stdout naming the
     * command and every one of its options. Returns the commands checked, e.g. {@code [landscape-extract,
     * landscape-extract run, ...]}.
     */
    public static List<String> helpWorksOnEveryCommand(Supplier<CommandLine> tool) {
        List<String> checked = new ArrayList<>();
        check(tool, tool.get(), new ArrayList<>(), checked);
        return checked;
    }

    private static void check(Supplier<CommandLine> tool, CommandLine cmd, List<String> path, List<String> checked) {
        String name = cmd.getCommandSpec().qualifiedName();
        for (String flag : List.of("--help", "-h")) {
            List<String> args = new ArrayList<>(path);
            args.add(flag);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine fresh = tool.get();
            fresh.setOut(new PrintWriter(out, true));
            fresh.setErr(new PrintWriter(err, true));
            int rc = fresh.execute(args.toArray(String[]::new));
            String usage = out.toString();
            assertEquals(0, rc, String.join(" ", args) + ": " + err);
            assertEquals("", err.toString(), String.join(" ", args));
            assertTrue(usage.startsWith("Usage: " + name + " "), usage);
            for (OptionSpec o : cmd.getCommandSpec().options()) {
                assertTrue(usage.contains(o.longestName()), name + " --help lacks " + o.longestName() + ":\n" + usage);
            }
        }
        checked.add(name);
        for (var sub : cmd.getSubcommands().entrySet()) {
            List<String> subPath = new ArrayList<>(path);
            subPath.add(sub.getKey());
            check(tool, sub.getValue(), subPath, checked);
        }
    }
}
