package landscape.core.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import landscape.core.LandscapeVersion;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The one way the tools build their picocli command line ({@code landscape-extract}, {@code landscape-analyze},
 * {@code landscape-plot} and their subcommands). Every command of the tree gets
 * <ul>
 *   <li>{@code -h/--help}: the usage on stdout, exit 0, wherever it stands on the command line (even when other
 *       options are missing or malformed);</li>
 *   <li>{@code -V/--version}: {@code <tool> <version>}, the version from {@link LandscapeVersion};</li>
 *   <li>{@code --debug}: the stack trace of a failure;</li>
 *   <li>the exit codes and one-line messages of {@link CliErrors}: 0 done, 1 bad input or failed run, 2 usage error
 *       (picocli's option errors, and a {@link UsageError} thrown by the command or the service it calls), 3 out of
 *       memory (an {@link OutOfMemory}, or Java's {@link OutOfMemoryError}, which picocli itself does not catch);
 *       listed at the end of every command's {@code --help}.</li>
 * </ul>
 * Commands are plain picocli {@code @Command} classes that declare only their own options.
 */
public final class Cli {
    static final String DEBUG = "--debug";

    private Cli() {
    }

    /** The configured command line of the tool whose top command is {@code command}. */
    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        String tool = cl.getCommandName();
        CommandLine.IVersionProvider version = () -> new String[] {tool + " " + LandscapeVersion.get()};
        equip(cl, version);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine where = ex.getCommandLine();
            if (asksForHelp(args)) {
                where.usage(where.getOut());
                return CommandLine.ExitCode.OK;
            }
            return CliErrors.usage(tool, where.getCommandSpec().qualifiedName(), ex.getMessage(), where.getErr());
        });
        cl.setExecutionExceptionHandler((ex, where, parsed) -> CliErrors.report(tool,
                where.getCommandSpec().qualifiedName(), ex, debug(parsed), where.getErr()));
        // picocli hands only Exceptions to the handler above: Java's OutOfMemoryError would end the JVM with a stack
        // trace and exit 1, so it is reported here, as one line with exit code 3
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            try {
                return runLast.execute(parsed);
            } catch (OutOfMemoryError e) {
                List<CommandLine> chain = parsed.asCommandLineList();
                CommandLine where = chain.get(chain.size() - 1);
                return CliErrors.report(tool, where.getCommandSpec().qualifiedName(), e, debug(parsed),
                        where.getErr());
            }
        });
        return cl;
    }

    /** The exit codes, as every command's {@code --help} ends. */
    static Map<String, String> exitCodes() {
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put(String.valueOf(CommandLine.ExitCode.OK), "done");
        codes.put(String.valueOf(CliErrors.FAILURE), "bad input or a failed run (one line on stderr says why)");
        codes.put(String.valueOf(CliErrors.USAGE), "usage error (an option unknown, missing or malformed)");
        codes.put(String.valueOf(CliErrors.OUT_OF_MEMORY), "out of memory (the line says which budgets to lower;"
                + " a retry with smaller ones may pass)");
        return codes;
    }

    private static void equip(CommandLine cl, CommandLine.IVersionProvider version) {
        CommandSpec spec = cl.getCommandSpec();
        spec.mixinStandardHelpOptions(true);
        spec.versionProvider(version);
        spec.usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(exitCodes());
        if (spec.findOption(DEBUG) == null) {
            spec.addOption(OptionSpec.builder(DEBUG).description("Print the stack trace of a failure.").build());
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            equip(sub, version);
        }
    }

    /** Whether {@code --debug} was given to the command or to any command above it. */
    static boolean debug(ParseResult parsed) {
        for (ParseResult p = rootOf(parsed); p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(DEBUG)) {
                return true;
            }
        }
        return false;
    }

    private static ParseResult rootOf(ParseResult parsed) {
        List<CommandLine> chain = parsed.asCommandLineList();
        return chain.isEmpty() ? parsed : chain.get(0).getParseResult();
    }

    /** {@code -h} or {@code --help} anywhere before an end-of-options {@code --}. */
    static boolean asksForHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals("-h") || a.equals("--help")) {
                return true;
            }
        }
        return false;
    }

    /** The tool's command line writing to {@code out} and {@code err} (tests; callers that print elsewhere). */
    public static CommandLine commandLine(Object command, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine(command);
        cl.setOut(out);
        cl.setErr(err);
        return cl;
    }
}
