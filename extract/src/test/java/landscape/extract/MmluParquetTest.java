package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import landscape.core.format.Npy;
import landscape.core.format.Tensor;
import landscape.extract.data.MmluDataset;
import landscape.extract.data.MmluParquet;
import landscape.extract.data.PromptItem;
import landscape.extract.data.Question;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** MMLU as published on the hub (cais/mmlu parquet) gives exactly the prompts, order and rows of the Hendrycks CSVs. */
class MmluParquetTest {
    static final Path MINI = Path.of(System.getProperty("landscape.root", ".."), "assets/test-data/mmlu-mini");
    /** Written from {@link PromptTemplateTest#SAMPLE} by {@code datasets} (tools/make-mmlu-hub-fixture.py). */
    static final Path HUB_FIXTURE = Path.of(System.getProperty("landscape.root", ".."), "extract/src/test/resources/mmlu-hub");
    static final List<String> SPLITS = List.of("dev", "val", "test");

    @TempDir
    Path tmp;

    static ExtractOptions.Builder options(Path dataset, String split, int shots) {
        return ExtractOptions.builder(Path.of("unused"), Path.of("unused")).dataset(dataset, split, shots);
    }

    static List<PromptItem> items(Path dataset, String split, int shots) {
        return PromptSelection.select(options(dataset, split, shots).build());
    }

    static List<PromptItem> items(ExtractOptions o) {
        return PromptSelection.select(o);
    }

    private Path hub(boolean all, UnaryOperator<List<String>> order) {
        return ParquetFiles.hubLayout(MINI, tmp.resolve(all ? "all-layout" : "subject-layout"), all, SPLITS,
                CompressionCodecName.SNAPPY, order);
    }

    private static void assertSameItems(List<PromptItem> csv, List<PromptItem> parquet) {
        assertEquals(csv.size(), parquet.size());
        for (int i = 0; i < csv.size(); i++) {
            assertEquals(csv.get(i), parquet.get(i), "item " + i);
        }
    }

    @Test
    void hubAllFolderGivesByteIdenticalPromptsInTheCsvOrder() {
        Path pq = hub(true, UnaryOperator.identity());
        for (String split : List.of("test", "val", "validation")) {
            for (int shots : new int[] {0, 2, 5}) {
                List<PromptItem> csv = items(MINI, split, shots);
                assertTrue(csv.size() >= 32, split + " " + csv.size());
                assertSameItems(csv, items(pq, split, shots));
            }
        }
        ExtractOptions shuffled = options(MINI, "test", 5).shuffleShots(true, 7).build();
        assertSameItems(items(shuffled), items(shuffled.withInputs(Path.of("u"), null, null, pq)));
        assertEquals(List.of("conceptual_physics", "elementary_mathematics", "high_school_chemistry", "high_school_geography"),
                items(pq, "test", 0).stream().map(PromptItem::subject).distinct().toList());
    }

    @Test
    void allFileWithSubjectsOutOfOrderIsGroupedAlphabeticallyKeepingEachSubjectsRowOrder() {
        Path reversed = hub(true, l -> {
            List<String> r = new ArrayList<>(l);
            Collections.reverse(r);
            return r;
        });
        assertSameItems(items(MINI, "test", 2), items(reversed, "test", 2));
    }

    @Test
    void perSubjectFoldersGiveTheSameItems() {
        Path pq = hub(false, UnaryOperator.identity());
        assertSameItems(items(MINI, "test", 5), items(pq, "test", 5));
        assertSameItems(items(MINI, "val", 1), items(pq, "validation", 1));
    }

    @Test
    void maskSelectsTheSameQuestionsInBothLayouts() {
        Path pq = hub(true, UnaryOperator.identity());
        Path mask = tmp.resolve("mask.npy");
        Npy.write(mask, Tensor.ofLongs(new long[] {199, 0, 57, 120}));
        ExtractOptions o = options(MINI, "test", 1).mask(mask).build();
        List<PromptItem> csv = items(o);
        assertEquals(List.of(0L, 57L, 120L, 199L), csv.stream().map(PromptItem::datasetIndex).toList());
        assertSameItems(csv, items(o.withInputs(Path.of("u"), null, null, pq)));
    }

    @ParameterizedTest
    @EnumSource(value = CompressionCodecName.class, names = {"UNCOMPRESSED", "SNAPPY", "GZIP", "ZSTD", "LZ4_RAW"})
    void everyCodecAndBothPageVersionsReadTheSameRows(CompressionCodecName codec) {
        List<Question> csv = MmluDataset.load(MINI, "test");
        for (boolean v2 : new boolean[] {false, true}) {
            Path f = ParquetFiles.writeHub(tmp.resolve(codec + "-" + v2 + ".parquet"), csv, codec, v2);
            List<MmluParquet.Row> rows = MmluParquet.read(f);
            assertEquals(csv.size(), rows.size());
            for (int i = 0; i < csv.size(); i++) {
                Question q = csv.get(i);
                MmluParquet.Row r = rows.get(i);
                assertEquals(List.of(q.question(), q.subject(), q.choices(), q.answer()),
                        List.of(r.question(), r.subject(), r.choices(), "ABCD".substring(r.answer(), r.answer() + 1)), codec + " row " + i);
            }
        }
    }

    @Test
    void filesWrittenByDatasetsGiveTheCsvPrompts() throws IOException {
        Path csv = PromptTemplateTest.SAMPLE;
        for (int shots : new int[] {0, 2}) {
            assertSameItems(items(csv, "test", shots), items(HUB_FIXTURE, "test", shots));
        }
        assertEquals(PromptTemplateTest.items(0).get(4).prompt(), items(HUB_FIXTURE, "test", 0).get(4).prompt(),
                "the multi-line question");
        // the same files as per-subject folders only (a download of some subjects), auxiliary_train beside them
        Path subjects = tmp.resolve("subjects");
        try (Stream<Path> s = Files.walk(HUB_FIXTURE)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                Path rel = HUB_FIXTURE.relativize(p);
                if (!rel.startsWith("all")) {
                    Files.createDirectories(subjects.resolve(rel).getParent());
                    Files.copy(p, subjects.resolve(rel));
                }
            }
        }
        assertSameItems(items(csv, "test", 2), items(subjects, "test", 2));
    }
}
