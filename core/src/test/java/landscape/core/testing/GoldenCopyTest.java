package landscape.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The repository's golden data is a byte-identical copy of the workspace's {@code ../shared/golden} (expectations
 * are never edited). Without that folder (a fresh clone on its own) there is nothing to compare, and the test says
 * so on stderr instead of pretending to have checked.
 */
class GoldenCopyTest {

    @Test
    void repositoryCopyIsByteIdenticalToTheSharedGoldenData() throws IOException {
        Path shared = Golden.sharedOrNull();
        Path copy = Golden.root();
        if (shared == null) {
            System.err.println("GoldenCopyTest: no ../shared/golden beside the repository; checked nothing "
                    + "(the copy under " + copy + " is used as it is)");
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(shared)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        assertTrue(files.size() > 0, "no files under " + shared);
        List<String> missing = new ArrayList<>();
        for (Path f : files) {
            Path rel = shared.relativize(f);
            Path mine = copy.resolve(rel.toString());
            if (!Files.isRegularFile(mine)) {
                missing.add(rel.toString());
                continue;
            }
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(mine),
                    "tests/golden/" + rel + " differs from " + f + " (never edit an expectation)");
        }
        assertTrue(missing.isEmpty(), "files of " + shared + " missing from tests/golden: " + missing);
        System.err.println("GoldenCopyTest: " + files.size() + " files of " + shared + " are byte-identical in " + copy);
    }
}
