package landscape.plot;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.LandscapeException;

/**
 * Writes a set of files all-or-nothing: into a hidden {@code .<out>.tmp-…} folder beside {@code out}, then, once
 * every file exists, a rename of that folder to {@code out} (or, when {@code out} already exists, atomic moves of
 * the new files into it, leaving its other files alone). On failure the temporary folder is removed.
 */
final class OutputFolder {
    private OutputFolder() {
    }

    /** {@code writer} fills the temporary folder and returns the names of the files it wrote. */
    static List<Path> write(Path out, Function<Path, List<String>> writer) {
        Path target = out.toAbsolutePath().normalize();
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw LandscapeException.of(out, "exists and is not a directory");
        }
        if (target.getParent() == null) {
            throw LandscapeException.of(out, "cannot write into the file system root");
        }
        Path tmp;
        try {
            Files.createDirectories(target.getParent());
            // createDirectory (not createTempDirectory) so the folder gets the usual permissions, not 0700
            tmp = Files.createDirectory(target.getParent().resolve(
                    "." + target.getFileName() + ".tmp-" + Long.toHexString(System.nanoTime() ^ ProcessHandle.current().pid())));
        } catch (IOException e) {
            throw LandscapeException.of(out, "cannot create output folder: " + Json.oneLine(e.getMessage()));
        }
        try {
            List<String> names = writer.apply(tmp);
            return commit(tmp, target, names);
        } finally {
            deleteQuietly(tmp);
        }
    }

    static String writeBytes(Path dir, String name, byte[] bytes) {
        try {
            Files.write(dir.resolve(name), bytes);
            return name;
        } catch (IOException e) {
            throw LandscapeException.of(dir.resolve(name), "cannot write: " + Json.oneLine(e.getMessage()));
        }
    }

    private static List<Path> commit(Path tmp, Path out, List<String> names) {
        try {
            if (!Files.exists(out)) {
                try {
                    Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
                    return names.stream().map(out::resolve).toList();
                } catch (FileAlreadyExistsException raced) {
                    // created meanwhile by someone else: fall through to the per-file moves
                }
            }
            List<Path> files = new ArrayList<>();
            for (String name : names) {
                Path dest = out.resolve(name);
                Files.move(tmp.resolve(name), dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                files.add(dest);
            }
            return files;
        } catch (IOException e) {
            throw LandscapeException.of(out, "cannot move the finished files into place: " + Json.oneLine(e.getMessage()));
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover hidden temp folder is harmless
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
