package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import landscape.core.LandscapeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputTest {
    @TempDir
    Path tmp;

    private Path dataset(String testCsv, String devCsv) throws Exception {
        Files.createDirectories(tmp.resolve("d/test"));
        Files.createDirectories(tmp.resolve("d/dev"));
        Files.writeString(tmp.resolve("d/test/anatomy_test.csv"), testCsv);
        Files.writeString(tmp.resolve("d/dev/anatomy_dev.csv"), devCsv);
        return tmp.resolve("d");
    }

    private LandscapeException fail(Path ds, int shots) {
        return assertThrows(LandscapeException.class, () -> Extractor.items(
                ExtractOptions.dataset(Path.of("unused"), ds, "test", shots, Path.of("unused"))));
    }

    @Test
    void wrongColumnCountNamesFileAndLine() throws Exception {
        Path ds = dataset("q1,a,b,c,d,A\n\"q2\nspans two lines\",a,b,c,d,B\nq3,a,b,c,A\n", "x,a,b,c,d,A\n");
        LandscapeException e = fail(ds, 0);
        assertTrue(e.getMessage().contains("anatomy_test.csv"), e.getMessage());
        assertTrue(e.getMessage().contains("line 4"), e.getMessage());
        assertTrue(e.getMessage().contains("found 5"), e.getMessage());
    }

    @Test
    void answerOutsideAtoDNamesFileAndLine() throws Exception {
        Path ds = dataset("q1,a,b,c,d,A\nq2,a,b,c,d,E\n", "x,a,b,c,d,A\n");
        LandscapeException e = fail(ds, 0);
        assertTrue(e.getMessage().contains("anatomy_test.csv: line 2"), e.getMessage());
        assertTrue(e.getMessage().contains("'E'"), e.getMessage());
    }

    @Test
    void subjectWithTooFewDevRowsIsAnError() throws Exception {
        Path ds = dataset("q1,a,b,c,d,A\n", "x,a,b,c,d,A\ny,a,b,c,d,B\n");
        assertEquals(1, Extractor.items(ExtractOptions.dataset(Path.of("u"), ds, "test", 2, Path.of("u"))).size());
        LandscapeException e = fail(ds, 3);
        assertTrue(e.getMessage().contains("anatomy") && e.getMessage().contains("2 dev rows"), e.getMessage());
    }

    @Test
    void unterminatedQuoteIsAnError() throws Exception {
        Path ds = dataset("q1,a,b,c,d,A\n\"q2,a,b,c,d,A\n", "x,a,b,c,d,A\n");
        LandscapeException e = fail(ds, 0);
        assertTrue(e.getMessage().contains("anatomy_test.csv: line 2"), e.getMessage());
    }

    @Test
    void maskRowsOutsideTheSplitOrRepeatedAreErrors() throws Exception {
        Path ds = dataset("q1,a,b,c,d,A\nq2,a,b,c,d,B\n", "x,a,b,c,d,A\n");
        Path mask = tmp.resolve("m.npy");
        for (long[] rows : new long[][] {{0, 2}, {1, 1}}) {
            landscape.core.format.Npy.write(mask, landscape.core.format.Tensor.ofLongs(rows));
            LandscapeException e = assertThrows(LandscapeException.class, () -> Extractor.items(
                    ExtractOptions.dataset(Path.of("u"), ds, "test", 0, Path.of("u")).withLimitMaskLayers(null, mask, null)));
            assertTrue(e.getMessage().startsWith(mask.toString()), e.getMessage());
        }
    }

    @Test
    void missingSplitFolderIsAnError() {
        LandscapeException e = fail(tmp, 0);
        assertTrue(e.getMessage().contains("test"), e.getMessage());
    }

    @Test
    void layerSpecOutsideRangeIsAnError() {
        assertEquals(java.util.List.of(0, 1, 2, 3, 33), java.util.List.copyOf(LayerSpec.parse("0-3,33", 32)));
        assertThrows(LandscapeException.class, () -> LayerSpec.parse("0-40", 32));
        assertThrows(LandscapeException.class, () -> LayerSpec.parse("x", 32));
    }

    @Test
    void bf16ComputeIsRefusedWithAReason() {
        LandscapeException e = assertThrows(LandscapeException.class, () -> ComputeTarget.resolve("cpu", "bf16"));
        assertTrue(e.getMessage().contains("abort"), e.getMessage());
    }

    @Test
    void cliPrintsOneLineAndExitsOneOnBadInput() throws Exception {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, "UTF-8"));
        int rc;
        try {
            rc = ExtractMain.execute("run", "--model", tmp.resolve("nope").toString(), "--prompts",
                    tmp.resolve("p.jsonl").toString(), "--out", tmp.resolve("o").toString());
        } finally {
            System.setErr(old);
        }
        String err = buf.toString("UTF-8").strip();
        assertEquals(1, rc);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("config.json"), err);
    }
}
