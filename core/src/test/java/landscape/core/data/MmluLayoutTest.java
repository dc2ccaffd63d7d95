package landscape.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import landscape.core.LandscapeException;
import landscape.core.testing.FakeHubCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MmluLayoutTest {
    @TempDir
    Path tmp;

    /** Empty files with the given relative names (the layout only lists files). */
    private Path tree(String... files) throws IOException {
        Path root = tmp.resolve("ds");
        for (String f : files) {
            Path p = root.resolve(f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, "");
        }
        Files.createDirectories(root);
        return root;
    }

    private static List<String> files(MmluLayout l, String split) {
        return l.sources(split).stream().map(s -> l.dir().relativize(s.file()) + "|" + s.subject()).toList();
    }

    private static String error(Path ds, String split) {
        String m = assertThrows(LandscapeException.class, () -> MmluLayout.check(ds, split)).getMessage();
        assertFalse(m.contains("\n"), m);
        return m;
    }

    @Test
    void hendrycksCsvFoldersListSubjectsAlphabetically() throws IOException {
        Path ds = tree("test/b_sub_test.csv", "test/a_sub_test.csv", "test/notes.txt", "val/a_sub_val.csv", "dev/a_sub_dev.csv");
        MmluLayout l = MmluLayout.detect(ds);
        assertEquals(MmluLayout.Format.CSV, l.format());
        assertEquals(List.of("test/a_sub_test.csv|a_sub", "test/b_sub_test.csv|b_sub"), files(l, "test"));
        assertEquals(files(l, "val"), files(l, "validation"), "validation is the hub's name of val");
        assertEquals(ds.resolve("dev"), l.splitLocation("dev"));
    }

    @Test
    void hubAllFolderGivesItsShardsInOrderAndIgnoresSubjectFolders() throws IOException {
        Path ds = tree("all/test-00001-of-00002.parquet", "all/test-00000-of-00002.parquet", "all/dev-00000-of-00001.parquet",
                "all/validation-00000-of-00001.parquet", "all/auxiliary_train-00000-of-00001.parquet",
                "anatomy/test-00000-of-00001.parquet", "auxiliary_train/train-00000-of-00001.parquet", "README.md");
        MmluLayout l = MmluLayout.detect(ds);
        assertEquals(MmluLayout.Format.PARQUET, l.format());
        assertEquals(List.of("all/test-00000-of-00002.parquet|null", "all/test-00001-of-00002.parquet|null"), files(l, "test"));
        assertEquals(List.of("all/validation-00000-of-00001.parquet|null"), files(l, "val"));
        assertEquals(files(l, "val"), files(l, "validation"));
        assertEquals(ds.resolve("all"), l.splitLocation("dev"));
    }

    @Test
    void configFolderGivenDirectlyIsRead() throws IOException {
        Path ds = tree("all/test-00000-of-00001.parquet");
        assertEquals(List.of("test-00000-of-00001.parquet|null"), files(MmluLayout.detect(ds.resolve("all")), "test"));
    }

    @Test
    void perSubjectFoldersWithoutAllAreSubjectsByName() throws IOException {
        Path ds = tree("college_physics/test-00000-of-00001.parquet", "anatomy/test-00000-of-00001.parquet",
                "anatomy/dev-00000-of-00001.parquet", "auxiliary_train/train-00000-of-00001.parquet", ".cache/x.parquet");
        MmluLayout l = MmluLayout.detect(ds);
        assertEquals(List.of("anatomy/test-00000-of-00001.parquet|anatomy",
                "college_physics/test-00000-of-00001.parquet|college_physics"), files(l, "test"));
        String m = error(ds, "dev");
        assertTrue(m.startsWith(ds.resolve("college_physics") + ": "), m);
        assertTrue(m.contains("no dev parquet file"), m);
    }

    @Test
    void missingSplitIsNamedInBothLayouts() throws IOException {
        assertEquals(tmp.resolve("absent") + ": no such directory", error(tmp.resolve("absent"), "test"));
        Path csv = tree("test/a_test.csv");
        assertTrue(error(csv, "dev").startsWith(csv.resolve("dev") + ": no such split folder"));
        Path pq = tmp.resolve("pq");
        Files.createDirectories(pq.resolve("all"));
        Files.writeString(pq.resolve("all/test-00000-of-00001.parquet"), "");
        String m = error(pq, "val");
        assertTrue(m.startsWith(pq.resolve("all") + ": no validation parquet files"), m);
        assertTrue(m.contains("test-00000-of-00001.parquet"), "says what is there: " + m);
    }

    @Test
    void bothLayoutsOrNeitherAreRefused() throws IOException {
        Path both = tree("test/a_test.csv", "all/test-00000-of-00001.parquet");
        String m = error(both, "test");
        assertTrue(m.startsWith(both + ": holds both"), m);
        assertTrue(m.contains("test/") && m.contains("all/test-00000-of-00001.parquet"), m);
        Path neither = tmp.resolve("neither");
        Files.createDirectories(neither.resolve("data"));
        m = error(neither, "test");
        assertTrue(m.startsWith(neither + ": not an MMLU dataset"), m);
    }

    @Test
    void incompleteOrMixedShardsAreRefused() throws IOException {
        Path ds = tree("all/test-00000-of-00003.parquet", "all/test-00002-of-00003.parquet");
        String m = error(ds, "test");
        assertTrue(m.startsWith(ds.resolve("all") + ": the test parquet shards are incomplete"), m);
        Files.delete(ds.resolve("all/test-00002-of-00003.parquet"));
        Files.writeString(ds.resolve("all/test-00001-of-00002.parquet"), "");
        assertTrue(error(ds, "test").contains("incomplete or mixed"));
    }

    @Test
    void hubCacheDatasetFolderResolvesToItsSnapshot() throws IOException {
        Path src = tree("all/test-00000-of-00001.parquet", "all/dev-00000-of-00001.parquet");
        Path repo = FakeHubCache.build(src, tmp.resolve("hub"), "dataset", "cais/mmlu", "abc123");
        MmluLayout l = MmluLayout.detect(repo);
        assertEquals(repo.resolve("snapshots/abc123"), l.dir());
        assertEquals(List.of("all/test-00000-of-00001.parquet|null"), files(l, "test"));
    }

    @Test
    void parquetLinkToAMissingBlobIsRefusedNamingTheFile() throws IOException {
        Path src = tree("all/test-00000-of-00001.parquet");
        Path repo = FakeHubCache.build(src, tmp.resolve("hub"), "dataset", "cais/mmlu", "abc123");
        Path link = repo.resolve("snapshots/abc123/all/test-00000-of-00001.parquet");
        Files.delete(link.toRealPath());
        String m = error(repo, "test");
        assertTrue(m.startsWith(link + ": symbolic link to a file that does not exist"), m);
    }
}
