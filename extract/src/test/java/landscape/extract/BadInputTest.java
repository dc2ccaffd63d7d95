package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    /** Prompt selection from {@code ds} (model and output folder unused). */
    private static ExtractOptions.Builder mmlu(Path ds, int shots) {
        return ExtractOptions.builder(Path.of("unused"), Path.of("unused")).dataset(ds, "test", shots);
    }

    private LandscapeException fail(Path ds, int shots) {
        return assertThrows(LandscapeException.class, () -> PromptSelection.select(mmlu(ds, shots).build()));
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
        assertEquals(1, PromptSelection.select(mmlu(ds, 2).build()).size());
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
            LandscapeException e = assertThrows(LandscapeException.class, () -> PromptSelection.select(
                    mmlu(ds, 0).mask(mask).build()));
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
        assertEquals(List.of(0, 1, 2, 3, 33), List.copyOf(LayerSpec.parse("0-3,33", 32)));
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

    @Test
    void outThatIsNotAnEarlierRunIsRefusedBeforeAnythingRuns() throws Exception {
        Path out = tmp.resolve("home");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "precious");
        LandscapeException e = assertThrows(LandscapeException.class, () -> Extractor.run(
                ExtractOptions.builder(tmp.resolve("no-model"), out).prompts(tmp.resolve("p.jsonl")).build()));
        assertTrue(e.getMessage().startsWith(out + ": ") && e.getMessage().contains("refusing"), e.getMessage());
        assertEquals("precious", Files.readString(out.resolve("notes.txt")));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of("home"), s.map(f -> f.getFileName().toString()).toList());
        }
    }

    @Test
    void limitBelowOneNamesTheOption() throws Exception {
        Path ds = dataset("q1,a,b,c,d,A\n", "x,a,b,c,d,A\n");
        for (int limit : new int[] {0, -3}) {
            LandscapeException e = assertThrows(LandscapeException.class, () -> PromptSelection.select(
                    mmlu(ds, 0).limit(limit).build()));
            assertEquals("--limit: must be at least 1, got " + limit, e.getMessage());
        }
    }

    @Test
    void jsonlLineWithTrailingContentIsAnErrorNotSilentlyTruncated() throws Exception {
        Path p = Files.writeString(tmp.resolve("p.jsonl"), "{\"prompt\": \"a\"}\r\n\n{\"prompt\": \"b\"}{\"prompt\": \"c\"}\n");
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> landscape.extract.data.JsonlPrompts.read(p));
        assertTrue(e.getMessage().startsWith(p + ": line 3: not valid JSON"), e.getMessage());
    }

    @Test
    void invalidUtf8IsNamedWithTheLineInJsonlAndTheFileInCsv() throws Exception {
        Path p = tmp.resolve("p.jsonl");
        Files.write(p, new byte[] {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', 'a', '"', '}', '\n',
            '{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xE9, '"', '}', '\n'});
        LandscapeException e = assertThrows(LandscapeException.class,
                () -> landscape.extract.data.JsonlPrompts.read(p));
        assertEquals(p + ": line 2: not valid UTF-8 text", e.getMessage());
        Path ds = dataset("q1,a,b,c,d,A\n", "x,a,b,c,d,A\n");
        Files.write(ds.resolve("test/anatomy_test.csv"), new byte[] {'c', 'a', 'f', (byte) 0xE9, ',', 'a', ',', 'b', ',',
            'c', ',', 'd', ',', 'A', '\n'});
        LandscapeException c = fail(ds, 0);
        assertTrue(c.getMessage().startsWith(ds.resolve("test/anatomy_test.csv") + ": not valid UTF-8"), c.getMessage());
    }

    /**
     * A subject or answer that is not a string (a list, an object, a number) was read as "" or its digits: the row
     * silently lost its label (or got a made-up one) for the accuracy and the analysis. It is an error naming the line.
     */
    @Test
    void jsonlSubjectOrAnswerThatIsNotAStringIsAnError() throws Exception {
        String[] lines = {"{\"prompt\": \"a\", \"subject\": [\"x\"]}", "{\"prompt\": \"a\", \"subject\": 5}",
            "{\"prompt\": \"a\", \"answer\": [\"A\"]}"};
        String[] keys = {"subject", "subject", "answer"};
        for (int i = 0; i < lines.length; i++) {
            Path p = Files.writeString(tmp.resolve("p" + i + ".jsonl"), "{\"prompt\": \"ok\"}\n" + lines[i] + "\n");
            LandscapeException e = assertThrows(LandscapeException.class,
                    () -> landscape.extract.data.JsonlPrompts.read(p));
            assertTrue(e.getMessage().startsWith(p + ": line 2: \"" + keys[i] + "\" must be a string"), e.getMessage());
        }
        Path ok = Files.writeString(tmp.resolve("ok.jsonl"), "{\"prompt\": \"a\", \"subject\": null, \"answer\": null}\n");
        assertEquals("", landscape.extract.data.JsonlPrompts.read(ok).get(0).subject());
    }

    @Test
    void jsonlWithAByteOrderMarkIsRead() throws Exception {
        Path p = Files.writeString(tmp.resolve("p.jsonl"), "\uFEFF{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}");
        assertEquals(List.of("a", "b"), landscape.extract.data.JsonlPrompts.read(p).stream()
                .map(landscape.extract.data.PromptItem::prompt).toList());
    }

    @Test
    void missingConfigJsonSaysSo() throws Exception {
        Path m = Files.createDirectories(tmp.resolve("model"));
        LandscapeException e = assertThrows(LandscapeException.class, () -> landscape.extract.model.ModelConfig.read(m));
        assertEquals(m + ": no config.json (expected a Hugging Face checkpoint directory)", e.getMessage());
    }

    @Test
    void makeTinyModelRefusesToOverwriteARealCheckpoint() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("llama"));
        Files.writeString(real.resolve("config.json"), "{\"real\": true}");
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, "UTF-8"));
        int rc;
        try {
            rc = ExtractMain.execute("make-tiny-model", "--out", real.toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(1, rc);
        assertTrue(buf.toString("UTF-8").contains(real + ": exists and is not an empty directory"), buf.toString("UTF-8"));
        assertEquals("{\"real\": true}", Files.readString(real.resolve("config.json")));
        assertTrue(Files.notExists(real.resolve("model.safetensors")));
    }

    /**
     * make-model with sizes the config check refuses (--layers 0, heads that do not divide hidden) writes nothing:
     * it left a folder holding config.json alone, which the next make-model into it refused as not empty.
     */
    @Test
    void makeModelWithABadConfigLeavesNoFolderBehind() throws Exception {
        for (String[] bad : new String[][] {{"--like", "mistral-7b", "--empty", "--layers", "0"}, {"--heads", "3"}}) {
            Path out = tmp.resolve("made");
            List<String> args = new ArrayList<>(List.of("make-model", "--out", out.toString()));
            args.addAll(List.of(bad));
            PrintStream old = System.err;
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            System.setErr(new PrintStream(buf, true, "UTF-8"));
            int rc;
            try {
                rc = ExtractMain.execute(args.toArray(String[]::new));
            } finally {
                System.setErr(old);
            }
            assertEquals(1, rc, buf.toString("UTF-8"));
            assertEquals(1, buf.toString("UTF-8").strip().lines().count(), buf.toString("UTF-8"));
            assertTrue(Files.notExists(out), String.join(" ", bad) + " left " + out);
        }
    }

    @Test
    void missingMaskFileSaysSo() throws Exception {
        Path ds = dataset("q1,a,b,c,d,A\n", "x,a,b,c,d,A\n");
        Path mask = tmp.resolve("nope.npy");
        LandscapeException e = assertThrows(LandscapeException.class, () -> PromptSelection.select(
                mmlu(ds, 0).mask(mask).build()));
        assertEquals(mask + ": no such file (--mask)", e.getMessage());
    }
}
