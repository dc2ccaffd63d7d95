package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import landscape.core.LandscapeException;
import landscape.core.testing.Golden;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad MMLU input, parquet and CSV: one line naming the file and the problem, before any forward pass. */
class MmluBadInputTest {
    static final List<String> CHOICES = List.of("a", "b", "c", "d");

    @TempDir
    Path tmp;

    /** A dataset folder with all/test-00000-of-00001.parquet holding these rows. */
    private Path allTest(MessageType schema, List<Consumer<Group>> rows) {
        Path ds = tmp.resolve("ds");
        ParquetFiles.write(ds.resolve("all/test-00000-of-00001.parquet"), schema, CompressionCodecName.SNAPPY, false, rows);
        return ds;
    }

    private Path allTest(List<Consumer<Group>> rows) {
        return allTest(ParquetFiles.HUB, rows);
    }

    private static String error(Path ds) {
        String m = assertThrows(LandscapeException.class, () -> MmluParquetTest.items(ds, "test", 0)).getMessage();
        assertFalse(m.contains("\n"), m);
        return m;
    }

    private String errorIn(Path ds, String problem) {
        String m = error(ds);
        Path file = ds.resolve("all/test-00000-of-00001.parquet");
        assertTrue(m.startsWith(file + ": "), m);
        assertTrue(m.contains(problem), m);
        return m;
    }

    private static Consumer<Group> ok(String q) {
        return ParquetFiles.hubRow(q, "anatomy", CHOICES, 1);
    }

    @Test
    void missingColumnsAreListed() {
        MessageType noAnswer = MessageTypeParser.parseMessageType("message schema { optional binary question (STRING);"
                + " optional binary subject (STRING); optional group choices (LIST) { repeated group list {"
                + " optional binary element (STRING); } } optional binary label (STRING); }");
        String m = errorIn(allTest(noAnswer, List.of(g -> g.append("question", "q").append("subject", "s"))),
                "no column answer");
        assertTrue(m.contains("this file has question, subject, choices, label"), m);
    }

    @Test
    void answerAsTextIsTheWrongType() {
        MessageType letters = MessageTypeParser.parseMessageType("message schema { optional binary question (STRING);"
                + " optional binary subject (STRING); optional group choices (LIST) { repeated group list {"
                + " optional binary element (STRING); } } optional binary answer (STRING); }");
        errorIn(allTest(letters, List.of(g -> g.append("question", "q").append("answer", "A"))),
                "column answer is optional binary answer (STRING), expected an integer");
    }

    @Test
    void questionThatIsNotTextAndChoicesThatAreNotAListAreTheWrongType() throws IOException {
        MessageType numbers = MessageTypeParser.parseMessageType("message schema { optional int64 question;"
                + " optional binary subject (STRING); optional group choices (LIST) { repeated group list {"
                + " optional binary element (STRING); } } optional int64 answer; }");
        errorIn(allTest(numbers, List.of(g -> g.append("question", 1L))), "column question is optional int64 question, expected a string");
        MessageType flat = MessageTypeParser.parseMessageType("message schema { optional binary question (STRING);"
                + " optional binary subject (STRING); optional binary choices (STRING); optional int64 answer; }");
        errorIn(allTest(flat, List.of(g -> g.append("choices", "a|b|c|d"))),
                "column choices is optional binary choices (STRING), expected a list of 4 strings");
    }

    @Test
    void choicesWithoutExactlyFourEntriesAreRefusedNamingTheRow() {
        errorIn(allTest(List.of(ok("q0"), ParquetFiles.hubRow("q1", "anatomy", List.of("a", "b", "c"), 0))),
                "row 1 (counting from 0): choices has 3 entries, expected 4");
        errorIn(allTest(List.of(ParquetFiles.hubRow("q0", "anatomy", List.of("a", "b", "c", "d", "e"), 0))),
                "row 0 (counting from 0): choices has 5 entries, expected 4");
    }

    @Test
    void answerIndexOutsideZeroToThreeIsRefusedNamingTheRow() {
        errorIn(allTest(List.of(ok("q0"), ok("q1"), ParquetFiles.hubRow("q2", "anatomy", CHOICES, 4))),
                "row 2 (counting from 0): answer 4 is outside 0-3");
        errorIn(allTest(List.of(ParquetFiles.hubRow("q0", "anatomy", CHOICES, -1))), "answer -1 is outside 0-3");
    }

    @Test
    void nullsAndEmptySubjectsAreRefused() {
        errorIn(allTest(List.of(ok("q0"), g -> g.append("subject", "anatomy").append("answer", 0L))),
                "row 1 (counting from 0): question is null");
        errorIn(allTest(List.of(ParquetFiles.hubRow("q0", "", CHOICES, 0))), "row 0 (counting from 0): subject is empty");
    }

    @Test
    void fileThatIsNotParquetIsRefused() throws IOException {
        Path ds = tmp.resolve("ds");
        Files.createDirectories(ds.resolve("all"));
        Files.writeString(ds.resolve("all/test-00000-of-00001.parquet"), "question,A,B,C,D,answer\n");
        errorIn(ds, "not a readable parquet file");
    }

    @Test
    void subjectFolderWithoutRowsIsAnErrorNotASmallerDataset() {
        Path ds = tmp.resolve("ds");
        ParquetFiles.write(ds.resolve("anatomy/test-00000-of-00001.parquet"), ParquetFiles.HUB, CompressionCodecName.SNAPPY,
                false, List.of(ok("q0")));
        ParquetFiles.write(ds.resolve("astronomy/test-00000-of-00001.parquet"), ParquetFiles.HUB, CompressionCodecName.SNAPPY,
                false, List.of());
        String m = error(ds);
        assertTrue(m.startsWith(ds.resolve("astronomy") + ": no test rows: subject 'astronomy'"), m);
    }

    @Test
    void rowOfAnotherSubjectInASubjectFolderIsRefused() {
        Path ds = tmp.resolve("ds");
        Path f = ParquetFiles.write(ds.resolve("anatomy/test-00000-of-00001.parquet"), ParquetFiles.HUB,
                CompressionCodecName.SNAPPY, false, List.of(ok("q0"), ParquetFiles.hubRow("q1", "astronomy", CHOICES, 0)));
        String m = error(ds);
        assertTrue(m.startsWith(f + ": row 1 (counting from 0): subject 'astronomy' is not the subject of its folder"), m);
    }

    @Test
    void csvSubjectWithoutRowsIsAnErrorNotASmallerDataset() throws IOException {
        Path ds = tmp.resolve("csv");
        Files.createDirectories(ds.resolve("test"));
        Files.createDirectories(ds.resolve("dev"));
        Files.writeString(ds.resolve("test/anatomy_test.csv"), "q,a,b,c,d,A\n");
        Files.writeString(ds.resolve("test/astronomy_test.csv"), "\n\n");
        Files.writeString(ds.resolve("dev/anatomy_dev.csv"), "q,a,b,c,d,A\n");
        Files.writeString(ds.resolve("dev/astronomy_dev.csv"), "");
        String m = error(ds);
        assertTrue(m.startsWith(ds.resolve("test/astronomy_test.csv") + ": no rows: subject 'astronomy'"), m);
        Files.writeString(ds.resolve("test/astronomy_test.csv"), "q,a,b,c,d,B\n");
        assertEquals(2, MmluParquetTest.items(ds, "test", 0).size());
        m = assertThrows(LandscapeException.class, () -> MmluParquetTest.items(ds, "test", 1)).getMessage();
        assertTrue(m.startsWith(ds.resolve("dev/astronomy_dev.csv") + ": no rows"), m);
    }

    @Test
    void badParquetIsRefusedBeforeTheModelRuns() {
        Path ds = allTest(List.of(ParquetFiles.hubRow("q0", "anatomy", CHOICES, 7)));
        Path out = tmp.resolve("out");
        LandscapeException e = assertThrows(LandscapeException.class, () -> Extractor.run(
                ExtractOptions.builder(Golden.file("models", "tiny-llama3"), out).dataset(ds, "test", 0).build()));
        assertTrue(e.getMessage().contains("answer 7 is outside 0-3"), e.getMessage());
        assertFalse(Files.exists(out));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("ds"), s.map(p -> p.getFileName().toString()).toList(), "no staging left behind");
        } catch (IOException ex) {
            throw new AssertionError(ex);
        }
    }
}
