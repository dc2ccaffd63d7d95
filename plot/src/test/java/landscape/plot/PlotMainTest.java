package landscape.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import landscape.core.testing.CliChecks;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line: help everywhere, usage errors. */
class PlotMainTest {
    @Test
    void helpOnEveryCommandPrintsItsOptionsAndExitsZero() {
        assertEquals(List.of("landscape-plot", "landscape-plot landscape"),
                CliChecks.helpWorksOnEveryCommand(PlotMain::commandLine));
    }

    @Test
    void mapHelpNamesTheLayerTheFigureDraws() {
        // point I is drawn at x = layerX(I) on the profiles and named so in the map's title and file name
        StringWriter out = new StringWriter();
        CommandLine cl = PlotMain.commandLine();
        cl.setOut(new PrintWriter(out, true));
        assertEquals(0, cl.execute("landscape", "--help"));
        String help = out.toString().replaceAll("\\s+", " ");
        int x = FigureSpec.layerX(5);
        assertTrue(help.contains("drawn as layer " + (x == 5 ? "I" : "I+" + (x - 5)) + ")"), help);
    }

    @Test
    void optionErrorsAreOneLineUsageErrors() {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        CommandLine cl = PlotMain.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(out, true));
        assertEquals(2, cl.execute("--out", "figures"));
        assertEquals(2, cl.execute("--stats", "s", "--out", "figures", "--dpi", "many"));
        assertEquals(2, cl.execute("landscape", "--layer", "0"));
        assertEquals(List.of(
                "landscape-plot: --stats: missing (directories with summary-*.json files) (see landscape-plot --help)",
                "landscape-plot: Invalid value for option '--dpi': 'many' is not an int (see landscape-plot --help)",
                "landscape-plot: Missing required option: '--run=DIR' (see landscape-plot landscape --help)"),
                err.toString().lines().toList());
        assertEquals("", out.toString());
    }
}
