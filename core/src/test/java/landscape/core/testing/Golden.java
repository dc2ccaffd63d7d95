package landscape.core.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The one lookup of the repository's golden data ({@code tests/golden/}: models, analysis sets, format files), for
 * the tests of every module. A missing folder or file fails the test with a message that says where it was looked
 * for; nothing is ever skipped because a fixture is absent.
 */
public final class Golden {
    private Golden() {
    }

    /** The repository root: the {@code landscape.root} system property (set by Surefire), else {@code ..}. */
    public static Path repositoryRoot() {
        return Path.of(System.getProperty("landscape.root", "..")).toAbsolutePath().normalize();
    }

    /** {@code tests/golden} of this repository; fails the test if it is missing. */
    public static Path root() {
        return existing(repositoryRoot().resolve("tests").resolve("golden"));
    }

    public static Path models() {
        return existing(root().resolve("models"));
    }

    public static Path analysis() {
        return existing(root().resolve("analysis"));
    }

    public static Path formats() {
        return existing(root().resolve("formats"));
    }

    /** A file or folder under {@code tests/golden}, e.g. {@code file("formats", "l5_target.pt")}; must exist. */
    public static Path file(String first, String... more) {
        return existing(root().resolve(Path.of(first, more)));
    }

    /** The golden model folders (those with an {@code expected.json}), sorted by name. */
    public static List<Path> modelDirs() {
        return setsUnder(models());
    }

    /** The golden analysis sets (folders with an {@code expected.json}), sorted by name. */
    public static List<Path> analysisSets() {
        return setsUnder(analysis());
    }

    /**
     * The workspace's golden folder ({@code ../shared/golden} beside the repository) that the repository copy was
     * taken from, or null when there is none (a fresh clone on its own).
     */
    public static Path sharedOrNull() {
        Path shared = repositoryRoot().resolve("..").resolve("shared").resolve("golden").normalize();
        return Files.isDirectory(shared) ? shared : null;
    }

    private static List<Path> setsUnder(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> sets = s.filter(p -> Files.isRegularFile(p.resolve("expected.json"))).sorted().toList();
            if (sets.isEmpty()) {
                fail("golden fixtures missing: no folder with an expected.json under " + dir);
            }
            return sets;
        } catch (IOException e) {
            return fail("golden fixtures unreadable: " + dir + ": " + e.getMessage());
        }
    }

    private static Path existing(Path p) {
        if (!Files.exists(p)) {
            fail("golden fixture missing: " + p + " (the repository carries its golden data under tests/golden)");
        }
        return p;
    }
}
