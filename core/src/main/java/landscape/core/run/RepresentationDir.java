package landscape.core.run;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.Matrix;
import landscape.core.format.LayerFiles;
import landscape.core.format.LayerInfo;

/**
 * A representation directory, the contract between extraction and analysis: {@code manifest.json},
 * {@code samples.csv} and one tensor file per extraction point (docs/FORMAT.md).
 */
public final class RepresentationDir {
    public static final String MANIFEST = "manifest.json";
    public static final String SAMPLES = "samples.csv";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final Manifest manifest;

    private RepresentationDir(Path dir, Manifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    /** True if {@code dir} holds a manifest.json. */
    public static boolean isRepresentationDir(Path dir) {
        return Files.isRegularFile(dir.resolve(MANIFEST));
    }

    /** Opens and checks a directory: the format name and version, and that every point's file exists. */
    public static RepresentationDir open(Path dir) {
        Path mf = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(mf)) {
            throw LandscapeException.of(dir, "not a representation directory (no " + MANIFEST + ")");
        }
        Manifest m = Json.read(mf, Manifest.class);
        if (!Manifest.FORMAT.equals(m.format())) {
            throw LandscapeException.of(mf, "format is '" + m.format() + "', expected '" + Manifest.FORMAT + "'");
        }
        if (m.formatVersion() > Manifest.FORMAT_VERSION) {
            throw LandscapeException.of(mf, "format_version " + m.formatVersion() + " is newer than this tool ("
                    + Manifest.FORMAT_VERSION + ")");
        }
        if (m.points() == null || m.points().isEmpty()) {
            throw LandscapeException.of(mf, "no extraction points listed");
        }
        for (Manifest.Point p : m.points()) {
            Path f = dir.resolve(p.file()).normalize();
            if (!f.startsWith(dir.normalize()) || p.file().contains("/")) {
                throw LandscapeException.of(mf, "point " + p.index() + " file '" + p.file() + "' is not inside the directory");
            }
            if (!Files.isRegularFile(f)) {
                throw LandscapeException.of(mf, "point " + p.index() + " file '" + p.file() + "' is missing");
            }
        }
        return new RepresentationDir(dir, m);
    }

    public Path dir() {
        return dir;
    }

    public Manifest manifest() {
        return manifest;
    }

    public List<Manifest.Point> points() {
        return manifest.points().stream().sorted(Comparator.comparingInt(Manifest.Point::index)).toList();
    }

    public Manifest.Point point(int index) {
        return manifest.points().stream().filter(p -> p.index() == index).findFirst()
                .orElseThrow(() -> LandscapeException.of(dir.resolve(MANIFEST), "no extraction point with index " + index
                        + " (have " + points().stream().map(p -> String.valueOf(p.index())).toList() + ")"));
    }

    public Path pointFile(int index) {
        return dir.resolve(point(index).file());
    }

    public Path samplesFile() {
        return dir.resolve(SAMPLES);
    }

    public List<Sample> samples() {
        return SamplesCsv.read(samplesFile());
    }

    public Matrix readMatrix(int index) {
        return LayerFiles.readMatrix(pointFile(index));
    }

    public LayerInfo info(int index) {
        return LayerFiles.info(pointFile(index));
    }

    /** Hex SHA-256 of a file. */
    public static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            byte[] buf = new byte[1 << 16];
            while (in.read(buf) >= 0) {
                // digest as we go
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw LandscapeException.of(file, "cannot checksum: " + e.getMessage());
        }
    }

    /** Writes manifest.json into a directory being built. */
    public static void writeManifest(Path dir, Manifest manifest) {
        Json.write(dir.resolve(MANIFEST), manifest);
    }

    /**
     * A fresh staging directory beside {@code target} ({@code .<name>.partial-<random>}), to be moved into place
     * with {@link #commit(Path, Path)} once complete. It is created with the process umask (not 0700), so the
     * finished directory is as readable as any other directory the user creates.
     */
    public static Path staging(Path target) {
        Path parent = target.toAbsolutePath().normalize().getParent();
        try {
            Files.createDirectories(parent);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw LandscapeException.of(target, "cannot create its parent directory: " + e.getFile()
                    + " exists and is not a directory");
        } catch (IOException e) {
            throw LandscapeException.of(target, "cannot create its parent directory: " + reason(e));
        }
        for (int attempt = 0; ; attempt++) {
            Path p = parent.resolve("." + target.getFileName() + ".partial-" + Long.toUnsignedString(RANDOM.nextLong(), 36));
            try {
                return Files.createDirectory(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw LandscapeException.of(target, "cannot create a staging directory: " + reason(e));
                }
            } catch (IOException e) {
                throw LandscapeException.of(target, "cannot create a staging directory in " + parent + ": " + reason(e));
            }
        }
    }

    /**
     * Checks that {@code target} may be replaced by a run: it does not exist, or it is an earlier representation
     * directory (has manifest.json), or an empty directory. Anything else (a file, a directory of other things)
     * is refused rather than deleted.
     */
    public static void checkReplaceable(Path target) {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw LandscapeException.of(target, "exists and is not a directory; refusing to replace it");
        }
        if (isRepresentationDir(target)) {
            return;
        }
        try (Stream<Path> s = Files.list(target)) {
            if (s.findAny().isEmpty()) {
                return;
            }
        } catch (IOException e) {
            throw LandscapeException.of(target, "cannot list: " + reason(e));
        }
        throw LandscapeException.of(target, "exists and is not a representation directory (no " + MANIFEST
                + "); refusing to replace it");
    }

    /**
     * Moves the finished staging directory to {@code target}. An earlier representation directory there is
     * replaced: it is renamed aside, the new one renamed in (each an atomic rename), then the old one deleted; if
     * the second rename fails the old one is put back. {@code target} never holds a partial directory.
     */
    public static void commit(Path staging, Path target) {
        checkReplaceable(target);
        Path old = null;
        try {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                Path parent = target.toAbsolutePath().normalize().getParent();
                do {
                    old = parent.resolve("." + target.getFileName() + ".old-" + Long.toUnsignedString(RANDOM.nextLong(), 36));
                } while (Files.exists(old, LinkOption.NOFOLLOW_LINKS));
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (old != null) {
                    Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
                }
                throw e;
            }
        } catch (IOException e) {
            throw LandscapeException.of(target, "cannot move the finished directory into place: " + reason(e));
        }
        if (old != null) {
            try {
                deleteTree(old);
            } catch (LandscapeException ignored) {
                // The new directory is in place; a leftover hidden .old- directory is only wasted space.
            }
        }
    }

    /** An IOException as words: its class says what happened when its message is only the path. */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String kind = switch (e.getClass().getSimpleName()) {
            case "AccessDeniedException" -> "permission denied";
            case "NoSuchFileException" -> "no such file or directory";
            case "FileAlreadyExistsException" -> "already exists";
            case "NotDirectoryException" -> "not a directory";
            case "FileSystemException" -> "file system error";
            default -> e.getMessage();
        };
        return kind == null ? e.getClass().getSimpleName() : kind;
    }

    /** Deletes a directory tree (staging cleanup after a failure). */
    public static void deleteTree(Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            throw LandscapeException.of(p, "cannot delete: " + e.getMessage());
        }
    }
}
